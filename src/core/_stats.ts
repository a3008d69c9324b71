// This module is browser compatible.
/**
 * The pool's state in numbers (`pool.stats()`): counted from the queue and
 * the slots on each call, O(workers), allocating only the returned object,
 * so a dashboard may call it every frame.
 *
 * @module
 */

import { gateNext } from "./_wire.ts";
import type { Slot } from "./_slot.ts";
import type { Tally } from "./_route.ts";

/** A snapshot of a pool's state, as `pool.stats()` returns it. */
export interface PoolStats {
  /** Workers the pool keeps (its `processes`). */
  processes: number;
  /**
   * Workers started and running tasks (or with tasks sent to them). A
   * worker still starting is neither busy nor idle; after `terminate()`, or
   * once the workers of a closed pool have exited, both are 0. For a moment
   * after an abort a worker may hold only tasks of the aborted call
   * (counted `failed`, neither queued nor running): busy until it answered
   * them (or is stopped and replaced).
   */
  busy: number;
  /** Workers started and without a task (see {@linkcode PoolStats.busy}). */
  idle: number;
  /**
   * Tasks not started: waiting in the pool's queue, or sent to a worker
   * that has not started them. A `map` chunk counts as one task; items of
   * an `imap` not yet read from its input are not counted.
   */
  queued: number;
  /**
   * Tasks started and not finished (a chunk counts as one): at most one
   * per busy worker, as a worker runs one task at a time.
   */
  running: number;
  /** Tasks settled with a value since the pool started. */
  completed: number;
  /**
   * Tasks settled with an error (thrown, lost, stopped by a `signal` or
   * `timeout`, or rejected by `terminate()`) since the pool started. Once
   * all work has settled, `completed + failed` is every task submitted.
   */
  failed: number;
}

/**
 * Counts the snapshot. A slot's in-flight tasks are queued until its
 * worker starts them: with a gate, the ordinals below the gate's next have
 * started, and the last of them runs (or has just finished; those
 * finished before it, their results on the way, count neither as queued
 * nor as running); without one, the worker posts every result before starting its
 * next task, so only its oldest unanswered task can be running (none while
 * the worker is still starting).
 */
export function countStats(
  processes: number,
  queued: number,
  slots: readonly Slot[],
  tally: Tally,
  dropped: number = 0,
): PoolStats {
  let busy = 0;
  let idle = 0;
  let running = 0;
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    if (!slot.live) continue;
    const inflight = slot.inflight.size;
    const ready = slot.state === "ready";
    if (inflight === 0) {
      if (ready) idle++;
      continue;
    }
    let started: number;
    if (slot.gate !== undefined) {
      // Unstarted: the ordinals from the gate's next up to the last sent,
      // and those a revocation left it (they transferred buffers).
      const unstarted = slot.sent - gateNext(slot.gate) + slot.keptWaiting();
      started = unstarted <= 0
        ? inflight
        : unstarted >= inflight
        ? 0
        : inflight - unstarted;
    } else started = ready ? 1 : 0;
    let waiting = inflight - started;
    // Without a gate, tasks of aborted calls wait in it to be dropped.
    if (slot.cancelledAhead > 0) {
      waiting = Math.max(0, waiting - slot.cancelledAhead);
      dropped += slot.cancelledAhead; // settled: failed
    }
    // Started tasks of aborted calls: failed (settled at the abort).
    dropped += slot.cancelledRun;
    // A worker whose "ready" is still on its way may have started already.
    if (ready || started > 0) busy++;
    // One that runs a task of an aborted call (to be stopped) runs no task.
    if (started > 0 && !slot.stopAtHead) running++;
    queued += waiting;
  }
  return {
    processes,
    busy,
    idle,
    queued,
    running,
    completed: tally.completed,
    failed: tally.failed + dropped,
  };
}
