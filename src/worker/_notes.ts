// This module is browser compatible.
/**
 * Notes from the worker loop to the pool about running tasks (see
 * `NotesMessage` in the wire codec): for now the `started` note of a task
 * flagged `TASK_STARTED`, posted at once.
 *
 * @module
 */

import { NOTE_STARTED, putNote } from "../core/_wire.ts";
import type { WorkerChannel } from "./serve.ts";

/**
 * Posts that task `seq` started. A channel that refuses the message is
 * ignored: the task's result still comes (its time limit then never
 * starts).
 *
 * @example Usage
 * ```ts
 * import { startedNote } from "./_notes.ts";
 *
 * const sent: unknown[] = [];
 * startedNote({ listen() {}, post: (m) => sent.push(m) }, 7);
 * console.log(sent); // [{ type: "notes", notes: [7, 0, undefined] }]
 * ```
 */
export function startedNote(channel: WorkerChannel, seq: number): void {
  const notes: unknown[] = [];
  putNote(notes, seq, NOTE_STARTED, undefined);
  try {
    channel.post({ type: "notes", notes });
  } catch {
    // the channel is gone: the pool learns it from the worker's exit
  }
}
