// This module is browser compatible.
/**
 * Stopping one call's work (`signal`, `timeout`): a {@linkcode CallGroup}
 * ties the tasks of one call together, and {@linkcode planAbort} decides,
 * for each worker holding some of them, what aborting the call does there.
 *
 * - Queued tasks of a cancelled group are not looked for: the sender skips
 *   them when it meets them (so 10,000 aborts cost no queue scan).
 * - A task of the group that a worker has not started is taken back through
 *   the gate (with the other unstarted tasks there, which run elsewhere).
 * - A task of the group that a worker is running stops only with its
 *   worker: the worker is replaced, and its other unanswered tasks run
 *   elsewhere (never blamed: no `WorkerLostError`).
 * - A task of the group that finished and whose result is on its way is
 *   left alone: its result is dropped on arrival.
 *
 * Without shared memory (no gate) the oldest unanswered task of a worker is
 * the one running; a cancelled task queued behind it stays there, and when
 * it becomes the oldest (the ones before it answered) its worker is
 * replaced ({@linkcode cancelledHead}).
 *
 * @module
 */

import type { Deque } from "./_deque.ts";
import type { Registry } from "./_registry.ts";
import type { Slot, TaskRecord } from "./_slot.ts";
import { CONTROL_GATE, gateNext } from "./_wire.ts";

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
  cancelled = false;
  /**
   * Its tasks sent to a worker, answered ones included until the list is
   * compacted (an answered task has no `slot`); a task taken back and sent
   * again may be listed twice. No set: hashing each task cost more than
   * the rest of a tiny task's bookkeeping.
   */
  sentTasks: TaskRecord[] | undefined = undefined;
  /** Entries of `sentTasks` not known to be answered. */
  unanswered = 0;
  /**
   * Called when a worker says one of its tasks started (tasks flagged
   * `TASK_STARTED`): where a task's own time limit starts.
   */
  onStart: ((task: TaskRecord) => void) | undefined = undefined;

  /** `task` was sent to a worker (its `slot` is set). */
  sent(task: TaskRecord): void {
    const tasks = this.sentTasks ??= [];
    tasks.push(task);
    if (++this.unanswered * 2 + 64 < tasks.length) {
      // Mostly answered: keep the others (amortised constant time).
      const kept = tasks.filter((t) => t.slot !== undefined);
      this.sentTasks = kept;
      this.unanswered = kept.length;
    }
  }

  /** `task` was answered. */
  answered(task: TaskRecord): void {
    task.slot = undefined;
    this.unanswered--;
  }
}

/**
 * The live workers holding tasks of `group` (just cancelled) that aborting
 * must visit: every one, but a worker with a gate whose tasks of the group
 * all finished (their results on the way). Forgets the group's tasks; never
 * scans a worker's queue.
 *
 * @example Usage
 * ```ts
 * import { CallGroup, slotsToVisit } from "./_cancel.ts";
 *
 * console.log(slotsToVisit(new CallGroup()).size); // 0: nothing in flight
 * ```
 */
export function slotsToVisit(group: CallGroup): Set<Slot> {
  const visit = new Set<Slot>();
  const tasks = group.sentTasks ?? [];
  group.sentTasks = undefined;
  group.unanswered = 0;
  for (const task of tasks) {
    const slot = task.slot;
    if (slot === undefined || !slot.live || visit.has(slot)) continue;
    const gate = slot.gate;
    if (gate !== undefined && Atomics.load(gate, CONTROL_GATE) >= 0) {
      // A finished task is left alone; its result is dropped on arrival.
      if (task.ordinal < gateNext(gate) - 1) continue;
    }
    visit.add(slot);
  }
  return visit;
}

/** What aborting does at one worker: see {@linkcode abortAt}. */
export interface AbortAtSlot {
  /** The worker runs a cancelled task: stop and replace it. */
  stop: boolean;
  /** Tasks taken back that are not cancelled: queue them again, first. */
  requeue: TaskRecord[];
  /** Cancelled tasks taken back: drop them. */
  dropped: TaskRecord[];
}

/**
 * Takes back the unstarted tasks of `slot` (through its gate; none
 * without), and tells whether the task it runs now is cancelled: with a
 * gate, its last started unanswered task; without, its oldest unanswered
 * one. The worker's other unanswered tasks stay in `slot.inflight` (to be
 * queued again if it is stopped).
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
  // With a gate every task left has started: the last one runs (or just
  // finished, its result on the way: stopping it then costs a re-run).
  const running = slot.gate === undefined
    ? slot.inflight.peek()
    : slot.inflight.peekLast();
  return {
    stop: running !== undefined && isCancelled(running),
    requeue,
    dropped,
  };
}

/**
 * For a worker without a gate, after it answered: whether its oldest
 * unanswered task (the one it runs now) is cancelled, so that it must be
 * replaced. Always `false` with a gate (aborting took those tasks back).
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
  if (slot.gate !== undefined) return false;
  const task = slot.inflight.peek();
  return task !== undefined && isCancelled(task);
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
 * {@linkcode replaceSlot}. Returns whether a worker was stopped.
 *
 * @example Usage
 * ```ts
 * import { abortGroup, CallGroup } from "./_cancel.ts";
 * import { Deque } from "./_deque.ts";
 * import { Registry } from "./_registry.ts";
 *
 * const group = new CallGroup();
 * group.cancelled = true;
 * console.log(abortGroup(group, new Deque(), new Registry(), () => {})); // false
 * ```
 */
export function abortGroup(
  group: CallGroup,
  queue: Deque<TaskRecord>,
  registry: Registry,
  remove: (slot: Slot) => void,
): boolean {
  let replaced = false;
  for (const slot of slotsToVisit(group)) {
    if (!slot.live) continue;
    const { stop, requeue, dropped } = abortAt(slot);
    for (const task of dropped) registry.release(task.fid);
    queue.prependAll(requeue);
    if (stop) {
      remove(slot);
      replaceSlot(slot, queue, registry);
      replaced = true;
    }
  }
  return replaced;
}

/**
 * Terminates the worker of `slot` (already out of the engine's list): its
 * unanswered tasks go back to the front of `queue`, those of aborted calls
 * are dropped. Not a death: no task is blamed.
 *
 * @example Usage
 * ```ts
 * import { replaceSlot } from "./_cancel.ts";
 * import { Deque } from "./_deque.ts";
 * import { Registry } from "./_registry.ts";
 * import { Slot } from "./_slot.ts";
 *
 * replaceSlot(new Slot(1, "PoolWorker-1", undefined), new Deque(), new Registry());
 * ```
 */
export function replaceSlot(
  slot: Slot,
  queue: Deque<TaskRecord>,
  registry: Registry,
): void {
  void slot.stop();
  const requeue: TaskRecord[] = [];
  for (const task of slot.inflight.drain()) {
    if (isCancelled(task)) registry.release(task.fid);
    else requeue.push(task);
  }
  queue.prependAll(requeue);
}
