// This module is browser compatible.
/**
 * The wire protocol between the pool (main side) and the worker loop, and
 * its codec: the one place that knows the layout of every message (their
 * declarations and constants live in `_wire_messages.ts`, re-exported
 * here: import from this file). The
 * engine, the worker loop and the tests encode and decode through the
 * functions here, never by hand. Hot messages carry flat arrays rather than
 * arrays of objects: they clone faster (measured, issue 5).
 *
 * @module
 */

import { fromRecord, toRecord } from "./_error_record.ts";
import { WireError, WorkerLostError } from "./errors.ts";

export { WireError };
import {
  type ChunkFailure,
  type ErrorRecord,
  type FatalMessage,
  type FnSpec,
  type LostRecord,
  MODE_MASK,
  STATUS_ERROR,
  STATUS_LOST,
  STATUS_OK,
  STATUS_PARTIAL,
  type TaskMode,
} from "./_wire_messages.ts";

export * from "./_wire_messages.ts";
export * from "./_wire_gate.ts";
export { decodeMain } from "./_wire_check.ts";

/** The {@linkcode TaskMode} of a mode field. */
export function taskMode(field: number): TaskMode {
  return (field & MODE_MASK) as TaskMode;
}

/** The flags (`TASK_*`) of a mode field. */
export function taskFlags(field: number): number {
  return field & ~MODE_MASK;
}

// ---- notes: flat [seq, kind, value, ...] ----------------------------------

/** Array slots per note in {@linkcode NotesMessage.notes}. */
export const NOTE_STRIDE = 3;

/** Appends one note to a `notes` list. */
export function putNote(
  out: unknown[],
  seq: number,
  kind: number,
  value: unknown,
): void {
  out.push(seq, kind, value);
}

/** Number of notes in a `notes` list. */
export function noteCount(flat: readonly unknown[]): number {
  return flat.length / NOTE_STRIDE;
}

/** Sequence number of the task note number `k` is about. */
export function noteSeq(flat: readonly unknown[], k: number): number {
  return flat[k * NOTE_STRIDE] as number;
}

/** Kind (`NOTE_*`) of note number `k`. */
export function noteKind(flat: readonly unknown[], k: number): number {
  return flat[k * NOTE_STRIDE + 1] as number;
}

/** Value of note number `k` (the progress value). */
export function noteValue(flat: readonly unknown[], k: number): unknown {
  return flat[k * NOTE_STRIDE + 2];
}

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

/** The fields of a task that go on the wire (the engine's task record has them). */
export interface TaskFields {
  /** The pool's sequence number of the task. */
  readonly seq: number;
  /** Its function id. */
  readonly fid: number;
  /** The mode field: {@linkcode TaskMode} and `TASK_*` flags. */
  readonly mode: number;
  /** Arguments, item chunk, or the single argument. */
  readonly payload: unknown;
}

/**
 * Encodes a whole batch of tasks, in order: one call per batch rather than
 * one per task (each hot function is one more for the engine to compile in
 * every fresh process).
 */
export function encodeTasks(tasks: readonly TaskFields[]): unknown[] {
  const flat: unknown[] = [];
  for (let k = 0; k < tasks.length; k++) {
    const t = tasks[k];
    flat.push(t.seq, t.fid, t.mode, t.payload);
  }
  return flat;
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
  /** How the payload is applied: the {@linkcode taskMode} of the field. */
  mode: TaskMode;
  /** The task's flags (`TASK_*`): the {@linkcode taskFlags} of the field. */
  flags: number;
  /** Arguments, item chunk, or the single argument. */
  payload: unknown;
}

/**
 * Reads task number `k` of `flat` into `view` (its mode field split into
 * mode and flags), and clears its payload slot in `flat` (so a long batch
 * does not keep finished arguments alive). One call per task: the worker's
 * hot path calls nothing else of the codec before running it.
 */
export function takeTask(flat: unknown[], k: number, view: TaskView): void {
  const j = k * TASK_STRIDE;
  const field = flat[j + 2] as number;
  view.seq = flat[j] as number;
  view.fid = flat[j + 1] as number;
  view.mode = (field & MODE_MASK) as TaskMode;
  view.flags = field & ~MODE_MASK;
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
  /**
   * The task called `reportProgress(value)` (only for tasks sent with
   * `TASK_PROGRESS`), before its outcome. A sink whose result already
   * settled ignores it. What it throws fails the task (its outcome is
   * replaced by that error) and stops its later progress; so does the
   * rejection of a promise it returns, if it comes before the outcome.
   */
  progress?(ctx: unknown, value: unknown): void | PromiseLike<unknown>;
  /**
   * The task started in its worker (only for tasks sent with
   * `TASK_STARTED`), before its outcome.
   */
  started?(ctx: unknown): void;
}

/** Whether result number `k` of `flat` is a success (`STATUS_OK`). */
export function resultOk(flat: readonly unknown[], k: number): boolean {
  return flat[k * RESULT_STRIDE + 1] === STATUS_OK;
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

// ---- fatal: a worker's last words ----------------------------------------

/**
 * The `fatal` message a worker posts as it dies: of `error`, or (with
 * `error` undefined) a plain exit with `code`; `started` is its next
 * ordinal. `protocol`: it refused a message of the pool (a protocol slip).
 * `lost`: the first ordinal of a message it could not read.
 */
export function fatalMessage(
  error: unknown,
  code: number | undefined,
  started: number,
  protocol: boolean,
  lost?: number,
): FatalMessage {
  const message: FatalMessage = error === undefined
    ? { type: "fatal", code, started }
    : { type: "fatal", error: toRecord(error), started };
  if (protocol) message.protocol = true;
  if (lost !== undefined) message.lost = lost;
  return message;
}

/**
 * Whether a `fatal` message reports a protocol slip rather than a death
 * of the user's code: by its field, never by its error's name (a user's
 * error class may be named `WireError` too).
 */
export function fatalProtocol(msg: FatalMessage): boolean {
  return msg.protocol === true;
}
