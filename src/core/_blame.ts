// This module is browser compatible.
/**
 * Death blame: when a worker dies, which of its unanswered tasks killed it
 * (rejects with `WorkerLostError`) and which run again elsewhere. Pure.
 *
 * With shared memory the gate tells how far the worker got: the task it
 * claimed last is the one running; earlier ones finished but their results
 * were not posted (a death the worker could not see coming, such as running
 * out of memory), so they run again, once; later ones never started.
 *
 * Without shared memory the worker reports every result before it starts
 * the next task, so the oldest unanswered task is the one that was running:
 * blame is exact, and a task that kills its worker is never queued again
 * (no restart loop).
 *
 * {@linkcode blame} decides; {@linkcode sentence} applies it (marks re-runs,
 * makes the errors), still without side effects beyond the marks. A task
 * whose transferred buffers went with the worker cannot run elsewhere
 * ({@linkcode movedAway}): it rejects with `WorkerLostError` instead, not
 * blamed.
 *
 * @module
 */

import type { WorkerExit } from "./adapter.ts";
import { exitDetail, UnreadableMessage } from "./_messages.ts";
import { WorkerLostError } from "./errors.ts";
import { takeUnread } from "./_unread_task.ts";

export { takeUnread } from "./_unread_task.ts";

/** An unanswered task of the dead worker, as blame sees it. */
export interface Unanswered {
  /** Its position in the stream of tasks sent to the worker. */
  readonly ordinal: number;
  /** Whether it already ran again once after a death. */
  readonly rerun: boolean;
}

/** Run it elsewhere: it never started. */
export const REQUEUE = 0;
/** Run it elsewhere, once: it finished but its result was lost. */
export const RERUN = 1;
/** Reject: it was running when the worker died. */
export const RUNNING = 2;
/** Reject: its result was lost a second time. */
export const LOST_TWICE = 3;

/** One of {@linkcode REQUEUE}, {@linkcode RERUN}, {@linkcode RUNNING}, {@linkcode LOST_TWICE}. */
export type Verdict = 0 | 1 | 2 | 3;

/**
 * The verdict for each of `tasks` (in send order), given `started`: the
 * first ordinal the worker had not started, from its gate, or -1 without
 * one.
 */
export function blame(
  tasks: readonly Unanswered[],
  started: number,
): Verdict[] {
  const verdicts: Verdict[] = new Array(tasks.length).fill(REQUEUE);
  if (tasks.length === 0) return verdicts;
  if (started < 0) {
    verdicts[0] = RUNNING;
    return verdicts;
  }
  // The running task: the last one it claimed (the highest ordinal below
  // `started`); earlier ones had finished.
  let running = -1;
  for (let i = 0; i < tasks.length; i++) {
    if (tasks[i].ordinal < started) running = i;
  }
  for (let i = 0; i < tasks.length; i++) {
    if (i === running) verdicts[i] = RUNNING;
    else if (tasks[i].ordinal < started) {
      verdicts[i] = tasks[i].rerun ? LOST_TWICE : RERUN;
    }
  }
  return verdicts;
}

/**
 * Whether a worker that died had not yet started: it never said "ready"
 * and, where there is a gate, claimed no task (its exit can overtake its
 * "ready" message). `started` as for {@linkcode blame}.
 */
export function diedStarting(ready: boolean, started: number): boolean {
  return !ready && started <= 0;
}

/**
 * Whether `deaths` workers in a row died with no task settled in between
 * (no result, none blamed) is a restart loop to stop: at
 * `max(3, processes + 1)`, more than every worker of the pool dying once.
 * A worker that dies every time, after `ready` but before finishing any
 * task (a stray rejection left by the initializer, a transport that cannot
 * carry the messages), would otherwise be replaced forever.
 *
 * @example
 * ```ts
 * import { fruitless } from "./_blame.ts";
 *
 * if (fruitless(2, 1) || !fruitless(3, 1) || fruitless(4, 4)) throw new Error();
 * ```
 */
export function fruitless(deaths: number, processes: number): boolean {
  return deaths >= Math.max(3, processes + 1);
}

/** A task of a dead worker: its ordinal, and a mark set when it runs again. */
export interface DeadTask {
  /** Its position in the stream of tasks sent to the worker. */
  readonly ordinal: number;
  /** Whether it already ran again once after a death. */
  rerun: boolean;
  /** What its arguments moved to the worker (`transfer`), if anything. */
  readonly transfer?: readonly unknown[];
}

/** What to do with a dead worker's unanswered tasks. */
export interface Sentence<T> {
  /** Run these elsewhere, in this order (put them back at the queue's front). */
  requeue: T[];
  /** Reject these, blamed: flat `[task, WorkerLostError, ...]`. */
  lost: unknown[];
  /** Whether a task is rejected for the death: `lost`, or an unread one. */
  settles: boolean;
  /**
   * Reject these, not blamed: first the task of a message the worker could
   * not read ({@linkcode takeUnread}: a `TypeError`), then tasks to run
   * elsewhere whose transferred buffers went with the worker
   * ({@linkcode movedAway}); flat `[task, error, ...]`.
   */
  stranded: unknown[];
}

/**
 * Whether `task` moved objects to its worker that are gone from this side:
 * its `transfer` list holds a detached `ArrayBuffer`, or anything else (a
 * `MessagePort`, ...: no way to tell, so taken as moved). Sent again it
 * would fail, so it cannot run on another worker. (An adapter that copies
 * instead, as a cluster's, leaves the buffers here: such a task can.)
 *
 * @example Usage
 * ```ts
 * import { movedAway } from "./_blame.ts";
 *
 * const buffer = new ArrayBuffer(8);
 * console.log(movedAway({ transfer: [buffer] })); // false
 * structuredClone(buffer, { transfer: [buffer] });
 * console.log(movedAway({ transfer: [buffer] })); // true
 * ```
 */
export function movedAway(
  task: { readonly transfer?: readonly unknown[] },
): boolean {
  const list = task.transfer;
  if (list === undefined) return false;
  for (const item of list) {
    if (!(item instanceof ArrayBuffer)) return true;
    // `detached` (ES2024) is on every supported runtime; where it is not,
    // moved is assumed (an empty buffer may never have been moved).
    if ((item as { detached?: boolean }).detached ?? true) return true;
  }
  return false;
}

/**
 * The error of a task of worker `name` that cannot run elsewhere
 * ({@linkcode movedAway}): the worker `died` (or what else happened to it)
 * before the task `started` or, when it had, before sending its result;
 * `info` is how it ended.
 *
 * @example Usage
 * ```ts
 * import { strandedError } from "./_blame.ts";
 *
 * const error = strandedError("PoolWorker-1", "died", false);
 * console.log(error.name); // WorkerLostError
 * ```
 */
export function strandedError(
  name: string,
  died: string,
  started: boolean,
  info: WorkerExit = {},
): WorkerLostError {
  return new WorkerLostError(
    `Worker '${name}' ${died} before ${
      started ? "sending this task's result" : "this task started"
    }, and the buffers this task transferred to it (its transfer list) were lost with it: it cannot run on another worker; leave them out of 'transfer' (then they are copied) for a task that can${
      exitDetail(info)
    }`,
    { cause: info.error, workerName: name, exitCode: info.code },
  );
}

/**
 * Applies {@linkcode blame} to the unanswered `tasks` of `worker`, which
 * ended with `info`: marks the ones that run again (`rerun`), and makes the
 * error of each one blamed. `worker.lostAt`: the first ordinal of a message
 * the worker could not read, if it said so ({@linkcode takeUnread}).
 */
export function sentence<T extends DeadTask>(
  all: readonly T[],
  started: number,
  worker: { readonly name: string; readonly lostAt?: number },
  info: WorkerExit,
): Sentence<T> {
  const name = worker.name;
  const tasks = all.slice();
  const unreadTask = takeUnread(tasks, worker.lostAt, name, info);
  const verdicts = blame(tasks, started);
  const detail = exitDetail(info);
  const unread = info.error instanceof UnreadableMessage;
  const requeue: T[] = [];
  const lost: unknown[] = [];
  const stranded: unknown[] = unreadTask;
  const settles = unreadTask.length > 0;
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i];
    const verdict = verdicts[i];
    if (verdict === REQUEUE || verdict === RERUN) {
      if (movedAway(task)) {
        const error = strandedError(name, "died", verdict === RERUN, info);
        stranded.push(task, error);
        continue;
      }
      if (verdict === RERUN) task.rerun = true;
      requeue.push(task);
      continue;
    }
    const message = unread
      ? `Worker '${name}' was stopped before this task's result came${detail}`
      : verdict === RUNNING
      ? `Worker '${name}' died while running this task${detail}`
      : `Worker '${name}' died before sending this task's result, the second worker to do so${detail}`;
    lost.push(
      task,
      new WorkerLostError(message, {
        cause: info.error,
        workerName: name,
        exitCode: info.code,
      }),
    );
  }
  return { requeue, lost, settles: settles || lost.length > 0, stranded };
}

/**
 * What breaks the pool when `count` workers in a row died without settling
 * a task, the last one `name` (see {@linkcode fruitless}).
 */
export function deathLoop(
  name: string,
  info: WorkerExit,
  count: number,
): WorkerLostError {
  return new WorkerLostError(
    `Workers keep dying before finishing any task: ${count} in a row, the last '${name}'${
      exitDetail(info)
    }; the pool stops instead of restarting them forever: fix what kills them (an initializer that leaves a rejection or error behind, a crash at start-up, an adapter whose transport cannot carry the messages) and create a new pool`,
    { cause: info.error, workerName: name, exitCode: info.code },
  );
}
