// This module is browser compatible.
/**
 * {@linkcode currentProcess}: who is running the code, Python's
 * `multiprocessing.current_process()`.
 *
 * @module
 */

import type { ProcessInfo } from "./types.ts";

const KEY = Symbol.for("@x/pool.currentProcess");
const MAIN: ProcessInfo = Object.freeze({ name: "MainProcess", id: 0 });

/**
 * Returns `{ name, id }` of the worker running the current task (`name`
 * like `"PoolWorker-3"`, as Python's `current_process().name`), or
 * `{ name: "MainProcess", id: 0 }` outside a worker. Functions sent by
 * source can call `currentProcess()` by name: the worker binds it for them.
 *
 * @returns The running worker's name and number.
 *
 * @example Usage
 * ```ts
 * import { currentProcess } from "@x/pool";
 *
 * console.log(currentProcess().name); // MainProcess
 * ```
 */
export function currentProcess(): ProcessInfo {
  return (globalThis as Record<symbol, ProcessInfo | undefined>)[KEY] ?? MAIN;
}

/**
 * The identifier code around this module calls {@linkcode currentProcess}
 * by, when a bundler or minifier renamed it (`undefined` when it is still
 * `currentProcess`). A minifier renames the declaration and every use
 * alike, so a task function sent as source says `Te()` where the source said
 * `currentProcess()`; the pool sends this name with such functions and the
 * worker binds it too. Read from the declaration's own source text, which
 * `keepNames` (`Object.defineProperty(Te, "name", ...)`) does not change.
 */
export const currentProcessAlias: string | undefined = (() => {
  const declared = /^function\s*([A-Za-z_$][\w$]*)\s*\(/.exec(
    Function.prototype.toString.call(currentProcess),
  )?.[1] ?? currentProcess.name;
  return /^[A-Za-z_$][\w$]*$/.test(declared) && declared !== "currentProcess"
    ? declared
    : undefined;
})();

/**
 * Makes `info` (kept as is, so freeze it first) what
 * {@linkcode currentProcess} returns: a worker loop calls it each time it
 * resumes running tasks, as several loops may share one thread (tests).
 */
export function enterProcess(info: ProcessInfo): void {
  (globalThis as Record<symbol, ProcessInfo | undefined>)[KEY] = info;
}
