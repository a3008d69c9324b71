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
 * console.log(currentProcess().name); // "MainProcess"
 * ```
 */
export function currentProcess(): ProcessInfo {
  return (globalThis as Record<symbol, ProcessInfo | undefined>)[KEY] ?? MAIN;
}

/** Sets what {@linkcode currentProcess} returns (worker entry only). */
export function setCurrentProcess(info: ProcessInfo): void {
  (globalThis as Record<symbol, ProcessInfo | undefined>)[KEY] = Object.freeze(
    { ...info },
  );
}
