// This module is browser compatible.
/**
 * The calling side of `signal` and `timeout`: a {@linkcode CallStop}
 * watches one call's signal and time limit, settles the call with the
 * signal's reason (or a `TimeoutError`) when either fires, and tells the
 * engine to stop the call's tasks (`Engine.abort`). When the call settles
 * first, it stops listening and its timer is cleared (a long-lived signal
 * shared by many calls does not gather listeners: the calls on one signal
 * share one listener). Calls with neither option get no
 * `CallStop` and pay nothing.
 *
 * @module
 */

import { CallGroup, type Engine } from "./core/_engine.ts";
import type { TaskSink } from "./core/_wire.ts";
import { APPLY_SINK, type AsyncResult, settleResult } from "./async_result.ts";
import { type CancelTimer, startTimer } from "./core/_timer.ts";
import { TimeoutError } from "./core/errors.ts";

/** The time limit that applies: the call's `timeout`, else the pool's `taskTimeout`. */
export function limitSeconds(
  timeout: number | undefined,
  taskTimeout: number | undefined,
): number | undefined {
  const seconds = timeout ?? taskTimeout;
  return seconds === undefined || seconds === Infinity ? undefined : seconds;
}

/**
 * The calls watching one signal, in a doubly linked list through the calls
 * themselves (no set: hashing each call cost a fifth of a tiny task,
 * measured on Node 24), and the one listener they share.
 */
interface Watchers {
  head: CallStop | undefined;
  listener: () => void;
}

/**
 * One `abort` listener per signal, however many calls use it: an
 * `EventTarget` adds and removes listeners in time linear in their number
 * (100,000 calls on one signal took minutes).
 */
const WATCHERS = new WeakMap<AbortSignal, Watchers>();
/** The signal used last while calls still watch it, and its watchers. */
let lastSignal: AbortSignal | undefined;
let lastWatchers: Watchers | undefined;

function watchersOf(signal: AbortSignal): Watchers | undefined {
  return signal === lastSignal ? lastWatchers : WATCHERS.get(signal);
}

function listen(signal: AbortSignal, call: CallStop): void {
  let watchers = watchersOf(signal);
  if (watchers === undefined) {
    const w: Watchers = {
      head: undefined,
      listener: () => {
        forget(signal);
        let each = w.head;
        w.head = undefined;
        while (each !== undefined) {
          const next = each.nextCall;
          each.prevCall = each.nextCall = undefined;
          each.abort(signal.reason);
          each = next;
        }
      },
    };
    watchers = w;
    WATCHERS.set(signal, w);
    signal.addEventListener("abort", w.listener, { once: true });
  }
  lastSignal = signal;
  lastWatchers = watchers;
  const head = watchers.head;
  call.nextCall = head;
  if (head !== undefined) head.prevCall = call;
  watchers.head = call;
}

function unlisten(signal: AbortSignal, call: CallStop): void {
  const watchers = watchersOf(signal);
  if (watchers === undefined) return;
  const { prevCall, nextCall } = call;
  if (prevCall !== undefined) prevCall.nextCall = nextCall;
  else if (watchers.head === call) watchers.head = nextCall;
  else return; // not in the list (its signal fired)
  if (nextCall !== undefined) nextCall.prevCall = prevCall;
  call.prevCall = call.nextCall = undefined;
  if (watchers.head === undefined) {
    forget(signal);
    signal.removeEventListener("abort", watchers.listener);
  }
}

/** No call watches `signal` any more (or it fired). */
function forget(signal: AbortSignal): void {
  WATCHERS.delete(signal);
  if (lastSignal === signal) lastSignal = lastWatchers = undefined;
}

/** Stops one call on its signal or time limit; the engine's group of its tasks. */
export class CallStop extends CallGroup {
  /** The result to reject, or the function that settles the call. */
  readonly target: AsyncResult<unknown> | ((reason: unknown) => void);
  /** Neighbours among the calls watching the same signal. */
  prevCall: CallStop | undefined = undefined;
  /** See {@linkcode CallStop.prevCall}. */
  nextCall: CallStop | undefined = undefined;
  #engine: Engine;
  #signal: AbortSignal | undefined;
  #cancelTimer: CancelTimer | undefined;
  #done = false;

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
    if (signal?.aborted) {
      this.abort(signal.reason);
      return;
    }
    if (signal !== undefined) {
      this.#signal = signal;
      listen(signal, this);
    }
    if (seconds !== undefined) {
      const arm = () => {
        this.#cancelTimer ??= startTimer(
          () =>
            this.abort(
              new TimeoutError(
                fromStart
                  ? `${what} did not finish within ${seconds} seconds of starting (timeout); it was stopped`
                  : `${what} did not finish within ${seconds} seconds (timeout); its unfinished tasks were stopped`,
              ),
            ),
          seconds * 1000,
        );
      };
      if (fromStart) this.onStart = arm;
      else arm();
    }
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
    this.onStart = undefined;
    if (this.#signal !== undefined) unlisten(this.#signal, this);
    this.#signal = undefined;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }
}

/**
 * A {@linkcode CallStop} for a call with a `signal` or a time limit;
 * `undefined` (nothing to pay) for a call with neither.
 */
export function watchCall(
  engine: Engine,
  signal: AbortSignal | undefined,
  seconds: number | undefined,
  fromStart: boolean,
  what: string,
  target: AsyncResult<unknown> | ((reason: unknown) => void),
): CallStop | undefined {
  if (signal === undefined && seconds === undefined) return undefined;
  return new CallStop(engine, signal, seconds, fromStart, what, target);
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
