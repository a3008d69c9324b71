// This module is browser compatible.
/**
 * The wire protocol between the pool (main side) and the worker loop, and
 * its codec: the one place that knows the layout of every message. The
 * engine, the worker loop and the tests encode and decode through the
 * functions here, never by hand. Hot messages carry flat arrays rather than
 * arrays of objects: they clone faster (measured, issue 5).
 *
 * @module
 */

import { fromRecord } from "./_error_record.ts";
import { WorkerLostError } from "./errors.ts";

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

/**
 * The bits of a task's mode field that hold its {@linkcode TaskMode}; the
 * bits above are flags (`TASK_*`). The field on the wire is
 * `mode | flags`; read it with {@linkcode taskMode} and
 * {@linkcode taskFlags}.
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

/** The {@linkcode TaskMode} of a mode field. */
export function taskMode(field: number): TaskMode {
  return (field & MODE_MASK) as TaskMode;
}

/** The flags (`TASK_*`) of a mode field. */
export function taskFlags(field: number): number {
  return field & ~MODE_MASK;
}

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
}

/** Every message the main side sends. */
export type MainMessage =
  | InitMessage
  | DefineMessage
  | ForgetMessage
  | TasksMessage;
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

/** Array slots per note in {@linkcode NotesMessage.notes}. */
export const NOTE_STRIDE = 3;

/** Appends one note (`value` is `undefined` for `started`). */
export function putNote(
  out: unknown[],
  seq: number,
  kind: number,
  value: unknown,
): void {
  out.push(seq, kind, value);
}

/** Number of notes in a `notes` message's list. */
export function noteCount(flat: readonly unknown[]): number {
  return flat.length / NOTE_STRIDE;
}

/** Sequence number of the task of note number `k`. */
export function noteSeq(flat: readonly unknown[], k: number): number {
  return flat[k * NOTE_STRIDE] as number;
}

/** Kind (`NOTE_*`) of note number `k`. */
export function noteKind(flat: readonly unknown[], k: number): number {
  return flat[k * NOTE_STRIDE + 1] as number;
}

/** Value of note number `k` (a progress value). */
export function noteValue(flat: readonly unknown[], k: number): unknown {
  return flat[k * NOTE_STRIDE + 2];
}

/** Every message a worker sends. */
export type WorkerMessage =
  | ReadyMessage
  | InitErrorMessage
  | ResultsMessage
  | NotesMessage
  | FatalMessage;

// ---- tasks: flat [seq, fid, mode, payload, ...] ---------------------------

/** Array slots per task in {@linkcode TasksMessage.tasks}. */
export const TASK_STRIDE = 4;

/** Writes task number `k` of a batch into `flat` (packed: write in order). */
export function putTask(
  flat: unknown[],
  k: number,
  seq: number,
  fid: number,
  mode: number,
  payload: unknown,
): void {
  const j = k * TASK_STRIDE;
  flat[j] = seq;
  flat[j + 1] = fid;
  flat[j + 2] = mode;
  flat[j + 3] = payload;
}

/** A one-task batch. */
export function oneTask(
  seq: number,
  fid: number,
  mode: number,
  payload: unknown,
): unknown[] {
  return [seq, fid, mode, payload];
}

/** Number of tasks in a batch. */
export function taskCount(flat: readonly unknown[]): number {
  return flat.length / TASK_STRIDE;
}

/** One task read from a batch by {@linkcode takeTask}. */
export interface TaskView {
  /** The pool's sequence number of the task. */
  seq: number;
  /** Its function id. */
  fid: number;
  /**
   * The mode field: how the payload is applied ({@linkcode taskMode}) and
   * flags ({@linkcode taskFlags}).
   */
  mode: number;
  /** Arguments, item chunk, or the single argument. */
  payload: unknown;
}

/**
 * Reads task number `k` of `flat` into `view`, and clears its payload slot
 * in `flat` (so a long batch does not keep finished arguments alive).
 */
export function takeTask(flat: unknown[], k: number, view: TaskView): void {
  const j = k * TASK_STRIDE;
  view.seq = flat[j] as number;
  view.fid = flat[j + 1] as number;
  view.mode = flat[j + 2] as number;
  view.payload = flat[j + 3];
  flat[j + 3] = undefined;
}

// ---- defines: flat [fid, spec, ...] ---------------------------------------

/** Appends a function definition to a `define` message's list. */
export function putDefine(defs: unknown[], fid: number, spec: FnSpec): void {
  defs.push(fid, spec);
}

/** Calls `visit` for each definition of a `define` message. */
export function readDefines(
  defs: readonly unknown[],
  visit: (fid: number, spec: FnSpec) => void,
): void {
  for (let i = 0; i < defs.length; i += 2) {
    visit(defs[i] as number, defs[i + 1] as FnSpec);
  }
}

// ---- results: flat [seq, status, payload, ...] ----------------------------

/** Array slots per result in {@linkcode ResultsMessage.results}. */
export const RESULT_STRIDE = 3;

/** Appends one result. */
export function putResult(
  out: unknown[],
  seq: number,
  status: number,
  payload: unknown,
): void {
  out.push(seq, status, payload);
}

/** Number of results in a batch. */
export function resultCount(flat: readonly unknown[]): number {
  return flat.length / RESULT_STRIDE;
}

/** Sequence number of result number `k`. */
export function resultSeq(flat: readonly unknown[], k: number): number {
  return flat[k * RESULT_STRIDE] as number;
}

/** Result number `k` alone, as a one-result batch. */
export function oneResult(flat: readonly unknown[], k: number): unknown[] {
  const j = k * RESULT_STRIDE;
  return [flat[j], flat[j + 1], flat[j + 2]];
}

/**
 * Receives the outcome of tasks, decoded. One sink may serve many tasks:
 * each task carries a context value (`ctx`) the sink gets back, such as a
 * chunk index or the result object, so no per-task sink object is needed.
 */
export interface TaskSink {
  /** The task returned `value` (for a chunk, the list of values). */
  ok(ctx: unknown, value: unknown): void;
  /** The task failed as a whole: thrown in the worker, lost, or refused. */
  fail(ctx: unknown, error: unknown): void;
  /**
   * Some items of a chunk threw: `values` by position (failed positions
   * hold `undefined`), `errors` as `[position, error]` pairs in order.
   */
  partial(ctx: unknown, values: unknown[], errors: [number, Error][]): void;
}

/** Decodes result number `k` of `flat` and hands it to `sink`. */
export function deliverResult(
  flat: readonly unknown[],
  k: number,
  sink: TaskSink,
  ctx: unknown,
): void {
  const j = k * RESULT_STRIDE;
  const status = flat[j + 1];
  const payload = flat[j + 2];
  switch (status) {
    case STATUS_OK:
      sink.ok(ctx, payload);
      return;
    case STATUS_ERROR:
      sink.fail(
        ctx,
        decoding("an error result", () => fromRecord(payload as ErrorRecord)),
      );
      return;
    case STATUS_PARTIAL: {
      const [values, errors] = decoding("a chunk's failures", () => {
        const { values, errors } = payload as ChunkFailure;
        if (!Array.isArray(values)) throw new TypeError("no values list");
        return [
          values,
          errors.map(([i, record]): [number, Error] => [i, fromRecord(record)]),
        ] as const;
      });
      sink.partial(ctx, values, errors);
      return;
    }
    case STATUS_LOST: {
      const error = decoding("a lost task", () => {
        const lost = payload as LostRecord;
        return new WorkerLostError(String(lost.message), {
          workerName: lost.workerName,
        });
      });
      sink.fail(ctx, error);
      return;
    }
    default:
      throw new WireError(`result status ${String(status)} is not known`);
  }
}

/**
 * Runs `decode`, turning anything it throws (a malformed message from a
 * transport: `null`, a missing field) into a {@linkcode WireError} that
 * says what was being read.
 */
export function decoding<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof WireError) throw error;
    throw new WireError(
      `cannot read ${what}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

/**
 * The two sides disagree about the protocol (a result for a task the worker
 * was not running, an unknown status): a bug in the pool or in a custom
 * adapter, never the user's task. The pool fails loudly with it rather than
 * skipping the message (which would leave a task unsettled forever).
 */
export class WireError extends Error {
  /** @param message What did not match. */
  constructor(message: string) {
    super(`@x/pool protocol error: ${message}`);
    this.name = "WireError";
  }
}

// ---- claims: the work-stealing gate (InitMessage.control) -----------------

/** A fresh gate: one shared cell, at ordinal 0. */
export function newGate(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** The first ordinal the worker has not started, read from its gate. */
export function gateNext(gate: Int32Array): number {
  const g = Atomics.load(gate, CONTROL_GATE);
  return g >= 0 ? g : -g - 1;
}

/**
 * Worker side: claims ordinal `o` (the next task received). `false` when
 * the pool revoked it (it runs elsewhere).
 */
export function gateClaim(gate: Int32Array, o: number): boolean {
  for (;;) {
    const g = Atomics.load(gate, CONTROL_GATE);
    if (g < 0 && o < -g - 1) return false; // revoked
    if (Atomics.compareExchange(gate, CONTROL_GATE, g, o + 1) === g) {
      return true;
    }
    // the pool revoked meanwhile: look again
  }
}

/**
 * Pool side: revokes every ordinal from the worker's next one up to `sent`
 * (exclusive). Returns the first revoked ordinal; `sent` when there was
 * nothing to revoke.
 */
export function gateRevoke(gate: Int32Array, sent: number): number {
  for (;;) {
    const g = Atomics.load(gate, CONTROL_GATE);
    const next = g >= 0 ? g : -g - 1;
    if (next >= sent) return sent;
    if (Atomics.compareExchange(gate, CONTROL_GATE, g, -(sent + 1)) === g) {
      return next;
    }
    // the worker just claimed a task: look again
  }
}
