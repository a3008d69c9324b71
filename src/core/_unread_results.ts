// This module is browser compatible.
/**
 * A message from a worker that the pool's thread could not read (its
 * `messageerror`: a result or a `reportProgress` value nested too deeply
 * for this runtime to copy back). The worker goes on; the pool asks it for
 * the last result it sent (`sync`), and finds what the lost message held:
 * results, if the next results skip tasks (or the worker's answer names a
 * task not answered), which then fail; else notes, and then the tasks that
 * may have reported progress fail. Nothing waits, nothing else is touched.
 *
 * @module
 */

import type { Slot, TaskRecord } from "./_slot.ts";
import {
  type ErrorRecord,
  putResult,
  STATUS_ERROR,
  TASK_PROGRESS,
} from "./_wire.ts";
import { errorText } from "./_messages.ts";

/** What a lost message may have held, until the next result tells. */
export interface Unread {
  /** What the runtime said. */
  readonly cause: unknown;
  /** Tasks that had started and listen to progress: the lost notes' tasks. */
  readonly maybeNoted: TaskRecord[];
  /** Messages lost before it is settled (one `sync` asked). */
  lost: number;
}

/**
 * `slot`'s worker sent a message this thread could not read: notes which
 * of its tasks may have reported progress in it (started, listening).
 * Returns whether to ask the worker (`sync`): not while one is asked.
 */
export function markUnread(slot: Slot, cause: unknown): boolean {
  const unread = slot.unread;
  const maybeNoted = unread?.maybeNoted ?? [];
  // Without a gate the worker posts each result before its next task: it
  // is at most one task past the oldest per message lost so far.
  const started = slot.started();
  const ahead = (unread?.lost ?? 0) + 1;
  const inflight = slot.inflight;
  for (let i = 0; i < inflight.size; i++) {
    const task = inflight.at(i)!;
    if (started >= 0 ? task.ordinal >= started : i > ahead) break;
    if ((task.mode & TASK_PROGRESS) !== 0 && !maybeNoted.includes(task)) {
      maybeNoted.push(task);
    }
  }
  if (unread !== undefined) {
    unread.lost++; // settled with the first: by then either may be notes
    return false;
  }
  slot.unread = { cause, maybeNoted, lost: 1 };
  return true;
}

/**
 * `results` came after a lost message: if they skip tasks, the lost message
 * held those tasks' results, which fail (returned first, as errors);
 * otherwise it held notes. Either way it is settled.
 */
export function afterUnread(slot: Slot, results: unknown[]): unknown[] {
  const unread = slot.unread!;
  const at = indexOf(slot, results[0]);
  if (at === 0) {
    slot.unread = undefined;
    failNoted(unread);
    return results;
  }
  if (at < 0) return results; // not a task of this worker: the route says so
  return lostResults(slot, unread, at - 1).concat(results);
}

/**
 * The worker's answer to `sync`: `seq`, the last result it sent. A task up
 * to it not answered lost its result in the unread message; if none did,
 * that message held notes. Returns the failed results to route.
 */
export function syncedUnread(slot: Slot, seq: unknown): unknown[] {
  const unread = slot.unread;
  if (unread === undefined) return []; // settled by results since
  const at = indexOf(slot, seq);
  if (at >= 0) return lostResults(slot, unread, at);
  slot.unread = undefined;
  failNoted(unread);
  return [];
}

/** The position of task `seq` in `slot`'s unanswered tasks, or -1. */
function indexOf(slot: Slot, seq: unknown): number {
  const inflight = slot.inflight;
  for (let i = 0; i < inflight.size; i++) {
    if (inflight.at(i)!.seq === seq) return i;
  }
  return -1;
}

/** Error results for `slot`'s oldest tasks up to `last`: theirs were lost. */
function lostResults(slot: Slot, unread: Unread, last: number): unknown[] {
  slot.unread = undefined;
  if (unread.lost > 1) failNoted(unread); // another lost message: notes?
  const record: ErrorRecord = {
    name: "DataCloneError",
    message: `Cannot read the task's result on the pool's thread (${
      errorText(unread.cause)
    }): a value nested too deeply (a few thousand levels, on some runtimes) cannot be copied back; return flatter data`,
  };
  const out: unknown[] = [];
  for (let i = 0; i <= last; i++) {
    putResult(out, slot.inflight.at(i)!.seq, STATUS_ERROR, record);
  }
  return out;
}

/** The lost message held notes: the tasks that may have sent them fail. */
function failNoted(unread: Unread): void {
  for (const task of unread.maybeNoted) {
    if (task.progressFailed) continue;
    task.progressFailed = true;
    task.progressError = new TypeError(
      `A reportProgress() value of this task (or of another that this worker ran then) could not be read on the pool's thread (${
        errorText(unread.cause)
      }): a value nested too deeply (a few thousand levels, on some runtimes) cannot be copied back; report flatter data`,
    );
  }
}
