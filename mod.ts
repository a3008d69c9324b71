/**
 * Python's `multiprocessing.Pool`, in TypeScript, on Deno, Bun, Node and in
 * the browser. Workers are threads (Web Workers or `node:worker_threads`);
 * the API keeps Python's names and behaviour: `apply`, `apply_async`, `map`,
 * `map_async`, `imap`, `imap_unordered`, `starmap`, `starmap_async`,
 * `close`, `terminate`, `join`, with timeouts in seconds. Tasks are
 * self-contained functions sent by source, or {@linkcode moduleTask}
 * handles to exported functions.
 *
 * ```ts
 * import { Pool } from "@x/pool";
 *
 * const pool = new Pool(4);
 * const squares = await pool.map((x: number) => x * x, [1, 2, 3, 4]);
 * console.log(squares); // [1, 4, 9, 16]
 *
 * const result = pool.apply_async((a: number, b: number) => a + b, [1, 2]);
 * console.log(await result.get(10)); // 3
 *
 * for await (const r of pool.imap_unordered((x: number) => x * 2, [1, 2, 3])) {
 *   console.log(r);
 * }
 * pool.close();
 * await pool.join();
 * ```
 *
 * @module
 */

export { Pool } from "./src/pool.ts";
export { AsyncResult } from "./src/async_result.ts";
export { IMapIterator } from "./src/imap_iterator.ts";
export {
  RemoteError,
  TimeoutError,
  WireError,
  WorkerLostError,
} from "./src/core/errors.ts";
export { type ModuleTask, moduleTask } from "./src/module_task.ts";
export { currentProcess } from "./src/current_process.ts";
export { reportProgress } from "./src/progress.ts";
export { cpuCount } from "./src/cpu_count.ts";
export type {
  AnyFunction,
  ApplyOptions,
  Context,
  ImapOptions,
  KeywordArgs,
  LeadingArgs,
  MapOptions,
  PoolOptions,
  ProcessInfo,
  Task,
  TransferListItem,
} from "./src/types.ts";
export type { ResultCallbacks } from "./src/async_result.ts";
export type { PoolStats } from "./src/core/_stats.ts";
export type {
  ResourceLimitName,
  ResourceLimits,
  SpawnOptions,
  WorkerAdapter,
  WorkerEvents,
  WorkerExit,
  WorkerHandle,
} from "./src/core/adapter.ts";
export { workerEntry } from "./src/worker_entry.ts";
