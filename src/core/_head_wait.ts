// This module is browser compatible.
/**
 * The bound on a deferred stop. With a gate, a worker running a task of an
 * aborted call behind finished tasks whose results are on the way is
 * stopped once those results came (`Slot.stopAtHead`, checked by the
 * engine as results arrive: `cancelledHead`). A worker that held a result
 * back (it batches results while its next task is known to be short) and
 * then runs on in that task never sends it: {@linkcode HeadWait} stops such
 * a worker after {@linkcode HEAD_WAIT_MS} all the same.
 *
 * @module
 */

import { isCancelled } from "./_cancel.ts";
import { runningTask } from "./_deadline.ts";
import type { Slot } from "./_slot.ts";

/** How long a deferred stop waits for the results on the way (ms). */
export const HEAD_WAIT_MS = 100;

/**
 * A timer that fired this much later than due (ms) means a busy thread:
 * the results may wait behind it; it looks again on the next turn.
 */
const LATE_MS = 20;

/**
 * The workers whose stop waits for results on the way, and one timer.
 *
 * @example Usage
 * ```ts
 * import { HeadWait } from "./_head_wait.ts";
 * import { Slot } from "./_slot.ts";
 *
 * const wait = new HeadWait(() => {});
 * wait.add(new Slot(1, "PoolWorker-1", undefined));
 * wait.clear(); // the pool stops: no timer left
 * ```
 */
export class HeadWait {
  #stop: (slot: Slot) => void;
  /** Each waiting worker and when its wait ends (`performance.now()`). */
  #due = new Map<Slot, number>();
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #at = 0;

  /** @param stop Stops and replaces `slot` (it still runs a cancelled task). */
  constructor(stop: (slot: Slot) => void) {
    this.#stop = stop;
  }

  /** `slot` was just given `stopAtHead`: bound its wait. */
  add(slot: Slot): void {
    if (!this.#due.has(slot)) {
      this.#due.set(slot, performance.now() + HEAD_WAIT_MS);
    }
    if (this.#timer === undefined) this.#arm(HEAD_WAIT_MS);
  }

  /** The pool stops: no timer, no waits. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due.clear();
  }

  #arm(ms: number): void {
    this.#at = performance.now() + ms;
    this.#timer = setTimeout(() => this.#fire(), ms);
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    const late = now - this.#at > LATE_MS;
    let next = Infinity;
    for (const [slot, due] of [...this.#due]) {
      const running = slot.live && slot.stopAtHead
        ? runningTask(slot)
        : undefined;
      if (running === undefined || !isCancelled(running)) {
        // Stopped, or its cancelled task ended: nothing to stop.
        slot.stopAtHead = false;
        this.#due.delete(slot);
      } else if (late || now < due) {
        next = Math.min(next, late ? 0 : due - now);
      } else {
        this.#due.delete(slot);
        this.#stop(slot); // it held them back: they are lost with it
      }
    }
    if (next < Infinity) this.#arm(next);
  }
}
