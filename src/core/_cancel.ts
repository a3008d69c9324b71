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

import { cancelTasks } from "./_cancel_tasks.ts";
import { movedAway, strandedError } from "./_blame.ts";
import { runningTask } from "./_deadline.ts";
import type { Registry } from "./_registry.ts";
import type { Slot, TaskRecord } from "./_slot.ts";
import type { TaskQueue } from "./_task_queue.ts";
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

/**
 * The live workers holding tasks of `group` (just cancelled) that aborting
 * must visit: those where the last task of the group sent there is still
 * unanswered, but a worker with a gate where it has finished (its result on
 * the way). Forgets the group's workers; never scans a worker's queue.
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
  if (group.slot !== undefined) consider(visit, group.slot, group.lastOrdinal);
  const slots = group.slots ?? [];
  const last = group.lastOrdinals ?? [];
  for (let i = 0; i < slots.length; i++) consider(visit, slots[i], last[i]);
  group.slot = group.slots = group.lastOrdinals = undefined;
  group.lastOrdinal = -1;
  return visit;
}

/** Adds `slot` to `visit` if its task of ordinal `last` may be unfinished. */
function consider(visit: Set<Slot>, slot: Slot, last: number): void {
  if (!slot.live) return;
  const head = slot.inflight.peek();
  if (head === undefined || last < head.ordinal) return; // all answered
  const gate = slot.gate;
  if (gate !== undefined && Atomics.load(gate, CONTROL_GATE) >= 0) {
    // A finished task is left alone; its result is dropped on arrival.
    if (last < gateNext(gate) - 1) return;
  }
  visit.add(slot);
}

/**
 * Up to `want` unanswered tasks of `group` that `pick` accepts: those sent
 * to `slots` first, then those in `queue`, front first. For a group that
 * lists none of its tasks (the watch of a signal shared by many calls):
 * its tasks are found here, once, when it is aborted. It stops once `want`
 * are found; `pick` runs no user code (the tasks are settled afterwards).
 *
 * @example Usage
 * ```ts
 * import { CallGroup, tasksOf } from "./_cancel.ts";
 * import { TaskQueue } from "./_task_queue.ts";
 * import { TaskRecord } from "./_slot.ts";
 *
 * const queue = new TaskQueue();
 * const group = new CallGroup();
 * const sink = { ok() {}, fail() {}, partial() {} };
 * queue.push(new TaskRecord(1, 1, 0, [], sink, "a", undefined, group));
 * queue.push(new TaskRecord(2, 1, 0, [], sink, "b", undefined));
 * console.log(tasksOf(group, queue, [], 1, () => true).map((t) => t.ctx)); // ["a"]
 * ```
 */
export function tasksOf(
  group: CallGroup,
  queue: TaskQueue,
  slots: readonly Slot[],
  want: number,
  pick: (task: TaskRecord) => boolean,
): TaskRecord[] {
  const found: TaskRecord[] = [];
  if (want <= 0) return found;
  for (const slot of slots) {
    const inflight = slot.inflight;
    for (let i = 0; i < inflight.size; i++) {
      const task = inflight.at(i)!;
      if (task.group === group && pick(task)) {
        if (found.push(task) >= want) return found;
      }
    }
  }
  for (let i = 0; i < queue.size; i++) {
    const task = queue.at(i)!;
    if (task.group === group && pick(task)) {
      if (found.push(task) >= want) return found;
    }
  }
  return found;
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
 * without; never one that transferred buffers), and tells whether the task
 * it runs now is cancelled: with a gate, its last started unanswered task;
 * without, its oldest unanswered one. The worker's other unanswered tasks
 * stay in `slot.inflight` (to be queued again if it is stopped).
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
  // With a gate: the last one it claimed (or that just finished, its result
  // on the way: stopping it then costs a re-run), maybe before kept ones.
  const running = slot.gate === undefined
    ? slot.inflight.peek()
    : runningTask(slot);
  return {
    stop: running !== undefined && isCancelled(running),
    requeue,
    dropped,
  };
}

/**
 * For a worker without a gate, after it answered: whether its oldest
 * unanswered task (the one it runs now) is cancelled, so that it must be
 * replaced. With a gate, aborting took those tasks back, but for those a
 * revocation kept (`Slot.keeps`: they transferred buffers): whether the
 * one it runs now is such a task, of an aborted call; else `false`.
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
    if (!slot.holdsKept()) return false;
    const running = runningTask(slot);
    return running !== undefined && isCancelled(running);
  }
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
): unknown[] {
  queue.cancel(group);
  const stranded: unknown[] = [];
  for (const slot of slotsToVisit(group)) {
    if (!slot.live) continue;
    if (slot.handle?.cancel !== undefined && slot.gate === undefined) {
      cancelTasks(slot, queue, registry); // its other tasks run on
      continue;
    }
    const { stop, requeue, dropped } = abortAt(slot);
    for (const task of dropped) registry.release(task.fid);
    queue.dropped += dropped.length;
    queue.prependAll(requeue);
    if (!stop && (slot.gate === undefined || slot.keeps)) {
      // Without a gate (or kept by it) they wait in the worker, dropped
      // when their turn comes: no longer work for `pool.stats()`.
      const { inflight } = slot;
      const started = slot.started(); // -1 without a gate
      for (let i = 0; i < inflight.size; i++) {
        const t = inflight.at(i)!;
        if (t.group === group && t.ordinal >= started) slot.cancelledAhead++;
      }
    }
    if (stop) {
      remove(slot);
      stranded.push(...replaceSlot(slot, queue, registry));
    }
  }
  return stranded;
}

/** What happened to a worker {@linkcode replaceSlot} stopped. */
const STOPPED = "was stopped (it ran a task of an aborted or timed-out call)";

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
  const started = slot.started();
  const requeue: TaskRecord[] = [];
  const stranded: unknown[] = [];
  for (const task of slot.inflight.drain()) {
    if (isCancelled(task)) {
      registry.release(task.fid);
      queue.dropped++;
    } else if (movedAway(task)) {
      const error = strandedError(slot.name, STOPPED, task.ordinal < started);
      stranded.push(task, error);
    } else requeue.push(task);
  }
  queue.prependAll(requeue);
  return stranded;
}
