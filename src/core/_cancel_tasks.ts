// This module is browser compatible.
/**
 * Finding the tasks of one call ({@linkcode tasksOf}) and the workers that
 * hold some ({@linkcode slotsToVisit}), counting those a worker holds as failed
 * ({@linkcode countCancelled}), and stopping single tasks of a worker that
 * runs several at once (a cluster slot): see {@linkcode cancelTasks}.
 *
 * @module
 */

import type { CallGroup } from "./_cancel.ts";
import type { Registry } from "./_registry.ts";
import type { Slot, TaskRecord } from "./_slot.ts";
import type { TaskQueue } from "./_task_queue.ts";
import { CONTROL_GATE, gateNext } from "./_wire.ts";

/**
 * For a worker whose handle stops single tasks
 * (`WorkerHandle.cancel`, a worker that may run several at once):
 * takes its tasks of aborted calls out of `slot.inflight` (dropped) and
 * tells the handle to stop just those; the worker and its other tasks run
 * on. Returns how many it took out.
 *
 * @example Usage
 * ```ts
 * import { cancelTasks } from "./_cancel_tasks.ts";
 * import { TaskQueue } from "./_task_queue.ts";
 * import { Registry } from "./_registry.ts";
 * import { Slot } from "./_slot.ts";
 *
 * const slot = new Slot(1, "PoolWorker-1", undefined);
 * console.log(cancelTasks(slot, new TaskQueue(), new Registry())); // 0
 * ```
 */
export function cancelTasks(
  slot: Slot,
  queue: TaskQueue,
  registry: Registry,
): number {
  const inflight = slot.inflight;
  const seqs: number[] = [];
  for (let i = inflight.size - 1; i >= 0; i--) {
    const task = inflight.at(i)!;
    if (task.group === undefined || !task.group.cancelled) continue;
    inflight.removeAt(i);
    registry.release(task.fid);
    seqs.push(task.seq);
  }
  if (seqs.length === 0) return 0;
  queue.dropped += seqs.length;
  const handle = slot.handle!;
  if (inflight.size === 0) handle.unref?.(); // idle now
  try {
    handle.cancel!(seqs);
  } catch {
    // a custom handle's fault: those calls are settled all the same
  }
  return seqs.length;
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
 * import { CallGroup } from "./_cancel.ts";
 * import { tasksOf } from "./_cancel_tasks.ts";
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

/**
 * The live workers holding tasks of `group` (just cancelled) that aborting
 * must visit: those where the last task of the group sent there is still
 * unanswered, but a worker with a gate where it has finished (its result on
 * the way). Forgets the group's workers; never scans a worker's queue.
 *
 * @example Usage
 * ```ts
 * import { CallGroup } from "./_cancel.ts";
 * import { slotsToVisit } from "./_cancel_tasks.ts";
 *
 * console.log(slotsToVisit(new CallGroup()).size); // 0: nothing in flight
 * ```
 */
export function slotsToVisit(
  group: CallGroup,
  finished: Slot[] = [],
): Set<Slot> {
  const visit = new Set<Slot>();
  const { slot: first, lastOrdinal } = group;
  if (first !== undefined) consider(visit, finished, first, lastOrdinal);
  const slots = group.slots ?? [];
  const last = group.lastOrdinals ?? [];
  for (let i = 0; i < slots.length; i++) {
    consider(visit, finished, slots[i], last[i]);
  }
  group.slot = group.slots = group.lastOrdinals = undefined;
  group.lastOrdinal = -1;
  return visit;
}

/**
 * Adds `slot` to `visit` if its task of ordinal `last` may be unfinished,
 * or to `finished` if it has finished, its result on the way.
 */
function consider(
  visit: Set<Slot>,
  finished: Slot[],
  slot: Slot,
  last: number,
): void {
  if (!slot.live) return;
  const head = slot.inflight.peek();
  if (head === undefined || last < head.ordinal) return; // all answered
  const gate = slot.gate;
  if (gate !== undefined && Atomics.load(gate, CONTROL_GATE) >= 0) {
    // A finished task is left alone; its result is dropped on arrival.
    if (last < gateNext(gate) - 1) return void finished.push(slot);
  }
  visit.add(slot);
}

/**
 * Counts as failed now the tasks of `group`, just cancelled, that `slot`'s
 * worker holds (it is not stopped): their calls settled at the abort. Those
 * it started and has not answered (with a gate: finished, their results on
 * the way, or the one it runs) in `Slot.cancelledRun`, marked `counted`;
 * those it has not started, and will drop when their turn comes (without
 * a gate, or kept by it), in `Slot.cancelledAhead`.
 */
export function countCancelled(slot: Slot, group: CallGroup): void {
  const gated = slot.gate !== undefined;
  const waits = !gated || slot.keeps;
  const { inflight } = slot;
  const started = slot.started(); // -1 without a gate
  for (let i = 0; i < inflight.size; i++) {
    const task = inflight.at(i)!;
    if (task.group !== group) continue;
    if (task.ordinal >= started) {
      if (waits) slot.cancelledAhead++;
    } else if (gated) {
      task.counted = true;
      slot.cancelledRun++;
    }
  }
}
