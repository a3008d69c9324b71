// This module is browser compatible.
/**
 * The calling side of `signal` and `timeout`: a {@linkcode CallStop}
 * watches one call's signal and time limit, settles the call with the
 * signal's reason (or a `TimeoutError`) when either fires, and tells the
 * engine to stop the call's tasks (`Engine.abort`). When the call settles
 * first, its listener and timer are removed (a long-lived signal shared by
 * many calls does not gather listeners). Calls with neither option get no
 * `CallStop` and pay nothing.
 *
 * @module
 */

import { CallGroup, type Engine } from "./core/_engine.ts";
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

/** Stops one call on its signal or time limit. */
export class CallStop {
  /** The call's tasks, as the engine knows them. */
  readonly group: CallGroup = new CallGroup();
  #engine: Engine;
  #signal: AbortSignal | undefined;
  #settle: (reason: unknown) => void;
  #cancelTimer: CancelTimer | undefined;
  #done = false;
  #onAbort = (): void => this.abort(this.#signal!.reason);

  /**
   * Starts watching. An already-aborted signal settles the call at once
   * (`settle` runs before this returns) and cancels the group, so that no
   * task of it is queued.
   *
   * @param engine The pool's engine.
   * @param signal The call's `signal`, if any.
   * @param seconds The time limit, if any.
   * @param fromStart `true`: the limit runs from when the (single) task
   *   starts (`apply`); `false`: from now (the map family, `imap`).
   * @param what What the call is, for the `TimeoutError` message.
   * @param settle Settles the call with a rejection.
   */
  constructor(
    engine: Engine,
    signal: AbortSignal | undefined,
    seconds: number | undefined,
    fromStart: boolean,
    what: string,
    settle: (reason: unknown) => void,
  ) {
    this.#engine = engine;
    this.#settle = settle;
    if (signal?.aborted) {
      this.abort(signal.reason);
      return;
    }
    if (signal !== undefined) {
      this.#signal = signal;
      signal.addEventListener("abort", this.#onAbort, { once: true });
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
      if (fromStart) this.group.onStart = arm;
      else arm();
    }
  }

  /** Aborts the call with `reason`, unless it has settled. */
  abort(reason: unknown): void {
    if (this.#done) return;
    this.finish();
    this.#settle(reason);
    this.#engine.abort(this.group);
  }

  /** The call settled: stop watching (removes the listener and the timer). */
  finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.group.onStart = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
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
  settle: (reason: unknown) => void,
): CallStop | undefined {
  if (signal === undefined && seconds === undefined) return undefined;
  return new CallStop(engine, signal, seconds, fromStart, what, settle);
}
