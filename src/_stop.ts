// This module is browser compatible.
/**
 * The calling side of `signal` and `timeout`. When a call's signal fires or
 * its time runs out, the call is settled with the signal's reason (or a
 * `TimeoutError`) and the engine stops its tasks (`Engine.abort`).
 *
 * - A call with a time limit gets a {@linkcode CallStop}: its timer and its
 *   own group of tasks.
 * - Calls with a signal and no time limit share the {@linkcode SignalWatch}
 *   of their signal (in their pool) as their group (`_signal_watch.ts`).
 *
 * Calls with neither option pay nothing.
 *
 * @module
 */

import { CallGroup, type Engine } from "./core/_engine.ts";
import type { TaskSink } from "./core/_wire.ts";
import { type AsyncResult, settleResult } from "./async_result.ts";
import { APPLY_SINK } from "./_result_sinks.ts";
import { type CancelTimer, startTimer } from "./core/_timer.ts";
import { TimeoutError } from "./core/errors.ts";
import {
  type SignalWatch,
  type Watched,
  watchEntry,
  watchSignal,
} from "./_signal_watch.ts";

export {
  SignalWatch,
  type Watched,
  watchLive,
  watchSignal,
} from "./_signal_watch.ts";

/** The time limit that applies: the call's `timeout`, else the pool's `taskTimeout`. */
export function limitSeconds(
  timeout: number | undefined,
  taskTimeout: number | undefined,
): number | undefined {
  const seconds = timeout ?? taskTimeout;
  return seconds === undefined || seconds === Infinity ? undefined : seconds;
}

/**
 * A call with a time limit (and maybe a signal): its timer, and the group
 * of its tasks.
 */
export class CallStop extends CallGroup implements Watched {
  /** The result to reject, or the function that settles the call. */
  readonly target: AsyncResult<unknown> | ((reason: unknown) => void);
  /** Neighbours among the calls watching the same signal. */
  prevCall: CallStop | undefined = undefined;
  /** See {@linkcode CallStop.prevCall}. */
  nextCall: CallStop | undefined = undefined;
  #engine: Engine;
  #watch: SignalWatch | undefined;
  #cancelTimer: CancelTimer | undefined;
  #done = false;
  #what: string;
  #seconds: number | undefined;

  /**
   * Starts watching. An already-aborted signal settles the call at once
   * (before this returns) and cancels the group, so that no task of it is
   * queued.
   *
   * @param engine The pool's engine.
   * @param signal The call's `signal`, if any.
   * @param seconds The time limit, if any.
   * @param fromStart `true`: the limit runs from when the (single) task
   *   starts (`apply`); `false`: from now (the map family, `imap`).
   * @param what What the call is, for the `TimeoutError` message.
   * @param target The result to reject, or a function that settles the
   *   call with a rejection.
   */
  constructor(
    engine: Engine,
    signal: AbortSignal | undefined,
    seconds: number | undefined,
    fromStart: boolean,
    what: string,
    target: AsyncResult<unknown> | ((reason: unknown) => void),
  ) {
    super();
    this.#engine = engine;
    this.target = target;
    this.#what = what;
    this.#seconds = seconds;
    if (signal?.aborted) {
      this.abort(signal.reason);
      return;
    }
    if (signal !== undefined) {
      this.#watch = watchSignal(signal, engine);
      this.#watch.link(this);
    }
    if (seconds === undefined) return;
    if (fromStart) {
      // Watched by the engine with one timer for every such call.
      this.startLimitMs = seconds * 1000;
      engine.limits.add(this.startLimitMs);
    } else {
      this.deadline = performance.now() + seconds * 1000;
      this.#cancelTimer = startTimer(() => this.expire(), seconds * 1000);
    }
  }

  /** Its time ran out: rejects with `TimeoutError` and stops its work. */
  override expire(): void {
    this.abort(
      new TimeoutError(
        this.startLimitMs !== undefined
          ? `${this.#what} did not finish within ${this.#seconds} seconds of starting (timeout); it was stopped`
          : `${this.#what} did not finish within ${this.#seconds} seconds (timeout); its unfinished tasks were stopped`,
      ),
    );
  }

  /** This: its own group. */
  get group(): CallGroup {
    return this;
  }

  /** Aborts the call with `reason`, unless it has settled. */
  abort(reason: unknown): void {
    if (this.#done) return;
    this.finish();
    const target = this.target;
    if (typeof target === "function") target(reason);
    else settleResult(target, false, reason);
    this.#engine.abort(this);
  }

  /** The call settled: stop watching (stops listening, clears the timer). */
  finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.startLimitMs !== undefined) this.#engine.limits.remove();
    this.#watch?.unlink(this);
    this.#watch = undefined;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }
}

/** A group that takes no task: for a call whose signal was aborted already. */
const ABORTED: Watched = (() => {
  const group = new CallGroup();
  group.cancelled = true;
  return { group, finish() {} };
})();

/**
 * Watches a map-family or `imap` call: its `signal` and its time limit
 * (`seconds`, from now). `settle` rejects the call; it runs at once, and
 * the group returned is cancelled, when the signal was aborted already.
 * `undefined` (nothing to pay) for a call with neither option.
 */
export function watchCall(
  engine: Engine,
  signal: AbortSignal | undefined,
  seconds: number | undefined,
  what: string,
  settle: (reason: unknown) => void,
): Watched | undefined {
  if (seconds !== undefined) {
    return new CallStop(engine, signal, seconds, false, what, settle);
  }
  if (signal === undefined) return undefined;
  if (signal.aborted) {
    settle(signal.reason);
    return ABORTED;
  }
  return watchEntry(signal, engine, settle);
}

/**
 * The sink of an `apply` task that can be stopped: its context is its
 * {@linkcode CallStop}, whose target is the result; the outcome stops the
 * watching, then settles the result as {@linkcode APPLY_SINK} does.
 */
export const STOPPABLE_APPLY_SINK: TaskSink = {
  ok(ctx: unknown, value: unknown): void {
    const stop = ctx as CallStop;
    stop.finish();
    APPLY_SINK.ok(stop.target, value);
  },
  fail(ctx: unknown, error: unknown): void {
    const stop = ctx as CallStop;
    stop.finish();
    APPLY_SINK.fail(stop.target, error);
  },
  partial(ctx: unknown, values: unknown[], errors: [number, Error][]): void {
    const stop = ctx as CallStop;
    stop.finish();
    APPLY_SINK.partial(stop.target, values, errors);
  },
};
