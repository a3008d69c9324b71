// This module is browser compatible.
/**
 * The one test of "is this a promise" used on both sides of the pool.
 *
 * @module
 */

/**
 * Whether `await` would treat `value` as a promise. A `then` that cannot be
 * read counts: awaiting it rejects with the reason, which the caller then
 * reports as the value's error.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (
    value === null || (typeof value !== "object" && typeof value !== "function")
  ) {
    return false;
  }
  try {
    return typeof (value as PromiseLike<unknown>).then === "function";
  } catch {
    return true;
  }
}
