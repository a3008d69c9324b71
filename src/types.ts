// This module is browser compatible.
/**
 * Option and handle types of the public API.
 *
 * @module
 */

import type {
  ResourceLimits,
  TransferListItem,
  WorkerAdapter,
} from "./core/adapter.ts";
import type { ModuleTask } from "./module_task.ts";

export type { TransferListItem };

/** Any function: the constraint on task function types. */
// deno-lint-ignore no-explicit-any
export type AnyFunction = (...args: any[]) => any;

/**
 * The parameters of a function but the last: the positional `args` when the
 * last parameter takes the keyword arguments (`kwds`).
 *
 * @typeParam P A parameter list.
 */
export type LeadingArgs<P extends unknown[]> = Required<P> extends
  [...infer H, unknown] ? H
  : unknown[];

/**
 * The last parameter of a function: the type of `kwds`.
 *
 * @typeParam P A parameter list.
 */
export type KeywordArgs<P extends unknown[]> = Required<P> extends
  [...unknown[], infer L] ? L
  : unknown;

/**
 * Something that can run as a task: a self-contained function (sent to the
 * worker as source) or a {@linkcode ModuleTask} handle.
 *
 * @typeParam F The function's type.
 */
export type Task<F extends AnyFunction> = F | ModuleTask<F>;

/**
 * Which adapter starts workers: `"web"` (the global `Worker`: Deno,
 * browsers, Bun), `"bun"` (Bun's `Worker` with its extras), `"node"`
 * (`node:worker_threads`: Node, also Bun and Deno).
 */
export type Context = "web" | "bun" | "node";

/** Options of `new Pool(options)`. */
export interface PoolOptions {
  /**
   * Number of workers, at most `Pool.MAX_PROCESSES` (1024).
   *
   * @default {Math.min(cpuCount(), Pool.MAX_PROCESSES)}
   */
  processes?: number;
  /**
   * Runs as `initializer(...initargs)` once in every worker before its first
   * task, replacement workers included. May be async. If it throws, pending
   * and later tasks reject with an error naming the failure.
   */
  initializer?: Task<AnyFunction>;
  /**
   * Arguments for `initializer`.
   *
   * @default {[]}
   */
  initargs?: unknown[];
  /**
   * Retire and replace a worker after this many tasks (a chunk counts as one
   * task, as in Python).
   *
   * @default {undefined} (workers live as long as the pool)
   */
  maxtasksperchild?: number;
  /** Alias of {@linkcode PoolOptions.maxtasksperchild}. */
  maxTasksPerChild?: number;
  /**
   * The adapter that starts workers: a built-in one by name, or an object
   * implementing {@linkcode WorkerAdapter} (workers anywhere a message can
   * reach; they run `workerEntry`).
   *
   * @default {"node" on Node and Deno, "bun" on Bun, "web" in browsers}
   */
  context?: Context | WorkerAdapter;
  /**
   * Limits of each worker's heap and stack, in MB, under Node's names
   * (`maxOldGenerationSizeMb` at least 16, `maxYoungGenerationSizeMb`,
   * `stackSizeMb` at least 0.5). A task that exhausts its worker's heap
   * rejects with `WorkerLostError` ("...out of memory"), the worker is
   * replaced and the pool goes on.
   *
   * Applied by the `"node"` context on Node (all three) and on Deno (the
   * two heap limits; Deno does not apply `stackSizeMb`). A context that
   * cannot apply a limit given here throws an `Error` at construction: Bun
   * (JavaScriptCore has no per-worker heap or stack size limit), `"web"`,
   * and a custom adapter without {@linkcode WorkerAdapter.resourceLimits}.
   *
   * @default {undefined} (the runtime's defaults)
   */
  resourceLimits?: ResourceLimits;
  /**
   * The default `timeout` (in **seconds**) of every call: for `apply` a
   * task's time limit from when it starts, for the map family and `imap` the
   * whole call's, counted from the call: it includes time in the queue and
   * waiting for workers to start (a new pool starts them on its first call,
   * ~170 ms per worker on Node), so leave room for that. A call's own
   * `timeout` overrides it (`Infinity`: none).
   *
   * @default {undefined} (no limit)
   */
  taskTimeout?: number;
}

/** Options of `apply` and `apply_async`. */
export interface ApplyOptions<R = unknown, K = unknown> {
  /** Keyword arguments: passed to the function as one extra trailing argument. */
  kwds?: K;
  /** Runs with the result on the calling side, before the result settles. */
  callback?: (result: R) => void;
  /** Runs with the error on the calling side, before the result settles. */
  error_callback?: (error: unknown) => void;
  /** Alias of {@linkcode ApplyOptions.error_callback}. */
  errorCallback?: (error: unknown) => void;
  /**
   * Stops the call when aborted: its result rejects with the signal's
   * `reason` (an `AbortError` `DOMException` by default), its unstarted
   * tasks are dropped and its running ones stopped by replacing their
   * workers. An already-aborted signal rejects at once. No effect once the
   * call has finished.
   *
   * On Deno a task stuck in a sync busy loop (`for (;;) {}`) is not
   * stopped: the call rejects and a new worker takes over, but the old
   * thread keeps spinning until the process exits (README "Stopping
   * work"); make such tasks await now and then, or run them on Node or Bun.
   */
  signal?: AbortSignal;
  /**
   * The task's time limit in **seconds**, from when it starts running (not
   * while it waits in the queue): on expiry its result rejects with
   * `TimeoutError` and the task is stopped (its worker is replaced; on
   * Deno a sync busy loop keeps its thread spinning: see `signal`).
   * `Infinity`: no limit.
   *
   * @default {the pool's `taskTimeout`}
   */
  timeout?: number;
  /**
   * `ArrayBuffer`s (or other transferables) inside `args` to move to the
   * worker instead of copying. The caller's buffers are detached. List a
   * typed array's `.buffer`, not the typed array: `TypeError` otherwise.
   * The task then runs only on the worker it is sent to, so it is sent
   * only to a worker with nothing in flight (it waits in the pool's queue
   * meanwhile, never in a worker behind another task) and never taken back;
   * if that worker ends before the task ran or answered, the task rejects
   * with `WorkerLostError` (its buffers were lost with it) instead of
   * running again elsewhere.
   */
  transfer?: TransferListItem[];
  /**
   * Gets each value the task reports with `reportProgress(value)`, on the
   * calling side, in order, before the result settles. Values arrive in
   * batches (at most one message per worker every few milliseconds); none
   * is dropped. If it throws, or returns a promise that rejects before the
   * task's result arrives, the task fails with that error (the result
   * rejects with it once the task has finished) and gets no more values; a
   * rejection after that is ignored (never an unhandled rejection).
   * Without it, `reportProgress` in the task does nothing.
   */
  onProgress?(value: unknown): void;
}

/** Options of `map`, `map_async`, `starmap` and `starmap_async`. */
export interface MapOptions<R = unknown> {
  /**
   * Items per task sent to a worker.
   *
   * @default {ceil(length / (processes * 4))}, as in Python
   */
  chunksize?: number;
  /** Runs with the whole result list on the calling side, before the result settles. */
  callback?: (result: R[]) => void;
  /** Runs once with the first error on the calling side, before the result settles. */
  error_callback?: (error: unknown) => void;
  /** Alias of {@linkcode MapOptions.error_callback}. */
  errorCallback?: (error: unknown) => void;
  /**
   * Gets each value the tasks (chunks) of the call report with `reportProgress(value)`, on the
   * calling side, in order, before the result settles. Values arrive in
   * batches (at most one message per worker every few milliseconds); none
   * is dropped. If it throws, or returns a promise that rejects before the
   * chunk's result arrives, that chunk fails with the error (the call
   * rejects with it once its chunks have finished) and gets no more values;
   * a later rejection is ignored.
   * Without it, `reportProgress` in the task does nothing.
   */
  onProgress?(value: unknown): void;
  /**
   * Stops the call when aborted: its result rejects with the signal's
   * `reason` (an `AbortError` `DOMException` by default), its unstarted
   * tasks are dropped and its running ones stopped by replacing their
   * workers. An already-aborted signal rejects at once. No effect once the
   * call has finished.
   *
   * On Deno a task stuck in a sync busy loop (`for (;;) {}`) is not
   * stopped: the call rejects and a new worker takes over, but the old
   * thread keeps spinning until the process exits (README "Stopping
   * work"); make such tasks await now and then, or run them on Node or Bun.
   */
  signal?: AbortSignal;
  /**
   * The whole call's time limit in **seconds**, from the call (as
   * `concurrent.futures.Executor.map`): on expiry the result rejects with
   * `TimeoutError` and its unfinished tasks are stopped (on Deno a sync
   * busy loop keeps its thread spinning: see `signal`). The time includes
   * waiting for workers to start (a new pool's first call waits for them:
   * ~170 ms per worker on Node). `Infinity`: no limit.
   *
   * @default {the pool's `taskTimeout`}
   */
  timeout?: number;
}

/** Options of `imap` and `imap_unordered`. */
export interface ImapOptions {
  /**
   * Items per task sent to a worker.
   *
   * @default {1}
   */
  chunksize?: number;
  /**
   * At most this many chunks are submitted and not yet consumed; the input
   * is read lazily to keep within it (CPython 3.16's `buffersize`, in development: gh-64192).
   *
   * @default {processes * 4}
   */
  buffersize?: number;
  /**
   * Gets each value the tasks (chunks) of the call report with `reportProgress(value)`, on the
   * calling side, in order per chunk, before the chunk's results. Values arrive in
   * batches (at most one message per worker every few milliseconds); none
   * is dropped. If it throws, or returns a promise that rejects before the
   * chunk's results arrive, that chunk's items reject with the error (once
   * the chunk has finished) and it gets no more values; a later rejection
   * is ignored.
   * Without it, `reportProgress` in the task does nothing.
   */
  onProgress?(value: unknown): void;
  /**
   * Stops the call when aborted: the iterator's next `next()` rejects with
   * the signal's `reason`, the input is read no further (its `return()`
   * runs), and the call's unstarted tasks are dropped and running ones
   * stopped by replacing their workers. No effect once every result has
   * arrived.
   *
   * On Deno a task stuck in a sync busy loop (`for (;;) {}`) is not
   * stopped: the call rejects and a new worker takes over, but the old
   * thread keeps spinning until the process exits (README "Stopping
   * work"); make such tasks await now and then, or run them on Node or Bun.
   */
  signal?: AbortSignal;
  /**
   * The whole call's time limit in **seconds**, from the call (as
   * `concurrent.futures.Executor.map`): on expiry the result rejects with
   * `TimeoutError` and its unfinished tasks are stopped (on Deno a sync
   * busy loop keeps its thread spinning: see `signal`). The time includes
   * waiting for workers to start (a new pool's first call waits for them:
   * ~170 ms per worker on Node). `Infinity`: no limit.
   *
   * @default {the pool's `taskTimeout`}
   */
  timeout?: number;
}

/** Who is running: `currentProcess()` in a worker or on the main side. */
export interface ProcessInfo {
  /** `"PoolWorker-N"` in a worker, `"MainProcess"` on the main side. */
  readonly name: string;
  /** The worker's number (1, 2, ...); `0` on the main side. */
  readonly id: number;
}
