// Task functions shared by every worker file of the bench (raw floor and the
// competitors). @x/pool gets the same bodies as source functions (see
// ../contestants/xpool.mjs) or, with XPOOL_TASKS=module, imports this file.

/** ~150 ms of integer work on this machine's JIT (Node 24, Bun, Deno). */
export const SPIN_N = 95_000_000;

/** A tiny task: one add. */
export function tiny(x) {
  return x + 1;
}

/** The map workload's per-item function. */
export function double(x) {
  return x * 2;
}

/** CPU-bound task: n rounds of an integer LCG plus xorshift. */
export function spin(n) {
  let x = 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    x ^= x >>> 7;
  }
  return x;
}

/** A hand-made chunk of the map workload: `double` over an array. */
export function mapChunk(chunk) {
  const out = new Array(chunk.length);
  for (let i = 0; i < chunk.length; i++) out[i] = chunk[i] * 2;
  return out;
}

/** Task table by index, for the raw floor's wire format. */
export const TASKS = [tiny, double, spin, mapChunk];
/** Task names, in the order of `TASKS`. */
export const TASK_NAMES = ["tiny", "double", "spin", "mapChunk"];
