// This module is browser compatible.
/**
 * The wire protocol between the pool (main side) and the worker entry.
 * Defined once, imported by both sides. Hot messages carry flat arrays
 * rather than arrays of objects: they clone faster.
 *
 * @module
 */

/** How a worker gets a task function: by source text or by module import. */
export type FnSpec =
  | {
    readonly kind: "source";
    readonly source: string;
    /**
     * Another name the function calls `currentProcess` by: the one a
     * minifier gave it on the calling side (see `currentProcessAlias`).
     */
    readonly bind?: string;
  }
  | { readonly kind: "module"; readonly url: string; readonly name: string };

/** How a task's payload is applied to its function. */
export type TaskMode =
  /** `payload` is the argument list: `fn(...payload)`. */
  | 0
  /** `payload` is a chunk of items: `payload.map((x) => fn(x))`. */
  | 1
  /** `payload` is a chunk of argument lists: `payload.map((a) => fn(...a))`. */
  | 2
  /** `payload` is the only argument: `fn(payload)` (no array to clone). */
  | 3;

/** Task mode: call the function with an argument list. */
export const MODE_CALL: TaskMode = 0;
/** Task mode: map the function over a chunk of items. */
export const MODE_MAP: TaskMode = 1;
/** Task mode: star-map the function over a chunk of argument lists. */
export const MODE_STARMAP: TaskMode = 2;
/** Task mode: call the function with one argument, sent bare. */
export const MODE_CALL1: TaskMode = 3;

/** Result status: `payload` is the value (for a chunk, the list of values). */
export const STATUS_OK = 0;
/** Result status: `payload` is an {@linkcode ErrorRecord}. */
export const STATUS_ERROR = 1;
/** Result status: a chunk with failures; `payload` is a {@linkcode ChunkFailure}. */
export const STATUS_PARTIAL = 2;

/** Anything thrown, turned into plain cloneable data. */
export interface ErrorRecord {
  /** The error's `name`, e.g. `"TypeError"`. */
  name: string;
  /** The error's message (or the thrown value as text). */
  message: string;
  /** The worker-side stack, when there is one. */
  stack?: string;
  /** The constructor name, e.g. `"MyError"`. */
  ctor?: string;
  /** The error's cause, when it was itself an error. */
  causeRecord?: ErrorRecord;
  /** The error's cause, when it was another value (cloned, or as text). */
  causeValue?: unknown;
  /** Whether the error had a cause at all. */
  hasCause?: boolean;
  /** An AggregateError's `errors`, as records. */
  errors?: ErrorRecord[];
  /** JSON-safe own enumerable properties (`code`, `errno`, ...). */
  props?: Record<string, unknown>;
  /** Set when a non-Error value was thrown: the value, if it clones. */
  thrown?: unknown;
  /** True when a non-Error value was thrown. */
  nonError?: boolean;
}

/** Per-item failures inside a chunk. */
export interface ChunkFailure {
  /** Values by position; failed positions hold `undefined`. */
  values: unknown[];
  /** `[positionInChunk, record]` pairs. */
  errors: [number, ErrorRecord][];
}

/** main → worker: once, first. */
export interface InitMessage {
  type: "init";
  /** Worker number (1, 2, ...); replacements get new numbers. */
  id: number;
  /** Worker name, like `"PoolWorker-3"`. */
  name: string;
  /** The initializer, if any. */
  initializer?: FnSpec;
  /** Arguments for the initializer. */
  initargs: unknown[];
  /**
   * The work-stealing gate, a one-cell shared counter (absent where
   * SharedArrayBuffer is unavailable). It holds the ordinal of the next task
   * the worker may start (tasks are numbered 0, 1, ... in the order the
   * worker receives them); the worker claims ordinal `o` by
   * compare-exchanging `o` to `o + 1`. The pool revokes every unstarted task
   * sent so far (`sent` of them) by compare-exchanging the gate to
   * `-(sent + 1)`; the worker then skips ordinals below `sent`. Claims and
   * revocations are atomic, so no task runs twice, and when a worker dies
   * the gate tells which tasks it had started. Without it, the worker
   * flushes every result before starting the next task.
   */
  control?: Int32Array;
}

/** Index of the work-stealing gate in {@linkcode InitMessage.control}. */
export const CONTROL_GATE = 0;

/** main → worker: register task functions before tasks that use them. */
export interface DefineMessage {
  type: "define";
  /** Flat `[fid, spec, fid, spec, ...]`. */
  defs: unknown[];
}

/** main → worker: a batch of tasks. */
export interface TasksMessage {
  type: "tasks";
  /** Flat `[seq, fid, mode, payload, seq, fid, mode, payload, ...]`. */
  tasks: unknown[];
}

/** worker → main: init and initializer done; tasks will now run. */
export interface ReadyMessage {
  type: "ready";
}

/** worker → main: the initializer threw; the worker will not run tasks. */
export interface InitErrorMessage {
  type: "initError";
  /** What the initializer threw. */
  error: ErrorRecord;
}

/** worker → main: a batch of results. */
export interface ResultsMessage {
  type: "results";
  /** Flat `[seq, status, payload, seq, status, payload, ...]`. */
  results: unknown[];
  /** Milliseconds the worker spent running these tasks (not idle time). */
  busy?: number;
}

/**
 * worker → main: the worker is about to die (uncaught error, unhandled
 * rejection, or the task called an exit function). The pool treats the
 * worker as dead on receipt.
 */
export interface FatalMessage {
  type: "fatal";
  /** What killed it; absent for a plain exit. */
  error?: ErrorRecord;
  /** Exit code, for a plain exit. */
  code?: number;
}

/** Every message the main side sends. */
export type MainMessage = InitMessage | DefineMessage | TasksMessage;
/** Every message a worker sends. */
export type WorkerMessage =
  | ReadyMessage
  | InitErrorMessage
  | ResultsMessage
  | FatalMessage;
