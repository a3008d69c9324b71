// This module is browser compatible.
/**
 * Note routing: a worker's `notes` message (tasks started, progress) goes
 * to the tasks it names, found among the slot's unanswered tasks by
 * sequence number. A note for a task no longer there (answered, or taken
 * back and sent elsewhere) is dropped; a malformed list is a
 * {@linkcode WireError}.
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
  WireError,
} from "./_wire.ts";

/**
 * Hands each note of `notes` to its task: `started` notes to `onStarted`.
 * Progress notes are left to the progress routing (not here yet).
 *
 * @throws {WireError} If `notes` is not a list of `[seq, kind, value]` or
 *   a kind is unknown.
 *
 * @example Usage
 * ```ts
 * import { routeNotes } from "./_notes.ts";
 * import { Slot } from "./_slot.ts";
 *
 * routeNotes(new Slot(1, "PoolWorker-1", undefined), [], () => {});
 * ```
 */
export function routeNotes(
  slot: Slot,
  notes: unknown,
  onStarted: (task: TaskRecord) => void,
): void {
  if (!Array.isArray(notes) || notes.length % NOTE_STRIDE !== 0) {
    throw new WireError(
      `worker '${slot.name}' sent notes that are not a list of [seq, kind, value]`,
    );
  }
  const n = noteCount(notes);
  for (let k = 0; k < n; k++) {
    const kind = noteKind(notes, k);
    if (kind === NOTE_STARTED) {
      const task = find(slot, noteSeq(notes, k));
      if (task !== undefined) onStarted(task);
    } else if (kind !== NOTE_PROGRESS) {
      throw new WireError(`note kind ${String(kind)} is not known`);
    }
  }
}

/**
 * The unanswered task `seq` of `slot`. The worker posts the results it has
 * before a `started` note, so that task is the oldest in the usual case.
 */
function find(slot: Slot, seq: number): TaskRecord | undefined {
  const inflight = slot.inflight;
  for (let i = 0; i < inflight.size; i++) {
    const task = inflight.at(i)!;
    if (task.seq === seq) return task;
  }
  return undefined;
}
