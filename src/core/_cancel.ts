// This module is browser compatible.
/**
 * Stopping one call's work (`signal`, `timeout`): a {@linkcode CallGroup}
 * ties the tasks of one call together, and {@linkcode abortGroup} decides,
 * for each worker holding some of them, what aborting the call does there.
 *
 * - Queued tasks of a cancelled group are not looked for: the sender skips
 *   them when it meets them (so 10,000 aborts cost no queue scan).
 * - A task of the group that a worker has not started is taken back through
 *   the gate (with the other unstarted tasks there, which run elsewhere),
 *   but for one that transferred buffers there: never revoked, it is
 *   dropped when its turn comes, as without a gate ({@linkcode cancelledHead}).
 * - A task of the group that a worker is running stops only with its
 *   worker: the worker is replaced, and its other unanswered tasks run
 *   elsewhere (never blamed), but for those whose transferred buffers went
 *   with it, which reject with `WorkerLostError` ({@linkcode replaceSlot}).
 *   With a gate, only once it is the worker's oldest unanswered task: the
 *   results of tasks it finished before are on their way, and it is
 *   stopped when they came (`Slot.stopAtHead`, `HeadWait`).
 * - A task of the group that finished and whose result is on its way is
 *   left alone: its result is dropped on arrival.
 *
 * Without shared memory (no gate) the oldest unanswered task of a worker is
 * the one running; a cancelled task queued behind it stays there, and when
 * it becomes the oldest (the ones before it answered) its worker is
 * replaced ({@linkcode cancelledHead}). A worker that may run several of
 * its tasks at once (a cluster slot) and whose handle stops single tasks
 * (`WorkerHandle.cancel`) is never replaced: just its tasks of the
 * call are stopped ({@linkcode cancelTasks}).
 *
 * @module
 */

import { cancelTasks, countCancelled, slotsToVisit } from "./_cancel_tasks.ts";
import { movedAway, strandedError } from "./_blame.ts";
import { runningTask } from "./_deadline.ts";
import type { Registry } from "./_registry.ts";
import type { Slot, TaskRecord } from "./_slot.ts";
import type { TaskQueue } from "./_task_queue.ts";

/**
 * The tasks of one call that can be stopped together. Only calls with a
 * `signal` or a `timeout` have one; tasks of other calls carry `undefined`
 * and pay nothing.
 *
 * @example Usage
 * ```ts
 * import { CallGroup } from "./_cancel.ts";
 *
 * const group = new CallGroup();
 * console.log(group.cancelled); // false
 * ```
 */
export class CallGroup {
  /** Set once by `Engine.abort`: its tasks are dropped wherever they are. */
  declare cancelled: boolean;
  /**
   * The first worker it sent tasks to, and the ordinal of the last task it
   * sent there (the others in {@linkcode CallGroup.slots} and
   * {@linkcode CallGroup.lastOrdinals}). Workers, not tasks: a task sent
   * costs a comparison, and aborting visits a worker only if that ordinal
   * is still unanswered there (and, with a gate, not finished).
   */
  declare slot: Slot | undefined;
  /** See {@linkcode CallGroup.slot}. */
  declare lastOrdinal: number;
  /** Other workers it sent tasks to (rarely more than the pool's size). */
  declare slots: Slot[] | undefined;
  /** The ordinal of the last task sent to each of `slots`. */
  declare lastOrdinals: number[] | undefined;
  /**
   * For a call whose task's time limit runs from when it starts (`apply`'s
   * `timeout`): the limit in ms, watched by the engine (`StartLimits`),
   * which calls {@linkcode CallGroup.expire} when it is past.
   */
  declare startLimitMs: number | undefined;
  /**
   * For a call whose time limit runs from the call (the map family's
   * `timeout`): when it ends (ms, `performance.now()`); `Infinity` for
   * none. A result arriving after it expires the call (its timer may fire
   * late when the thread was busy).
   */
  declare deadline: number;
  /** Its tasks in the pool's queue ({@linkcode TaskQueue} counts them). */
  declare queued: number;

  constructor() {
    this.cancelled = false;
    this.slot = undefined;
    this.lastOrdinal = -1;
    this.slots = undefined;
    this.lastOrdinals = undefined;
    this.startLimitMs = undefined;
    this.deadline = Infinity;
    this.queued = 0;
  }

  /** Its time ran out (`startLimitMs` or `deadline`): stop the call. */
  expire(): void {}

  /** `task` of this group was sent to `slot` (its ordinal is set). */
  sent(task: TaskRecord, slot: Slot): void {
    if (this.slot === slot || this.slot === undefined) {
      this.slot = slot;
      this.lastOrdinal = task.ordinal;
      return;
    }
    const slots = this.slots ??= [];
    const last = this.lastOrdinals ??= [];
    let i = slots.indexOf(slot);
    if (i < 0) {
      if (slots.length >= 16) {
        // A long-lived group outlives workers: forget the dead ones.
        let k = 0;
        for (let j = 0; j < slots.length; j++) {
          if (slots[j].live) {
            slots[k] = slots[j];
            last[k++] = last[j];
          }
        }
        slots.length = last.length = k;
      }
      i = slots.length;
      slots.push(slot);
    }
    last[i] = task.ordinal;
  }
}

/** What aborting does at one worker: see {@linkcode abortAt}. */
export interface AbortAtSlot {
  /** The worker runs a cancelled task: stop and replace it. */
  stop: boolean;
  /**
   * It runs a cancelled task behind finished ones whose results are on
   * the way: stop it once they came (`Slot.stopAtHead` is set).
   */
  later: boolean;
  /** Tasks taken back that are not cancelled: queue them again, first. */
  requeue: TaskRecord[];
  /** Cancelled tasks taken back: drop them. */
  dropped: TaskRecord[];
}

/**
 * Takes back the unstarted tasks of `slot` (through its gate; none
 * without; never one that transferred buffers), and tells whether to stop
 * the worker: its oldest unanswered task is cancelled and, with a gate,
 * is the one it runs (or, kept for its buffers, has not started). With a
 * gate, a cancelled task it runs behind finished ones is stopped `later`,
 * once their results came: stopping it now would lose them. The worker's
 * other unanswered tasks stay in `slot.inflight` (to be queued again if it
 * is stopped).
 *
 * @example Usage
 * ```ts
 * import { abortAt } from "./_cancel.ts";
 * import { Slot } from "./_slot.ts";
 *
 * console.log(abortAt(new Slot(1, "PoolWorker-1", undefined)).stop); // false
 * ```
 */
export function abortAt(slot: Slot): AbortAtSlot {
  const requeue: TaskRecord[] = [];
  const dropped: TaskRecord[] = [];
  for (const task of slot.revokeUnstarted()) {
    (isCancelled(task) ? dropped : requeue).push(task);
  }
  const stop = headStops(slot);
  let later = false;
  if (!stop && slot.gate !== undefined) {
    const running = runningTask(slot);
    if (running !== undefined && isCancelled(running)) {
      later = slot.stopAtHead = true;
    }
  }
  return { stop, later, requeue, dropped };
}

/**
 * After `slot` answered: whether to stop it now ({@linkcode abortAt}'s
 * rule). Without a gate: its oldest unanswered task (the one it runs now)
 * is cancelled. With a gate, only for a worker an abort left cancelled
 * tasks it could not take back (`Slot.stopAtHead`, or kept ones:
 * `Slot.keeps`): its oldest unanswered task is cancelled and it runs it or
 * has not started it; else `false`.
 *
 * @example Usage
 * ```ts
 * import { cancelledHead } from "./_cancel.ts";
 * import { Slot } from "./_slot.ts";
 *
 * console.log(cancelledHead(new Slot(1, "PoolWorker-1", undefined))); // false
 * ```
 */
export function cancelledHead(slot: Slot): boolean {
  if (slot.gate !== undefined) {
    if (!slot.stopAtHead && !slot.holdsKept()) return false;
    if (slot.inflight.size === 0) return slot.stopAtHead = false;
  }
  return headStops(slot);
}

/**
 * Whether `slot`'s oldest unanswered task is cancelled and, with a gate,
 * not finished: the last one it started, or not started (kept), so that
 * every result before it came and stopping the worker loses none.
 */
function headStops(slot: Slot): boolean {
  const head = slot.inflight.peek();
  if (head === undefined || !isCancelled(head)) return false;
  if (slot.gate === undefined) return true;
  const running = runningTask(slot);
  return running === undefined || running === head;
}

/**
 * Whether `task` belongs to a cancelled call (drop it, never send it).
 *
 * @example Usage
 * ```ts
 * import { isCancelled } from "./_cancel.ts";
 * import { TaskRecord } from "./_slot.ts";
 *
 * const task = new TaskRecord(1, 1, 0, [], {
 *   ok() {},
 *   fail() {},
 *   partial() {},
 * }, undefined, undefined);
 * console.log(isCancelled(task)); // false
 * ```
 */
export function isCancelled(task: TaskRecord): boolean {
  return task.group !== undefined && task.group.cancelled;
}

/**
 * Stops the work of `group`, just cancelled: its queued tasks are dropped
 * when the sender meets them; at each worker holding some, its unstarted
 * tasks are taken back (the group's dropped, the others queued again,
 * first), and a worker running one of the group is stopped (`remove` takes
 * it out of the engine's list first; the engine starts another later) with
 * {@linkcode replaceSlot}. Returns the tasks of stopped workers that cannot
 * run elsewhere, for the caller to reject: `[task, WorkerLostError, ...]`.
 *
 * @example Usage
 * ```ts
 * import { abortGroup, CallGroup } from "./_cancel.ts";
 * import { TaskQueue } from "./_task_queue.ts";
 * import { Registry } from "./_registry.ts";
 *
 * const group = new CallGroup();
 * group.cancelled = true;
 * console.log(abortGroup(group, new TaskQueue(), new Registry(), () => {})); // []
 * ```
 */
export function abortGroup(
  group: CallGroup,
  queue: TaskQueue,
  registry: Registry,
  remove: (slot: Slot) => void,
  later: (slot: Slot) => void = () => {},
): unknown[] {
  queue.cancel(group);
  const stranded: unknown[] = [];
  const finished: Slot[] = [];
  for (const slot of slotsToVisit(group, finished)) {
    if (!slot.live) continue;
    if (slot.handle?.cancel !== undefined && slot.gate === undefined) {
      cancelTasks(slot, queue, registry); // its other tasks run on
      continue;
    }
    const { stop, later: wait, requeue, dropped } = abortAt(slot);
    if (wait) later(slot);
    for (const task of dropped) registry.release(task.fid);
    queue.dropped += dropped.length;
    queue.prependAll(requeue);
    if (stop) {
      remove(slot);
      stranded.push(...replaceSlot(slot, queue, registry));
    } else countCancelled(slot, group); // no longer work for `pool.stats()`
  }
  for (const slot of finished) countCancelled(slot, group);
  return stranded;
}

/** What happened to a worker {@linkcode replaceSlot} stopped. */
const STOPPED = "was stopped (it ran a task of an aborted or timed-out call)";
/** The same, stopped before it started that task (kept for its buffers). */
const STOPPED_NEXT =
  "was stopped (its next task was of an aborted or timed-out call)";

/**
 * Terminates the worker of `slot` (already out of the engine's list): its
 * unanswered tasks go back to the front of `queue`, those of aborted calls
 * are dropped. Not a death: no task is blamed; but a task whose
 * transferred buffers went with the worker cannot run elsewhere: those are
 * returned, for the caller to reject, as `[task, WorkerLostError, ...]`.
 *
 * @example Usage
 * ```ts
 * import { replaceSlot } from "./_cancel.ts";
 * import { TaskQueue } from "./_task_queue.ts";
 * import { Registry } from "./_registry.ts";
 * import { Slot } from "./_slot.ts";
 *
 * replaceSlot(new Slot(1, "PoolWorker-1", undefined), new TaskQueue(), new Registry());
 * ```
 */
export function replaceSlot(
  slot: Slot,
  queue: TaskQueue,
  registry: Registry,
): unknown[] {
  void slot.stop();
  slot.stopAtHead = false;
  const started = slot.started();
  const head = slot.inflight.peek();
  const what = head === undefined || started < 0 || head.ordinal < started
    ? STOPPED
    : STOPPED_NEXT;
  const requeue: TaskRecord[] = [];
  const stranded: unknown[] = [];
  for (const task of slot.inflight.drain()) {
    if (isCancelled(task)) {
      registry.release(task.fid);
      queue.dropped++;
    } else if (movedAway(task)) {
      const error = strandedError(slot.name, what, task.ordinal < started);
      stranded.push(task, error);
    } else requeue.push(task);
  }
  queue.prependAll(requeue);
  return stranded;
}
