// This module is browser compatible.
/**
 * The sender: turns queued tasks into messages to workers, by the
 * balancer's plan, through the wire codec. Every task sent is tracked by
 * its slot ({@linkcode Slot.track}); a task whose arguments cannot be
 * carried is handed back as refused, for the engine to reject.
 *
 * @module
 */

import type { TransferListItem } from "./adapter.ts";
import { pickVictim, planDispatch, type SlotLoad } from "./_balance.ts";
import type { TaskQueue } from "./_task_queue.ts";
import type { Registry } from "./_registry.ts";
import type { Slot, TaskRecord } from "./_slot.ts";
import type { Window } from "./_window.ts";
import {
  encodeTasks,
  MODE_MAP,
  MODE_MASK,
  MODE_STARMAP,
  oneTask,
  putDefine,
  TASK_TRANSFER,
} from "./_wire.ts";
import { clauseText, errorText } from "./_messages.ts";

/** A worker silent this long with unstarted tasks has them taken back (ms). */
export const STEAL_AFTER_MS = 20;
/** A task message carries at most about this many items (calls or chunk items). */
export const BATCH_ITEMS = 16384;

/**
 * Sends queued tasks to the workers that have room (`window` in flight at
 * most, `maxTasks` in a worker's life), least loaded first, round-robin in
 * messages of at most {@linkcode BATCH_ITEMS} items so that every worker
 * starts early when chunks are large. A task with a transfer list goes
 * only to a worker with nothing in flight, first in its message: until one
 * is idle it waits at the queue's front, and the tasks behind it with it.
 * Returns the refused tasks, flat `[task, error, ...]`, or `undefined` when
 * none was.
 */
export function dispatch(
  queue: TaskQueue,
  all: readonly Slot[],
  windows: Window,
  maxTasks: number,
  registry: Registry,
): unknown[] | undefined {
  const window = windows.size;
  // Only the slots with room: during a burst of submissions every worker
  // is usually full, and this returns before allocating anything.
  let slots: Slot[] | undefined;
  let loads: SlotLoad[] | undefined;
  const least = windows.min;
  let now = 0;
  for (let i = 0; i < all.length; i++) {
    const s = all[i];
    if (s.handle === undefined || s.stalled) continue;
    const inflight = s.inflight.size;
    const room = Math.min(window - inflight, maxTasks - s.assigned);
    if (room <= 0) continue;
    if (
      inflight >= least && s.gate === undefined && !s.unordered &&
      (now ||= performance.now()) - s.since >= STEAL_AFTER_MS
    ) {
      // Stuck on a long task, in order, and no gate to take a task back:
      // one sent now would wait there even once another worker is idle (a
      // replacement that starts); it waits here for the first to answer.
      continue;
    }
    (slots ??= []).push(s);
    (loads ??= []).push({ inflight, room });
  }
  if (slots === undefined) return undefined;
  const shares = planDispatch(queue.size, loads!);
  let refused: unknown[] | undefined;
  let more = shares.length > 0;
  while (more && queue.size > 0) {
    more = false;
    for (const share of shares) {
      if (share.count <= 0) continue;
      const slot = slots[share.slot];
      const sent = send(slot, queue, share.count, registry);
      if (typeof sent !== "number") {
        (refused ??= []).push(...sent.refused);
        share.count -= sent.count;
      } else share.count -= sent;
      // A task with a transfer list at the front waits for an idle worker
      // (see send): this one, now busy, takes nothing more in this round.
      const front = queue.at(0);
      if (front?.transfer !== undefined && waitsForIdle(front, slot)) {
        share.count = 0;
      }
      if (share.count > 0) more = true;
      if (queue.size === 0) break;
    }
  }
  return refused;
}

/**
 * Sends up to `n` queued tasks to `slot` in one message (after any
 * `forget` and `define` it needs). Returns how many it took from the queue,
 * with the refused ones when some arguments could not be cloned.
 */
export function send(
  slot: Slot,
  queue: TaskQueue,
  n: number,
  registry: Registry,
): number | { count: number; refused: unknown[] } {
  const handle = slot.handle!;
  const batch: TaskRecord[] = [];
  let defs: unknown[] | undefined;
  let transfer: TransferListItem[] | undefined;
  let items = 0;
  let lastFid = -1;
  let taken = 0;
  for (let k = 0; k < n && items < BATCH_ITEMS;) {
    const task = queue.shift();
    if (task === undefined) break;
    taken++;
    if (task.group !== undefined && task.group.cancelled) {
      // Its call was aborted while it waited: drop it here, not by a scan.
      registry.release(task.fid);
      queue.dropped++;
      continue;
    }
    if (task.transfer) {
      if (waitsForIdle(task, slot)) {
        if (k > 0 || slot.inflight.size > 0) {
          // Never queued in a worker behind another task (which an abort
          // may stop the worker for, or which may kill it): it waits here,
          // at the front, for a worker with nothing in flight.
          queue.unshift(task);
          taken--;
          break;
        }
        // Its buffers go to this worker for good: the gate never revokes it.
        if (slot.gate !== undefined) task.mode |= TASK_TRANSFER;
      }
      (transfer ??= []).push(...task.transfer);
    }
    const { fid, mode } = task;
    const m = mode & MODE_MASK; // taskMode(mode), inline: once per task
    items += m === MODE_MAP || m === MODE_STARMAP
      ? (task.payload as unknown[]).length
      : 1;
    if (fid !== lastFid) {
      lastFid = fid;
      if (!slot.known.has(fid)) {
        slot.known.add(fid);
        putDefine(defs ??= [], fid, registry.spec(fid)!);
      }
    }
    batch[k++] = task;
  }
  if (batch.length === 0) return taken;
  try {
    if (slot.forget) {
      handle.post({ type: "forget", fids: slot.forget });
      slot.forget = undefined;
    }
    if (defs) handle.post({ type: "define", defs });
  } catch (error) {
    // The transport refused a message of plain data: none of these tasks
    // can reach this worker. Refuse them (the pool goes on) and forget
    // that the worker was told of their functions.
    for (let i = 0; i < (defs?.length ?? 0); i += 2) {
      slot.known.delete(defs![i] as number);
    }
    const refused: unknown[] = [];
    for (const task of batch) {
      refused.push(
        task,
        new Error(
          `Cannot send the task function to worker '${slot.name}' as its transport refused the message: ${
            errorText(error)
          }`,
          { cause: error },
        ),
      );
    }
    return { count: taken, refused };
  }
  try {
    handle.post({ type: "tasks", tasks: encodeTasks(batch) }, transfer);
  } catch {
    // Some argument cannot be cloned: send one by one, refuse the culprits.
    const refused: unknown[] = [];
    for (const task of batch) {
      try {
        handle.post(
          {
            type: "tasks",
            tasks: oneTask(task.seq, task.fid, task.mode, task.payload),
          },
          task.transfer,
        );
        slot.track(task);
      } catch (error) {
        refused.push(
          task,
          new TypeError(
            task.transfer === undefined
              ? `Cannot send task arguments to a worker as structured clone cannot copy them: ${
                clauseText(error)
              }; pass plain data (no functions, symbols or class instances)`
              : `Cannot send task arguments to a worker as structured clone cannot copy or move them: ${
                clauseText(error)
              }; pass plain data (no functions, symbols or class instances), and list in 'transfer' only transferable objects (ArrayBuffer, MessagePort, ...), each at most once, and none already detached`,
            { cause: error },
          ),
        );
      }
    }
    return { count: taken, refused };
  }
  slot.trackAll(batch);
  return taken;
}

/**
 * Whether `task` (with a transfer list) moves objects to `slot`'s worker
 * for good, so that it is sent there only as the first task of a message
 * to a worker with nothing in flight: its buffers then never wait behind
 * another task, in a worker an abort may stop. Not for a slot that may run
 * its tasks at once (`Slot.unordered`, a cluster's): its adapter copies.
 */
function waitsForIdle(task: TaskRecord, slot: Slot): boolean {
  return task.transfer!.length > 0 && !slot.unordered;
}

/**
 * Whom to take unstarted tasks back from, when the queue is empty: only
 * when some worker is idle (and may take more), and only from a worker
 * silent for {@linkcode STEAL_AFTER_MS} (stuck on a long task); else when
 * to look again (`waitMs`, `Infinity` for no need). Needs gates (shared
 * memory): without, no worker has unstarted tasks it can tell of.
 */
export function planSteal(
  slots: readonly Slot[],
  maxTasks: number,
): { victim?: Slot; waitMs: number } {
  let idle = false;
  for (let i = 0; i < slots.length && !idle; i++) {
    const s = slots[i];
    idle = !s.stalled && s.inflight.size === 0 && s.assigned < maxTasks;
  }
  if (!idle) return NO_STEAL;
  let busy: Slot[] | undefined;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    // (A task that transferred its buffers is not taken back: the gate
    // leaves it to its worker, see Slot.revokeUnstarted.)
    if (s.unstarted() > 0) (busy ??= []).push(s);
  }
  if (busy === undefined) return NO_STEAL;
  const t = performance.now();
  const plan = pickVictim(
    busy.map((s) => ({ unstarted: s.unstarted(), silentMs: t - s.since })),
    STEAL_AFTER_MS,
  );
  return plan.victim >= 0
    ? { victim: busy[plan.victim], waitMs: Infinity }
    : { waitMs: plan.waitMs };
}

/** The plan of {@linkcode planSteal} when there is nothing to take back. */
const NO_STEAL: { victim?: Slot; waitMs: number } = Object.freeze({
  waitMs: Infinity,
});
