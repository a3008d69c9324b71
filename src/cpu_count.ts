/**
 * {@linkcode cpuCount}: Python's `os.cpu_count()` for the pool's default
 * size.
 *
 * @module
 */

import { cpus } from "./adapters/_env.ts";

/**
 * The number of CPUs: `navigator.hardwareConcurrency`, else
 * `os.availableParallelism()` (Node 20), else 4. The default number of
 * workers of a {@linkcode Pool}.
 *
 * @returns A positive integer.
 *
 * @example Usage
 * ```ts
 * import { cpuCount } from "@x/pool";
 *
 * console.log(cpuCount() >= 1); // true
 * ```
 */
export function cpuCount(): number {
  return cpus();
}
