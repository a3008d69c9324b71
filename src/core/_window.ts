// This module is browser compatible.
/**
 * How many tasks a worker may hold at once (its window): an EWMA of the
 * measured time per task sets it so that each worker has about
 * {@linkcode WINDOW_TARGET_MS} of queued work: many tiny tasks per message,
 * one slow task at a time.
 *
 * @module
 */

/** Upper bound of tasks in flight per worker. */
export const MAX_WINDOW = 16384;
/** Aim for this much queued work (ms) per worker. */
export const WINDOW_TARGET_MS = 4;

/** The adaptive window, from measured task times. */
export class Window {
  #perTaskMs: number | undefined;
  /** Tasks per worker at least. */
  #min = 1;

  /**
   * Keeps at least `prefetch` tasks per worker (an adapter's
   * `WorkerAdapter.prefetch`; 1 when absent or not a count).
   */
  least(prefetch: number | undefined): void {
    this.#min = typeof prefetch === "number" && prefetch >= 1
      ? Math.min(Math.floor(prefetch), MAX_WINDOW)
      : 1;
  }

  /**
   * Adds a measure: `count` tasks took `ms` of worker time. Weighs the
   * newest measure as much as the history (EWMA, factor 0.5).
   */
  observe(ms: number, count: number): void {
    const perTask = ms / count;
    this.#perTaskMs = this.#perTaskMs === undefined
      ? perTask
      : this.#perTaskMs * 0.5 + perTask * 0.5;
  }

  /** Tasks per worker at the least (the adapter's `prefetch`). */
  get min(): number {
    return this.#min;
  }

  /** Tasks per worker now: the least until a task has been measured. */
  get size(): number {
    const per = this.#perTaskMs;
    if (per === undefined) return this.#min;
    if (per <= 0) return MAX_WINDOW;
    return Math.max(
      this.#min,
      Math.min(MAX_WINDOW, Math.floor(WINDOW_TARGET_MS / per)),
    );
  }
}
