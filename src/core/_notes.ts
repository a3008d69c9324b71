// This module is browser compatible.
/**
 * Note routing: the one place a worker's `notes` message (started,
 * progress; see `NotesMessage`) is read. A progress note goes to its task's
 * sink (`sink.progress`), a started note to the engine's hook. A worker
 * posts every note of a task before the task's result, so the task is
 * still in flight on that slot; a note for a task that was issued but is
 * not in flight there (settled on this side meanwhile) is ignored; one for
 * a task never issued, or of an unknown kind, is a {@linkcode WireError}.
 *
 * @module
 */

import type { Slot, TaskRecord } from "./_slot.ts";
import {
  NOTE_PROGRESS,
  NOTE_STARTED,
  NOTE_STRIDE,
  noteCount,
  noteKind,
  noteSeq,
  noteValue,
  WireError,
} from "./_wire.ts";

/** What the engine does with a `started` note. */
export type StartedHook = (task: TaskRecord, slot: Slot) => void;

/**
 * Routes the notes of one message from `slot`, in order. `issued` is the
 * highest sequence number the pool gave a task so far. Stops early if the
 * slot dies meanwhile (a callback stopped the pool).
 *
 * A sink's `progress` that throws fails its task: the task settles with
 * that error instead of its outcome (see `routeResults`), and its later
 * progress is not delivered. So does a promise it returns that rejects
 * before the task's result comes (an async `onProgress`), so the task is
 * counted failed, as for a throw.
 *
 * @throws {WireError} For a malformed list, a note about a task never
 *   issued, or an unknown kind.
 */
export function routeNotes(
  slot: Slot,
  notes: unknown,
  issued: number,
  started: StartedHook,
): void {
  if (!Array.isArray(notes) || notes.length % NOTE_STRIDE !== 0) {
    throw new WireError(
      `worker '${slot.name}' sent notes that are not a list of [seq, kind, value]`,
    );
  }
  const n = noteCount(notes);
  let lastSeq = NaN;
  let task: TaskRecord | undefined;
  let at = 0; // where the last task was found: notes come in send order
  for (let k = 0; k < n; k++) {
    const seq = noteSeq(notes, k);
    if (seq !== lastSeq) {
      lastSeq = seq;
      at = find(slot, seq, at);
      task = at >= 0 ? slot.inflight.at(at) : undefined;
      if (at < 0) at = 0;
      if (
        task === undefined &&
        !(Number.isInteger(seq) && seq >= 1 && seq <= issued)
      ) {
        throw new WireError(
          `worker '${slot.name}' sent a note about task ${seq}, which the pool never sent`,
        );
      }
    }
    const kind = noteKind(notes, k);
    if (kind === NOTE_PROGRESS) {
      if (task === undefined || task.progressFailed) continue;
      const sink = task.sink;
      if (sink.progress === undefined) continue;
      try {
        const back = sink.progress(task.ctx, noteValue(notes, k));
        if (back) failOnRejection(task, back);
      } catch (error) {
        task.progressFailed = true;
        task.progressError = error;
      }
    } else if (kind === NOTE_STARTED) {
      if (task !== undefined) started(task, slot);
    } else {
      throw new WireError(
        `worker '${slot.name}' sent a note of kind ${
          String(kind)
        }, which is not known`,
      );
    }
    if (!slot.live) return;
  }
}

/**
 * The position of task `seq` among the slot's in flight, looking from
 * `from` on first (a worker runs its tasks in send order, so the next
 * note is about the same task or a later one), or -1.
 */
function find(slot: Slot, seq: number, from: number): number {
  const tasks = slot.inflight;
  const n = tasks.size;
  for (let i = from; i < n; i++) if (tasks.at(i)!.seq === seq) return i;
  for (let i = 0; i < from && i < n; i++) {
    if (tasks.at(i)!.seq === seq) return i;
  }
  return -1;
}

/** A rejection of `back` (from `sink.progress`) fails `task` as a throw does. */
function failOnRejection(task: TaskRecord, back: PromiseLike<unknown>): void {
  back.then(undefined, (error) => {
    if (task.progressFailed) return;
    task.progressFailed = true;
    task.progressError = error;
  });
}
