// This module is browser compatible.
/**
 * The seam between the runtime-agnostic core and the runtimes. The core
 * knows a worker only through {@linkcode WorkerAdapter} and
 * {@linkcode WorkerHandle}; every adapter (`web`, `bun`, `node`) implements
 * them in its own small file.
 *
 * @module
 */

/** Why a worker ended, normalised across runtimes. */
export interface WorkerExit {
  /** Exit code where the runtime reports one (Node `exit`, Bun `close`). */
  readonly code?: number;
  /** The error that ended the worker, where the runtime reports one. */
  readonly error?: unknown;
}

/** What a worker tells the core; the adapter calls these. */
export interface WorkerEvents {
  /** A message posted by the worker entry. */
  message(data: unknown): void;
  /**
   * The worker is gone. Called at most once per worker, for any reason:
   * exit, crash, fatal error event. Not called after `terminate()`.
   */
  exit(info: WorkerExit): void;
  /**
   * Optional for an adapter to call: a message from the worker could not be
   * read on this thread (the runtime's `messageerror` event: Node and Deno
   * cannot copy back a value nested a few thousand levels deep). With
   * `goesOn` (the channel delivers later messages: measured on Node and
   * Bun) the worker goes on and the pool finds which of its tasks the
   * message held; without it (Deno delivers nothing more), the pool stops
   * and replaces the worker and blames its tasks as on a death, with
   * `error` as the cause.
   */
  messageError?(error: unknown, goesOn?: boolean): void;
}

/**
 * An object `postMessage` can move to a worker instead of copying: an
 * `ArrayBuffer` above all; also a `MessagePort`, a stream or an
 * `ImageBitmap` where the runtime has them. Our own name for the DOM's
 * `Transferable` (Node's `TransferListItem`), so that the published types
 * compile without the DOM lib; the runtime checks each entry when it posts.
 *
 * @example Usage
 * ```ts
 * import { Pool, type TransferListItem } from "@x/pool";
 *
 * const pool = new Pool(1);
 * const bytes = new Uint8Array(1 << 20);
 * const moved: TransferListItem[] = [bytes.buffer]; // the buffer, not the view
 * await pool.apply((b: Uint8Array) => b.length, [bytes], { transfer: moved });
 * await pool.terminate();
 * ```
 */
export type TransferListItem = ArrayBuffer | object;

/**
 * One running worker (or remote slot), wrapped by its adapter. Never a
 * foreign worker object.
 *
 * @example A handle over a `MessagePort`
 * ```ts
 * import type { WorkerHandle } from "@x/pool";
 *
 * const { port1 } = new MessageChannel();
 * const handle: WorkerHandle = {
 *   post: (data, transfer) => port1.postMessage(data, transfer ?? []),
 *   terminate: () => Promise.resolve(port1.close()),
 * };
 * await handle.terminate();
 * ```
 */
export interface WorkerHandle {
  /**
   * Posts a message to the worker entry; throws synchronously when a value
   * cannot be carried (a `DataCloneError`), so that the pool can reject just
   * the task whose arguments failed.
   */
  post(data: unknown, transfer?: TransferListItem[]): void;
  /**
   * Stops the worker now, even in a busy loop where the transport allows
   * it. After it is called, `events.exit` must not be called. A throw or a
   * rejection is ignored (the worker counts as stopped); the pool's
   * `terminate()` and `join()` wait for it 5 seconds at most, then resolve
   * anyway (a handle whose `terminate()` never settles does not hang them).
   */
  terminate(): Promise<void>;
  /**
   * Optional, for a worker without shared memory that may run several of
   * its tasks at once (a cluster slot, with {@linkcode WorkerAdapter.unordered}):
   * stops just the tasks numbered `seqs` (the `seq` of their `tasks`
   * entries), whose calls were aborted or ran out of time and are already
   * settled; the worker and its other tasks run on. A result that still
   * comes for one of them must not be posted. Without it, the pool stops
   * such a task by replacing the whole worker (its other unanswered tasks
   * run again elsewhere). Must not throw.
   */
  cancel?(seqs: readonly number[]): void;
  /** Keeps the process alive while this worker has work (where supported). */
  ref?(): void;
  /** Lets the process exit while this worker is idle (where supported). */
  unref?(): void;
}

/**
 * Limits of one worker's JavaScript engine, in megabytes, under Node's
 * names (`node:worker_threads` `resourceLimits`). A worker that exhausts its
 * heap dies alone; the pool rejects its task with `WorkerLostError`.
 *
 * @example Usage
 * ```ts
 * import type { ResourceLimits } from "@x/pool";
 *
 * const limits: ResourceLimits = { maxOldGenerationSizeMb: 256 };
 * console.log(limits.maxOldGenerationSizeMb); // 256
 * ```
 */
export interface ResourceLimits {
  /** Main heap (V8's old generation), MB; at least 16. */
  readonly maxOldGenerationSizeMb?: number;
  /** Heap space for new objects (V8's young generation), MB. */
  readonly maxYoungGenerationSizeMb?: number;
  /** The thread's stack, MB; at least 0.5. Node's default is 4. */
  readonly stackSizeMb?: number;
}

/** The name of one field of {@linkcode ResourceLimits}. */
export type ResourceLimitName = keyof ResourceLimits;

/** What the pool tells an adapter about the worker to start. */
export interface SpawnOptions {
  /** Worker name, such as `"PoolWorker-3"`. */
  readonly name: string;
  /** Worker number: 1, 2, ...; a replacement gets a new number. */
  readonly id: number;
  /**
   * The pool's `resourceLimits`, checked and frozen; only given when the
   * pool has some, and only to an adapter whose
   * {@linkcode WorkerAdapter.resourceLimits} names every field set. The
   * adapter must apply them to the worker it starts.
   */
  readonly resourceLimits?: ResourceLimits;
  /**
   * The pool's `maxtasksperchild`, only when it has one. The pool replaces
   * each worker after that many tasks itself; a transport whose slots are
   * not the processes that run the tasks (a cluster, whose hosts run them
   * in threads of their own) applies it to those.
   */
  readonly maxTasks?: number;
}

/**
 * A way of starting workers: the pool's one seam to any transport. The
 * built-in `"web"`, `"bun"` and `"node"` contexts are adapters; pass your
 * own as `context` to run workers anywhere a message can reach (another
 * thread, a process, a socket, a queue).
 *
 * The worker side must run the module {@linkcode workerEntry}, or call
 * `serveWorker` from `@x/pool/worker` with a channel of its own.
 *
 * Contract:
 * - `spawn` starts one worker and returns at once; messages posted before
 *   the worker is up are delivered in order once it is. One that throws
 *   is a start failure (see {@linkcode WorkerAdapter.spawn}).
 * - Messages arrive in the order posted, each exactly once, both ways. A
 *   transport that redelivers (at-least-once) drops duplicates itself.
 * - `events.exit` is called once when the worker is gone for any reason
 *   other than `terminate()`; the pool then blames the task that worker was
 *   running (and only it) with a `WorkerLostError`.
 * - `sharedMemory: true` promises that a `SharedArrayBuffer` posted to the
 *   worker is shared, not copied; the pool then lets workers claim tasks
 *   through a shared counter, so that it can take back tasks a busy worker
 *   has not started (work stealing). With `false` the pool never posts one:
 *   each worker reports every result before it starts its next task, and no
 *   task is taken back.
 *
 * @example An adapter that starts module workers in this process
 * ```ts
 * import { Pool, type WorkerAdapter, workerEntry } from "@x/pool";
 *
 * const threads: WorkerAdapter = {
 *   name: "my-threads",
 *   sharedMemory: false,
 *   spawn(options, events) {
 *     const worker = new Worker(workerEntry, { type: "module", name: options.name });
 *     worker.onmessage = (event) => events.message(event.data);
 *     worker.onerror = (event) => {
 *       event.preventDefault();
 *       events.exit({ error: event.error ?? new Error(event.message) });
 *     };
 *     return {
 *       post: (data, transfer) => worker.postMessage(data, transfer ?? []),
 *       terminate: () => Promise.resolve(worker.terminate()),
 *     };
 *   },
 * };
 *
 * await using pool = new Pool({ processes: 2, context: threads });
 * console.log(await pool.map((x: number) => x * 2, [1, 2, 3])); // [2, 4, 6]
 * ```
 */
export interface WorkerAdapter {
  /** A name for messages and `pool.toString()`, e.g. `"node"`. */
  readonly name: string;
  /** Whether a `SharedArrayBuffer` posted to a worker is shared with it. */
  readonly sharedMemory: boolean;
  /**
   * Which {@linkcode ResourceLimits} the adapter applies to its workers
   * (from {@linkcode SpawnOptions.resourceLimits}): `true` for all, a list
   * for some, absent or `false` for none. A pool given `resourceLimits`
   * this adapter cannot apply refuses to start, naming the fields.
   */
  readonly resourceLimits?: boolean | readonly ResourceLimitName[];
  /**
   * How many workers a pool on this context starts when its own
   * `processes` option is absent: a positive integer, at most
   * `Pool.MAX_PROCESSES`. A context that is not this machine's threads (a
   * cluster of hosts) knows its capacity better than `cpuCount()`, the
   * default when this is absent too.
   */
  readonly processes?: number;
  /**
   * Tasks the pool keeps handed to each worker at the least (default 1:
   * slow tasks go one at a time, tiny ones many at a time anyway). A
   * transport whose workers are slots over a queue shared by many runners
   * (a cluster's work-queue stream) sets 2, so that when a task ends the
   * next one already waits in the queue, not a round trip to the pool away.
   */
  readonly prefetch?: number;
  /**
   * Whether a worker may answer its tasks in another order than it was
   * sent them (default `false`: a worker answers in send order, and a
   * result out of that order is a protocol error). A transport whose
   * workers are slots over a queue shared by many runners (a cluster's
   * work-queue stream) sets `true`, so that the result of a short task is
   * not held back behind a slow one sent before it to the same slot. Each
   * task is still answered exactly once; `map` and `imap` results keep
   * their order (the pool orders them, not the worker).
   */
  readonly unordered?: boolean;
  /**
   * Starts one worker; `events` is how it reports messages and its end.
   * Returns its handle at once, or throws when it cannot start one.
   *
   * A worker that does not start (this throws, or the worker ends before
   * it is ready) is a start failure. At `new Pool` (the first `processes`
   * workers) one breaks the pool at once. For a replacement (a worker that
   * ended, or did its `maxtasksperchild`) it may be transient (too many
   * threads, `EAGAIN`): the pool calls `spawn` again after 10 ms, then 20,
   * 40, … doubling, up to 8 times in a row (about 2.5 s; a worker's
   * `ready` ends the row), its work queued meanwhile and the live workers
   * going on with it. A failure that persists breaks the pool: every
   * pending and later task rejects with an error that names the cause (as
   * its `cause`), says the pool is broken, and names the fix.
   */
  spawn(options: SpawnOptions, events: WorkerEvents): WorkerHandle;
}
