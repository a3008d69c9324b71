// This module is browser compatible.
/**
 * Result routing: a worker's batch of results goes to the sinks of its
 * oldest in-flight tasks, in order (a worker answers in the order it was
 * sent tasks), decoded by the wire codec; a worker whose adapter says it
 * may answer out of order (`WorkerAdapter.unordered`) can answer any of its
 * tasks in flight. A result for any other task is a protocol slip: a
 * {@linkcode WireError}, never skipped. The result of a
 * task whose call was aborted (its `CallGroup` cancelled) is dropped.
 *
 * @module
 */

import type { Registry } from "./_registry.ts";
import type { Slot, TaskRecord } from "./_slot.ts";
import type { CallGroup } from "./_cancel.ts";
import {
  deliverResult,
  RESULT_STRIDE,
  resultCount,
  resultOk,
  resultSeq,
  STATUS_OK,
  WireError,
} from "./_wire.ts";

/** Tasks settled since the pool started, by outcome (`pool.stats()`). */
export interface Tally {
  /** Settled with a value. */
  completed: number;
  /** Settled with an error. */
  failed: number;
}

/**
 * Whether `task`'s call has run out of time: for a limit from the task's
 * start, the task was seen running (`slot.runTask`, see `StartLimits`)
 * longer than it, or the worker measured it so (`busy`, when it is
 * `alone` in its batch); else the call's deadline has passed.
 */
function pastLimit(
  group: CallGroup,
  task: TaskRecord,
  slot: Slot,
  alone: boolean,
  busy: number | undefined,
): boolean {
  const limit = group.startLimitMs;
  const now = performance.now();
  if (limit === undefined) return now >= group.deadline;
  // Seen running since runSince; or, alone in its batch, the worker's own
  // measure of it (when this thread was too busy to see it start).
  return (slot.runTask === task && now - slot.runSince >= limit) ||
    (alone && busy !== undefined && busy >= limit);
}

/**
 * For a worker that may answer out of order (`Slot.unordered`): task `seq`
 * taken out of the slot's in flight (looked for from the second: the
 * first was not it), or `undefined` when it is not there.
 */
function takeLater(slot: Slot, seq: unknown): TaskRecord | undefined {
  const inflight = slot.inflight;
  const n = inflight.size;
  for (let i = 1; i < n; i++) {
    if (inflight.at(i)!.seq === seq) return inflight.removeAt(i);
  }
  return undefined;
}

/**
 * Settles the tasks `results` answer, oldest first, and returns how many.
 * Stops early if the slot dies meanwhile (a sink's callback stopped the
 * pool: the rest were rejected with it). A task whose call ran out of
 * time before its result came expires the call instead (see `pastLimit`;
 * `busy` is the worker's measure of the batch). The result of a task of
 * an aborted call is dropped and counted `failed`.
 *
 * @throws {WireError} If a result names another task than the slot's
 *   oldest in flight (any of its tasks in flight, for an unordered one), or
 *   has an unknown status (that task fails with it).
 */
export function routeResults(
  slot: Slot,
  results: readonly unknown[],
  registry: Registry,
  tally: Tally,
  busy?: number,
): number {
  const n = resultCount(results);
  const inflight = slot.inflight;
  for (let k = 0; k < n; k++) {
    let task = inflight.peek();
    // The fields of result k, read here rather than through resultSeq()
    // and resultOk(): a call per field per result costs in the first
    // (interpreted) thousands of results of every fresh process.
    const j = k * RESULT_STRIDE;
    if (task !== undefined && task.seq === results[j]) {
      inflight.shift(); // slot.answered(), its unref once the batch is done
    } else {
      const head = task;
      task = slot.unordered ? takeLater(slot, results[j]) : undefined;
      if (task === undefined) {
        throw new WireError(
          `worker '${slot.name}' sent a result for task ${
            resultSeq(results, k)
          }, expected ${
            slot.unordered ? "one of its tasks in flight" : head?.seq ?? "none"
          }`,
        );
      }
    }
    slot.done++;
    registry.release(task.fid);
    const group = task.group;
    if (group !== undefined) {
      if (
        (group.startLimitMs !== undefined || group.deadline !== Infinity) &&
        !group.cancelled && pastLimit(group, task, slot, n === 1, busy)
      ) {
        // Its time ran out before its result came (timers fire late when
        // this thread was busy): it times out, as its timer would have.
        group.expire();
        if (slot.state === "dead") {
          tally.failed++;
          return k + 1;
        }
      }
      if (group.cancelled) {
        tally.failed++; // its call was aborted (settled so): drop the result
        if (task.counted) slot.cancelledRun--;
        else if (slot.cancelledAhead > 0) slot.cancelledAhead--;
        continue;
      }
    }
    if (results[j + 1] === STATUS_OK && task.rare === undefined) {
      tally.completed++;
      task.sink.ok(task.ctx, results[j + 2]);
    } else {
      try {
        if (task.progressFailed) {
          // Its onProgress threw: that error is the task's outcome.
          tally.failed++;
          task.sink.fail(task.ctx, task.progressError);
        } else {
          if (resultOk(results, k)) tally.completed++;
          else tally.failed++;
          deliverResult(results, k, task.sink, task.ctx);
        }
      } catch (error) {
        if (error instanceof WireError) task.sink.fail(task.ctx, error);
        throw error;
      }
    }
    if (slot.state === "dead") return k + 1;
  }
  if (inflight.size === 0) slot.handle?.unref?.(); // idle now
  return n;
}

/**
 * Settles each task of flat `[task, error, ...]` with its error on this
 * side (or with its `onProgress`'s error, which wins), counted as failed.
 */
export function failTasks(
  failed: readonly unknown[],
  tally: Tally,
  registry: Registry,
): void {
  for (let i = 0; i < failed.length; i += 2) {
    const task = failed[i] as TaskRecord;
    tally.failed++;
    task.sink.fail(
      task.ctx,
      task.progressFailed ? task.progressError : failed[i + 1],
    );
    registry.release(task.fid);
  }
}
