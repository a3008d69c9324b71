// This module is browser compatible.
/**
 * The tasks of a message a worker could not read (its `messageerror`: a
 * value nested too deeply for that runtime to copy back), found among a
 * stopped worker's unanswered tasks so that they are refused instead of
 * sent again. Pure but for `structuredClone`.
 *
 * @module
 */

import type { WorkerExit } from "./adapter.ts";
import { errorText, exitDetail } from "./_messages.ts";

/** What {@linkcode takeUnread} looks at in a task. */
export interface UnreadCandidate {
  /** Its position in the stream of tasks sent to the worker. */
  readonly ordinal: number;
  /** Its arguments (or a map chunk's items). */
  readonly payload?: unknown;
  /** What it moved to the worker, if anything: then it is not copied here. */
  readonly transfer?: readonly unknown[];
}

/**
 * Takes out of `tasks` those of the message the worker could not read,
 * which began at ordinal `lostAt` (the worker said so as it stopped): each
 * task from there on whose arguments this thread cannot copy either
 * (`structuredClone` throws, as it does on Deno and Node for a value
 * nested a few thousand levels deep); when none fails here, the one at
 * `lostAt` (certainly in that message; the others run elsewhere, and one
 * that cannot be read there either is taken so in turn). A task that moved
 * buffers (`transfer`) is not copied here: they are gone from this side.
 * Returns flat `[task, TypeError, ...]`, or nothing without `lostAt`.
 *
 * @example Usage
 * ```ts
 * import { takeUnread } from "./_unread_task.ts";
 *
 * const tasks = [{ ordinal: 4, payload: [1] }, { ordinal: 5, payload: [2] }];
 * const [task] = takeUnread(tasks, 5, "PoolWorker-1", {});
 * console.log(task === undefined, tasks.length); // false 1
 * ```
 */
export function takeUnread<T extends UnreadCandidate>(
  tasks: T[],
  lostAt: number | undefined,
  name: string,
  info: WorkerExit,
): unknown[] {
  if (lostAt === undefined) return [];
  const out: unknown[] = [];
  for (let i = tasks.length - 1; i >= 0; i--) {
    const task = tasks[i];
    if (task.ordinal < lostAt || task.transfer !== undefined) continue;
    try {
      structuredClone(task.payload);
    } catch (error) {
      tasks.splice(i, 1);
      out.unshift(task, unreadError(name, info, error));
    }
  }
  if (out.length > 0) return out;
  const first = tasks.findIndex((task) => task.ordinal === lostAt);
  if (first < 0) return [];
  return [tasks.splice(first, 1)[0], unreadError(name, info, undefined)];
}

/** The error of a task whose arguments worker `name` could not read. */
function unreadError(
  name: string,
  info: WorkerExit,
  here: unknown,
): TypeError {
  return new TypeError(
    `Worker '${name}' could not read this task's arguments${exitDetail(info)}${
      here === undefined
        ? ""
        : `, nor can this thread copy them (${errorText(here)})`
    }: a value nested too deeply (a few thousand levels, on some runtimes) cannot reach a worker; pass flatter data`,
    { cause: info.error },
  );
}
