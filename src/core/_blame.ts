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
 * makes the errors), still without side effects beyond the marks.
 *
 * @module
 */

import type { WorkerExit } from "./adapter.ts";
import { exitDetail } from "./_messages.ts";
import { WorkerLostError } from "./errors.ts";

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
}

/** What to do with a dead worker's unanswered tasks. */
export interface Sentence<T> {
  /** Run these elsewhere, in this order (put them back at the queue's front). */
  requeue: T[];
  /** Reject these: flat `[task, WorkerLostError, ...]`. */
  lost: unknown[];
}

/**
 * Applies {@linkcode blame} to the unanswered `tasks` of worker `name`,
 * which ended with `info`: marks the ones that run again (`rerun`), and
 * makes the error of each one blamed.
 */
export function sentence<T extends DeadTask>(
  tasks: readonly T[],
  started: number,
  name: string,
  info: WorkerExit,
): Sentence<T> {
  const verdicts = blame(tasks, started);
  const detail = exitDetail(info);
  const requeue: T[] = [];
  const lost: unknown[] = [];
  for (let i = 0; i < tasks.length; i++) {
    const task = tasks[i];
    const verdict = verdicts[i];
    if (verdict === REQUEUE || verdict === RERUN) {
      if (verdict === RERUN) task.rerun = true;
      requeue.push(task);
      continue;
    }
    const message = verdict === RUNNING
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
  return { requeue, lost };
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
