// This module is browser compatible.
/**
 * The one timer every wait uses: `get(timeout)`, `wait(timeout)` and
 * `next(timeout)` take Python's seconds, and a delay may be longer than the
 * longest `setTimeout` can hold.
 *
 * @module
 */

/**
 * The longest delay `setTimeout` honours: 2^31 − 1 ms (~24.8 days). Longer
 * delays fire after ~1 ms on Deno, Bun, Node and browsers (Node also prints
 * `TimeoutOverflowWarning`), so longer waits chain timers of at most this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Describes a bad timeout for an error message. */
function describe(value: unknown): string {
  if (typeof value === "number") return String(value); // NaN
  if (typeof value === "string") return `string '${value}'`;
  if (typeof value === "bigint") return `bigint ${value}n`;
  return typeof value;
}

/**
 * Converts a timeout in seconds (Python's) to milliseconds.
 *
 * - `undefined`, `null`, `Infinity`, and values so large that their
 *   milliseconds overflow to `Infinity` (above ~1.8e305 s): wait forever,
 *   returned as `undefined`.
 * - Zero, `-0` and negative values (`-Infinity` too): `0`, "do not wait",
 *   as in Python, where a timeout ≤ 0 only checks once.
 * - Any other number: `seconds * 1000`, however large.
 *
 * @param timeout The timeout as passed by the user.
 * @param what What the call does, for the error message ("get result").
 * @returns Milliseconds, or `undefined` for no limit.
 * @throws {TypeError} If `timeout` is not a number.
 * @throws {RangeError} If `timeout` is `NaN`.
 */
export function timeoutMs(
  timeout: unknown,
  what: string,
): number | undefined {
  if (timeout === undefined || timeout === null) return undefined;
  if (typeof timeout !== "number") {
    throw new TypeError(
      `Cannot ${what} as 'timeout' must be a number of seconds (or undefined to wait forever): received ${
        describe(timeout)
      }`,
    );
  }
  if (Number.isNaN(timeout)) {
    // A number, out of range: as `processes`, `chunksize` and the others
    throw new RangeError(
      `Cannot ${what} as 'timeout' must be a number of seconds, not NaN (or undefined to wait forever): received NaN`,
    );
  }
  const ms = timeout * 1000;
  if (ms === Infinity) return undefined;
  return ms > 0 ? ms : 0;
}

/** Cancels a timer started by {@linkcode startTimer}; calling it again does nothing. */
export type CancelTimer = () => void;

/**
 * Calls `fn` once after `ms` milliseconds, however long: delays beyond
 * {@linkcode MAX_TIMER_MS} are chained timers. Returns the function that
 * cancels it (the caller clears it when its wait ends another way).
 *
 * @param fn Called once when the time is up.
 * @param ms The delay; `0` or less runs `fn` on the next timer tick.
 * @param maxStep The longest single timer (for tests).
 */
export function startTimer(
  fn: () => void,
  ms: number,
  maxStep: number = MAX_TIMER_MS,
): CancelTimer {
  let left = ms > 0 ? ms : 0;
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const step = left > maxStep ? maxStep : left;
    left -= step;
    handle = setTimeout(left > 0 ? arm : fire, step);
  };
  const fire = () => {
    handle = undefined;
    fn();
  };
  arm();
  return () => {
    if (handle !== undefined) {
      clearTimeout(handle);
      handle = undefined;
    }
  };
}
