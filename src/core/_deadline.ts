// This module is browser compatible.
/**
 * Time limits that run from a task's start (`apply`'s `timeout`, the pool's
 * `taskTimeout`), watched by the engine with one timer for all of them: no
 * timer and no `started` message per task.
 *
 * The engine sees which task each worker runs without being told: with a
 * gate (shared memory) the worker's claimed ordinal names it; without, the
 * oldest unanswered task is the one running (such a worker posts every
 * result before its next task). {@linkcode StartLimits.observe} notes when a
 * worker's running task changes (that is when the new one started, as seen
 * from here) and stops a task that has run past its limit. It runs when a
 * worker's results arrive and on a tick, every {@linkcode tickFor} of the
 * shortest live limit (1/16 of it, 1 to 250 ms), only while calls with such
 * a limit are unsettled: a task is stopped no earlier than its limit after
 * it started, and at most one tick later.
 *
 * A worker that may run several of its tasks at once (`Slot.unordered`, a
 * cluster slot) is sent its limited tasks flagged `TASK_STARTED`: each
 * one's limit counts from its `started` note ({@linkcode StartLimits.started}),
 * and every such task of the slot is watched, not only its oldest.
 *
 * @module
 */

import type { CallGroup } from "./_cancel.ts";
import type { Slot, TaskRecord } from "./_slot.ts";

/** The longest tick (ms). */
export const MAX_TICK_MS = 250;

/**
 * The tick for a limit of `limitMs`: 1/16 of it, at least 1 ms, at most
 * {@linkcode MAX_TICK_MS}.
 *
 * @example Usage
 * ```ts
 * import { tickFor } from "./_deadline.ts";
 *
 * console.log(tickFor(200)); // 12.5
 * ```
 */
export function tickFor(limitMs: number): number {
  return Math.min(MAX_TICK_MS, Math.max(1, limitMs / 16));
}

/**
 * The task `slot`'s worker runs now (or has just finished, its result on
 * the way), or `undefined`. With a gate: the last one it started (the
 * highest ordinal below `Slot.started()`; ordinals have gaps where tasks
 * were taken back, and tasks kept then for their transferred buffers may
 * wait after it); without, the oldest unanswered once the worker is
 * ready.
 *
 * @example Usage
 * ```ts
 * import { runningTask } from "./_deadline.ts";
 * import { Slot } from "./_slot.ts";
 *
 * console.log(runningTask(new Slot(1, "PoolWorker-1", undefined))); // undefined
 * ```
 */
export function runningTask(slot: Slot): TaskRecord | undefined {
  const inflight = slot.inflight;
  const head = inflight.peek();
  if (head === undefined) return undefined;
  const gate = slot.gate;
  if (gate === undefined) return slot.state === "ready" ? head : undefined;
  const started = slot.started();
  let i = started - 1 - head.ordinal; // its index, if no ordinal is missing
  if (i < 0) return undefined;
  if (i >= inflight.size) i = inflight.size - 1;
  for (; i >= 0; i--) {
    const task = inflight.at(i)!;
    if (task.ordinal < started) return task; // at once, but after a gap
  }
  return undefined;
}

/**
 * The engine's watch over time limits from a task's start.
 *
 * @example Usage
 * ```ts
 * import { StartLimits } from "./_deadline.ts";
 *
 * const limits = new StartLimits(() => []);
 * limits.add(1000); // a call with a 1 s limit from its start
 * limits.remove(); // it settled: the tick stops
 * ```
 */
export class StartLimits {
  #slots: () => readonly Slot[];
  /** Unsettled calls with such a limit. */
  #live = 0;
  #tickMs = MAX_TICK_MS;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #stopped = false;
  /** When limited tasks of unordered slots started, and where. */
  #startedAt = new WeakMap<TaskRecord, { at: number; slot: Slot }>();

  /** @param slots The engine's live slots, read on every tick. */
  constructor(slots: () => readonly Slot[]) {
    this.#slots = slots;
  }

  /** A call whose task has a limit of `limitMs` from its start is submitted. */
  add(limitMs: number): void {
    this.#live++;
    const tick = tickFor(limitMs);
    if (tick < this.#tickMs) {
      this.#tickMs = tick;
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
    }
    this.#arm(this.#tickMs);
  }

  /** A call counted by {@linkcode StartLimits.add} settled. */
  remove(): void {
    if (--this.#live > 0) return;
    this.#live = 0;
    this.#tickMs = MAX_TICK_MS;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The pool stops: no more ticks. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Notes which task `slot` runs (when it changed, it started now) and, if
   * that task has run past its limit, expires its call (which stops it).
   * Returns the ms until that task's limit, `Infinity` when none applies.
   */
  observe(slot: Slot, now: number): number {
    if (this.#live === 0) return Infinity;
    const task = runningTask(slot);
    if (task !== slot.runTask) {
      slot.runTask = task;
      slot.runSince = now;
    }
    if (slot.unordered) return this.#each(slot, now);
    const group = task?.group;
    const limit = group?.startLimitMs;
    if (limit === undefined || group!.cancelled) return Infinity;
    const left = slot.runSince + limit - now;
    if (left > 0) return left;
    group!.expire();
    return Infinity;
  }

  /**
   * A `started` note of `task` from `slot` (sent for `TASK_STARTED` tasks):
   * a limited task's limit counts from now; the note goes on to its sink.
   */
  readonly started = (task: TaskRecord, slot: Slot): void => {
    if (task.group?.startLimitMs !== undefined) {
      this.#startedAt.set(task, { at: performance.now(), slot });
    }
    task.sink.started?.(task.ctx);
  };

  /**
   * `slot` runs several tasks at once: each limited one counts from its
   * `started` note from this slot (the oldest, without one, from when it
   * became the oldest); those past their limits are expired.
   */
  #each(slot: Slot, now: number): number {
    let next = Infinity;
    let expired: CallGroup[] | undefined;
    const inflight = slot.inflight;
    for (let i = 0; i < inflight.size; i++) {
      const task = inflight.at(i)!;
      const group = task.group;
      const limit = group?.startLimitMs;
      if (limit === undefined || group!.cancelled) continue;
      const seen = this.#startedAt.get(task);
      const since = seen?.slot === slot
        ? seen.at
        : i === 0 && task === slot.runTask
        ? slot.runSince
        : NaN;
      const left = since + limit - now;
      if (left > 0) next = Math.min(next, left);
      else if (left <= 0) (expired ??= []).push(group!);
    }
    for (const group of expired ?? []) group.expire();
    return next;
  }

  #arm(ms: number): void {
    if (this.#timer !== undefined || this.#stopped || this.#live === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#tick();
    }, ms);
  }

  #tick(): void {
    const now = performance.now();
    let next = this.#tickMs;
    for (const slot of [...this.#slots()]) {
      if (!slot.live) continue;
      const left = this.observe(slot, now);
      if (left < next) next = left;
    }
    this.#arm(next);
  }
}
