// This module is browser compatible.
/**
 * Stopping single tasks of a worker that runs several at once (a cluster
 * slot): see {@linkcode cancelTasks}.
 *
 * @module
 */

import type { Registry } from "./_registry.ts";
import type { Slot } from "./_slot.ts";
import type { TaskQueue } from "./_task_queue.ts";

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
