// This module is browser compatible.
/**
 * The messages of the wire protocol and their constants (task modes and
 * flags, result statuses, note kinds): what travels between the pool and a
 * worker. `_wire.ts`, the codec, re-exports every name here and holds the
 * functions that read and write the flat arrays.
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
    /**
     * Another name the function calls `reportProgress` by: the one a
     * minifier gave it on the calling side (see `reportProgressAlias`).
     */
    readonly progress?: string;
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

/**
 * The bits of a task's mode field that hold its {@linkcode TaskMode}; the
 * bits above are flags (`TASK_*`). The field on the wire is
 * `mode | flags`; read it with `taskMode` and `taskFlags`
 * (`_wire.ts`).
 */
export const MODE_MASK = 3;
/**
 * Task flag: the caller listens to `reportProgress` of this task: the
 * worker sends its values as `progress` notes (else it drops them).
 */
export const TASK_PROGRESS = 4;
/**
 * Task flag: the pool wants to know when this task starts (its time limit
 * runs from then): the worker sends a `started` note at once.
 */
export const TASK_STARTED = 8;
/**
 * Task flag: the task moved objects to its worker (a transfer list), so
 * that it cannot be sent again: the gate never revokes it. A worker that
 * meets it among revoked ordinals runs it all the same, and marks it
 * started in the gate's {@linkcode CONTROL_KEPT} cell.
 */
export const TASK_TRANSFER = 16;

/** Result status: `payload` is the value (for a chunk, the list of values). */
export const STATUS_OK = 0;
/** Result status: `payload` is an {@linkcode ErrorRecord}. */
export const STATUS_ERROR = 1;
/** Result status: a chunk with failures; `payload` is a {@linkcode ChunkFailure}. */
export const STATUS_PARTIAL = 2;
/**
 * Result status: the transport lost the task (a transport that redelivers
 * gave up after its last delivery); `payload` is a {@linkcode LostRecord}.
 * The pool rejects the task with a `WorkerLostError`. Workers never send it.
 */
export const STATUS_LOST = 3;

/** Why a transport gave up on a task (see {@linkcode STATUS_LOST}). */
export interface LostRecord {
  /** What happened, e.g. `"delivered 5 times, never answered"`. */
  message: string;
  /** The worker (or host) that had it last, when known. */
  workerName?: string;
}

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
   * The work-stealing gate, two shared cells (absent where
   * SharedArrayBuffer is unavailable). The first holds the ordinal of the
   * next task the worker may start (tasks are numbered 0, 1, ... in the
   * order the worker receives them); the worker claims ordinal `o` by
   * compare-exchanging `o` to `o + 1`. The pool revokes every unstarted task
   * sent so far (`sent` of them) by compare-exchanging the gate to
   * `-(sent + 1)`; the worker then skips ordinals below `sent`, except a
   * task flagged {@linkcode TASK_TRANSFER}, never revoked, which it runs,
   * noting it in a second cell ({@linkcode CONTROL_KEPT}). Claims and
   * revocations are atomic, so no task runs twice, and when a worker dies
   * the gate tells which tasks it had started. Without it, the worker
   * flushes every result before starting the next task.
   */
  control?: Int32Array;
}

/** Index of the work-stealing gate in {@linkcode InitMessage.control}. */
export const CONTROL_GATE = 0;
/**
 * Index of the gate's second cell in {@linkcode InitMessage.control}: while
 * the gate is revoked, the first ordinal the worker has not started (the
 * pool sets it when it revokes; the worker moves it past each
 * {@linkcode TASK_TRANSFER} task it runs below the revoked ordinals).
 */
export const CONTROL_KEPT = 1;

/** main → worker: register task functions before tasks that use them. */
export interface DefineMessage {
  type: "define";
  /** Flat `[fid, spec, fid, spec, ...]`. */
  defs: unknown[];
}

/**
 * main → worker: drop these task functions (the pool's registry evicted
 * them; no task of theirs is queued or running). A later task may reuse the
 * id with another `define` first.
 */
export interface ForgetMessage {
  type: "forget";
  /** Function ids. */
  fids: number[];
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
  /**
   * How many tasks the worker had started (the next ordinal): tells the
   * pool which task it was running when there is no shared gate.
   */
  started?: number;
  /**
   * `true` when the worker refused a message of the pool (a `WireError`
   * of the protocol): a slip the pool fails on loudly. Absent when what
   * killed it is the user's code, whatever its error is named. Written
   * and read through `fatalMessage`/`fatalProtocol` of `_wire.ts`.
   */
  protocol?: true;
  /**
   * A message of the pool could not be read in the worker (its
   * `messageerror`): the ordinal of its first task, which the pool rejects
   * instead of sending again.
   */
  lost?: number;
}

/** Every message the main side sends. */
export type MainMessage =
  | InitMessage
  | DefineMessage
  | ForgetMessage
  | TasksMessage
  | SyncMessage;

/**
 * main → worker: a message from it could not be read here; it answers with
 * {@linkcode SyncedMessage} once what it finished is sent.
 */
export interface SyncMessage {
  type: "sync";
}

/** worker → main: the answer to {@linkcode SyncMessage}. */
export interface SyncedMessage {
  type: "synced";
  /** The last task whose result it sent (-1: none yet). */
  seq: number;
}
/** Note kind: the task started (only for tasks flagged `TASK_STARTED`). */
export const NOTE_STARTED = 0;
/** Note kind: a `reportProgress(value)` (only for tasks flagged `TASK_PROGRESS`). */
export const NOTE_PROGRESS = 1;

/**
 * worker → main: notes about running tasks, in the order they happened:
 * flat `[seq, kind, value, ...]` (`NOTE_*`; `value` is the progress value,
 * `undefined` for `started`). A worker posts every note of a task before
 * that task's result; `started` notes at once, progress notes batched
 * (a task calling `reportProgress` in a tight loop must not flood the
 * main thread) but never dropped.
 */
export interface NotesMessage {
  type: "notes";
  /** Flat `[seq, kind, value, ...]`. */
  notes: unknown[];
}

/** Every message a worker sends. */
export type WorkerMessage =
  | ReadyMessage
  | InitErrorMessage
  | ResultsMessage
  | NotesMessage
  | FatalMessage
  | SyncedMessage;
