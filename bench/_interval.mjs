// Shared by the signal benches: the median, and a 95% bootstrap interval of
// the median (1,000 resamples, a fixed seed so a run's figures repeat).

/** The median of `xs` (the upper one for an even count). */
export const median = (xs) => [...xs].sort((p, q) => p - q)[xs.length >> 1];

/**
 * `interval(xs)`: `[low, high]`, a 95% bootstrap interval of the median of
 * `xs`; its random sequence starts at `seed` and runs on across calls.
 */
export function intervals(seed) {
  const rand = () =>
    (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  return (xs) => {
    const ms = [];
    for (let b = 0; b < 1000; b++) {
      ms.push(median(Array.from(xs, () => xs[Math.floor(rand() * xs.length)])));
    }
    ms.sort((p, q) => p - q);
    return [ms[25], ms[974]];
  };
}
