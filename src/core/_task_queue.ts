// This module is browser compatible.
/**
 * The pool's queue of tasks not yet sent to a worker, counting what is
 * still work in it (see {@linkcode TaskQueue}).
 *
 * @module
 */

import { Deque } from "./_deque.ts";
import type { CallGroup } from "./_cancel.ts";
import type { TaskRecord } from "./_slot.ts";

/**
 * The pool's queue of tasks not sent. It counts the tasks of each group in
 * it ({@linkcode CallGroup.queued}) and those of cancelled groups, which
 * stay until the sender meets and drops them (no scan per abort) but are
 * no longer work: {@linkcode TaskQueue.waiting} leaves them out.
 *
 * @example Usage
 * ```ts
 * import { CallGroup } from "./_cancel.ts";
 * import { TaskQueue } from "./_task_queue.ts";
 * import { TaskRecord } from "./_slot.ts";
 *
 * const queue = new TaskQueue();
 * const group = new CallGroup();
 * const sink = { ok() {}, fail() {}, partial() {} };
 * queue.push(new TaskRecord(1, 1, 0, [], sink, undefined, undefined, group));
 * group.cancelled = true;
 * queue.cancel(group);
 * console.log(queue.size, queue.waiting); // 1 0
 * ```
 */
export class TaskQueue {
  /**
   * The tasks. A member, not a base class: the slots' in-flight deques and
   * this queue then give `Deque`'s methods one kind of object, and engines
   * keep those call sites monomorphic (measured on Bun's fresh processes).
   */
  readonly #items = new Deque<TaskRecord>();
  /** Tasks in it whose group is cancelled. */
  cancelled = 0;
  /**
   * Tasks of cancelled groups dropped so far, wherever they were (this
   * queue, a worker's unstarted ones, a stopped worker's): each settled
   * with an error, so `pool.stats()` counts them `failed`.
   */
  dropped = 0;

  /**
   * Tasks of cancelled groups dropped, or in it to be dropped: settled
   * with an error (`pool.stats().failed` counts them).
   */
  get failed(): number {
    return this.dropped + this.cancelled;
  }

  /** Number of tasks in it. */
  get size(): number {
    return this.#items.size;
  }

  /** Tasks in it that are still work: `size` less the cancelled ones. */
  get waiting(): number {
    return this.size - this.cancelled;
  }

  /** `group` was just cancelled: its queued tasks are no longer work. */
  cancel(group: CallGroup): void {
    this.cancelled += group.queued;
  }

  /** The task `i` places from the front (0: the front), not removed. */
  at(i: number): TaskRecord | undefined {
    return this.#items.at(i);
  }

  /** Appends `task` at the back. */
  push(task: TaskRecord): void {
    const group = task.group;
    if (group !== undefined) this.#enter(group);
    this.#items.push(task);
  }

  /** Puts `task` at the front. */
  unshift(task: TaskRecord): void {
    const group = task.group;
    if (group !== undefined) this.#enter(group);
    this.#items.unshift(task);
  }

  /** Puts `tasks` at the front, in their order (work taken back). */
  prependAll(tasks: readonly TaskRecord[]): void {
    for (let i = 0; i < tasks.length; i++) {
      const group = tasks[i].group;
      if (group !== undefined) this.#enter(group);
    }
    this.#items.prependAll(tasks);
  }

  /** Removes and returns the front task, or `undefined` when empty. */
  shift(): TaskRecord | undefined {
    const task = this.#items.shift();
    const group = task?.group;
    if (group !== undefined) this.#leave(group);
    return task;
  }

  /** Removes and returns the back task, or `undefined` when empty. */
  pop(): TaskRecord | undefined {
    const task = this.#items.pop();
    const group = task?.group;
    if (group !== undefined) this.#leave(group);
    return task;
  }

  /** Removes and returns every task, front first. */
  drain(): TaskRecord[] {
    const tasks = this.#items.drain();
    for (let i = 0; i < tasks.length; i++) {
      const group = tasks[i].group;
      if (group !== undefined) group.queued--;
    }
    this.cancelled = 0;
    return tasks;
  }

  #enter(group: CallGroup): void {
    group.queued++;
    if (group.cancelled) this.cancelled++;
  }

  #leave(group: CallGroup): void {
    group.queued--;
    if (group.cancelled) this.cancelled--;
  }
}
