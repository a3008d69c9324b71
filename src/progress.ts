// This module is browser compatible.
/**
 * {@linkcode reportProgress}: a task tells its caller how far it got; the
 * values arrive at the call's `onProgress` option on the calling side.
 *
 * @module
 */

/**
 * The global key of the running worker loop's progress reporter. A global
 * rather than module state: a module run by `moduleTask()` that imports
 * `@x/pool` may get its own copy of this module in the worker (the worker
 * runs a bundle), and must reach the same reporter.
 */
const KEY = Symbol.for("@x/pool.reportProgress");

/** What a worker loop installs under the global key (internal). */
export interface ProgressReporter {
  /** Takes one value from the running task; may throw a `TypeError`. */
  report(value: unknown): void;
}

/**
 * Sends `value` to the `onProgress(value)` option of the call whose task is
 * running, on the calling side: values arrive in the order they were
 * reported, all of them, before the task's result. Call it from inside a
 * task; elsewhere (on the main thread, in a task of a call without
 * `onProgress`, or after the task ended) it does nothing and costs next to
 * nothing.
 *
 * Functions sent as source can call `reportProgress` by name (the worker
 * binds it for them, as `currentProcess`); a module run with `moduleTask()`
 * imports it from `@x/pool`. In an async task it may be called after an
 * `await`: a worker runs one task at a time, so the value belongs to the
 * task it is running then.
 *
 * The value crosses by structured clone, copied at the call (reporting the
 * same object again after changing it sends each state). Values travel in
 * batches (at most one message every few milliseconds per worker), so a
 * task calling it in a tight loop does not flood the main thread; none is
 * dropped.
 *
 * @param value What to report: any structured-cloneable value (a number, a
 *   string, a plain object or array, ...).
 * @throws {TypeError} If the call listens to progress and `value` cannot be
 *   cloned (a function, a symbol, an object holding one): the task fails
 *   with it unless it catches it.
 *
 * @example Usage
 * ```ts
 * import { Pool, reportProgress } from "@x/pool";
 *
 * const pool = new Pool(1);
 * const seen: number[] = [];
 * const total = await pool.apply(
 *   (n: number) => {
 *     let sum = 0;
 *     for (let i = 1; i <= n; i++) {
 *       sum += i;
 *       reportProgress(i / n); // bound in the worker by name
 *     }
 *     return sum;
 *   },
 *   [4],
 *   { onProgress: (fraction) => seen.push(fraction as number) },
 * );
 * console.log(total, seen); // 10 [ 0.25, 0.5, 0.75, 1 ]
 * reportProgress("ignored"); // outside a task: does nothing
 * await pool.terminate();
 * ```
 */
export function reportProgress(value: unknown): void {
  const reporter =
    (globalThis as Record<symbol, ProgressReporter | undefined>)[KEY];
  if (reporter !== undefined) reporter.report(value);
}

/**
 * The identifier code around this module calls {@linkcode reportProgress}
 * by, when a bundler or minifier renamed it (`undefined` when it is still
 * `reportProgress`): sent with functions sent as source, so the worker binds
 * that name too (as `currentProcessAlias` does for `currentProcess`).
 */
export const reportProgressAlias: string | undefined = (() => {
  const declared = /^function\s*([A-Za-z_$][\w$]*)\s*\(/.exec(
    Function.prototype.toString.call(reportProgress),
  )?.[1] ?? reportProgress.name;
  return /^[A-Za-z_$][\w$]*$/.test(declared) && declared !== "reportProgress"
    ? declared
    : undefined;
})();

/**
 * Makes `reporter` the one {@linkcode reportProgress} reaches: a worker
 * loop calls it each time it resumes running tasks (several loops may
 * share one thread in tests); `undefined` removes it.
 */
export function enterReporter(reporter: ProgressReporter | undefined): void {
  (globalThis as Record<symbol, ProgressReporter | undefined>)[KEY] = reporter;
}

/** The reporter {@linkcode reportProgress} reaches now, if any. */
export function currentReporter(): ProgressReporter | undefined {
  return (globalThis as Record<symbol, ProgressReporter | undefined>)[KEY];
}
