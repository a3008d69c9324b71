// This module is browser compatible.
/**
 * Taking back tasks no worker has started, so that their owner can run them
 * elsewhere (a cluster host gives back tasks it holds and cannot start
 * soon): see {@linkcode withdrawUnstarted}.
 *
 * @module
 */

import type { Registry } from "./_registry.ts";
import type { Slot, TaskRecord } from "./_slot.ts";
import type { TaskQueue } from "./_task_queue.ts";
import { gateNext } from "./_wire.ts";

/**
 * Takes back the tasks that `pick` accepts and no worker has started: those
 * in `queue`, and those sent to a worker with a gate that it has not
 * claimed (revoked through the gate: a task the worker claims first is
 * started, and stays). A task sent to a worker without a gate is never
 * taken back (it cannot tell whether it started), nor one that transferred
 * buffers to its worker (`Slot.revokeUnstarted` leaves it there: it runs
 * there). The worker's other unstarted tasks go back to the front of
 * `queue`. Returns the tasks taken, settled nowhere (their `sink` is not
 * called: their owner has them again), in the order they were queued or
 * sent.
 *
 * @example Usage
 * ```ts
 * import { withdrawUnstarted } from "./_withdraw.ts";
 * import { TaskQueue } from "./_task_queue.ts";
 * import { Registry } from "./_registry.ts";
 * import { TaskRecord } from "./_slot.ts";
 *
 * const queue = new TaskQueue();
 * const sink = { ok() {}, fail() {}, partial() {} };
 * queue.push(new TaskRecord(1, 1, 0, [], sink, "a", undefined));
 * queue.push(new TaskRecord(2, 1, 0, [], sink, "b", undefined));
 * const taken = withdrawUnstarted(queue, [], new Registry(), (t) => t.ctx === "b");
 * console.log(taken.map((t) => t.ctx), queue.size); // ["b"] 1
 * ```
 */
export function withdrawUnstarted(
  queue: TaskQueue,
  slots: readonly Slot[],
  registry: Registry,
  pick: (task: TaskRecord) => boolean,
): TaskRecord[] {
  const taken: TaskRecord[] = [];
  for (const slot of slots) {
    if (
      !slot.live || slot.gate === undefined || !holdsUnstarted(slot, pick)
    ) continue;
    const keep: TaskRecord[] = [];
    for (const task of slot.revokeUnstarted()) {
      (pick(task) ? taken : keep).push(task);
    }
    queue.prependAll(keep);
  }
  let found = false;
  for (let i = 0; i < queue.size && !found; i++) found = pick(queue.at(i)!);
  if (found) {
    const keep: TaskRecord[] = [];
    for (const task of queue.drain()) (pick(task) ? taken : keep).push(task);
    queue.prependAll(keep);
  }
  for (const task of taken) registry.release(task.fid);
  return taken;
}

/** Whether `slot` holds an unclaimed task that `pick` accepts (a guess: the gate decides). */
function holdsUnstarted(
  slot: Slot,
  pick: (task: TaskRecord) => boolean,
): boolean {
  const next = gateNext(slot.gate!);
  const inflight = slot.inflight;
  for (let i = inflight.size - 1; i >= 0; i--) {
    const task = inflight.at(i)!;
    if (task.ordinal < next) return false; // it and the ones before started
    if (pick(task)) return true;
  }
  return false;
}
