// This module is browser compatible.
/**
 * {@linkcode AsyncResult}: the handle `apply_async`, `map_async` and
 * `starmap_async` return (`_result_sinks.ts` fills it from worker results).
 *
 * @module
 */

import { isThenable } from "./core/_thenable.ts";
import { startTimer, timeoutMs } from "./core/_timer.ts";
import { TimeoutError } from "./core/errors.ts";

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

// An AsyncResult is a plain promise (its prototype is `Promise.prototype`)
// carrying its state in these symbol-keyed slots and the methods of
// `AsyncResult.prototype` as own properties: that is the shape `await`,
// `Promise.all` and `then` take on their fast path. Through `Promise.all`, a
// `Promise` subclass is ~3x slower on JavaScriptCore and ~1.2x on V8.
const STATE = Symbol("AsyncResult.state");
const RESOLVE = Symbol("AsyncResult.resolve");
const REJECT = Symbol("AsyncResult.reject");
const CALLBACKS = Symbol("AsyncResult.callbacks");

/** The slots of an {@linkcode AsyncResult}. */
interface Slots {
  [STATE]: number;
  [RESOLVE]: ((value: unknown) => void) | undefined;
  [REJECT]: ((error: unknown) => void) | undefined;
  [CALLBACKS]: ResultCallbacks<unknown> | undefined;
}

function slots(result: AsyncResult<unknown>): Slots {
  return result as unknown as Slots;
}

function ignore(): void {}

/** Callbacks run on the calling side before an {@linkcode AsyncResult} settles. */
export interface ResultCallbacks<T> {
  /** Called with the value. */
  callback?: ((result: T) => void) | undefined;
  /** Called with the error. */
  errorCallback?: ((error: unknown) => void) | undefined;
}

/**
 * The result of `apply_async`, `map_async` or `starmap_async`: Python's
 * `AsyncResult`, and also a `Promise`, so `await pool.apply_async(f, [1])`
 * gives the value and `Promise.all` takes a list of them. Timeouts are in
 * **seconds**, as in Python.
 *
 * Created by the pool; you do not construct it yourself.
 *
 * @typeParam T The task's result type.
 *
 * @example Usage
 * ```ts
 * import { Pool } from "@x/pool";
 *
 * const pool = new Pool(2);
 * const result = pool.apply_async((x: number) => x * x, [7]);
 * console.log(await result.get(10)); // 49
 * console.log(result.ready(), result.successful()); // true true
 * await pool.terminate();
 * ```
 */
export class AsyncResult<T> {
  /** Whether `value` is an `AsyncResult`. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === "object" && value !== null && STATE in value;
  }

  /**
   * Creates a pending result. The pool does this; user code has no need to.
   *
   * @param callbacks `callback` and `errorCallback`, run before settling.
   */
  constructor(callbacks?: ResultCallbacks<T>) {
    let resolve: ((value: T) => void) | undefined;
    let reject: ((error: unknown) => void) | undefined;
    // A plain executor: Promise.withResolvers is several times slower on Bun.
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const result = promise as AsyncResult<T>;
    const s = slots(result);
    s[STATE] = PENDING;
    s[RESOLVE] = resolve as (value: unknown) => void;
    s[REJECT] = reject;
    s[CALLBACKS] = callbacks as ResultCallbacks<unknown> | undefined;
    result.get = METHODS.get;
    result.wait = METHODS.wait;
    result.ready = METHODS.ready;
    result.successful = METHODS.successful;
    return result;
  }

  /**
   * Waits for the result and returns it; rejects with the task's error.
   *
   * @param timeout Seconds to wait (fractions allowed, any size);
   *   `undefined`, `null` or `Infinity` wait forever; `0` or less only
   *   checks, as in Python.
   * @returns The task's result.
   * @throws {TimeoutError} If the result is not ready within `timeout`
   *   seconds. The task keeps running.
   * @throws {TypeError} If `timeout` is not a number (as a rejection).
   * @throws {RangeError} If `timeout` is `NaN` (as a rejection).
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(1);
   * const value: number = await pool.apply_async((x: number) => x + 1, [1]).get(10);
   * await pool.terminate();
   * ```
   */
  get(timeout?: number): Promise<T> {
    let ms: number | undefined;
    try {
      ms = timeoutMs(timeout, "get result");
    } catch (error) {
      return Promise.reject(error);
    }
    if (slots(this)[STATE] !== PENDING || ms === undefined) return this;
    return race(this, ms).then(
      (ready) => {
        if (!ready) {
          throw new TimeoutError(
            `Result not ready within ${timeout} seconds; the task keeps running`,
          );
        }
        return this;
      },
    );
  }

  /**
   * Waits until the result is ready, or `timeout` seconds pass. Does not
   * reject for the task's error or the timeout: use
   * {@linkcode AsyncResult.ready} afterwards to tell.
   *
   * @param timeout Seconds to wait (fractions allowed, any size);
   *   `undefined`, `null` or `Infinity` wait forever; `0` or less only
   *   checks, as in Python.
   * @throws {TypeError} If `timeout` is not a number (as a rejection).
   * @throws {RangeError} If `timeout` is `NaN` (as a rejection).
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(1);
   * const slow = pool.apply_async(() => new Promise((r) => setTimeout(r, 500)));
   * await slow.wait(0.05); // returns after 50 ms, without rejecting
   * console.log(slow.ready()); // false: still running
   * await slow.wait(); // no timeout: until it settles
   * console.log(slow.ready()); // true
   * await pool.terminate();
   * ```
   */
  async wait(timeout?: number): Promise<void> {
    const ms = timeoutMs(timeout, "wait for result");
    if (slots(this)[STATE] !== PENDING) return;
    if (ms === undefined) {
      await this.then(ignore, ignore);
      return;
    }
    await race(this, ms);
  }

  /**
   * Whether the task has finished (successfully or not).
   *
   * @returns `true` once settled.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(1);
   * const result = pool.apply_async(() => 1);
   * console.log(result.ready()); // false: it was just submitted
   * await pool.terminate();
   * ```
   */
  ready(): boolean {
    return slots(this)[STATE] !== PENDING;
  }

  /**
   * Whether the task finished without error.
   *
   * @returns `true` if it succeeded.
   * @throws {Error} If the result is not ready yet (as Python's `ValueError`).
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(1);
   * const result = pool.apply_async(() => 1);
   * await result.wait();
   * console.log(result.successful()); // true
   * await pool.terminate();
   * ```
   */
  successful(): boolean {
    const state = slots(this)[STATE];
    if (state === PENDING) {
      throw new Error(
        "Cannot tell if the result is successful as it is not ready: await wait() or check ready() first",
      );
    }
    return state === FULFILLED;
  }
}

/**
 * An {@linkcode AsyncResult} is a `Promise`: its prototype is
 * `Promise.prototype` (so `await`, `Promise.all` and `then` handle it at full
 * speed) and it carries `get`, `wait`, `ready` and `successful` as its own
 * properties; `instanceof AsyncResult` still tells it apart.
 *
 * @typeParam T The task's result type.
 *
 * @example Usage
 * ```ts
 * import { Pool } from "@x/pool";
 *
 * const pool = new Pool(2);
 * const results = [1, 2, 3].map((x) => pool.apply_async((y: number) => y * 2, [x]));
 * console.log(await Promise.all(results)); // [2, 4, 6]
 * await pool.terminate();
 * ```
 */
export interface AsyncResult<T> extends Promise<T> {}

/** The methods every result carries as its own properties. */
const METHODS = AsyncResult.prototype;

/** Resolves `true` when `result` settles within `ms`, else `false`; clears its timer. */
function race(result: AsyncResult<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const cancel = startTimer(() => resolve(false), ms);
    const done = () => {
      cancel();
      resolve(true);
    };
    result.then(done, done);
  });
}

/** Settles `result`, after running its callbacks; a second call does nothing. */
function settle(
  result: AsyncResult<unknown>,
  ok: boolean,
  value: unknown,
): void {
  const s = slots(result);
  // RESOLVE is gone once settled, or while an async callback runs.
  if (s[STATE] !== PENDING || s[RESOLVE] === undefined) return;
  const callbacks = s[CALLBACKS];
  if (callbacks !== undefined) {
    s[CALLBACKS] = undefined;
    // While a callback runs the result is taken: a callback that stops its
    // own call (aborts a signal the call listens to) must not settle it a
    // second time from inside (tester of issue 12: that broke the pool).
    const resolve = s[RESOLVE]!;
    const reject = s[REJECT]!;
    s[RESOLVE] = s[REJECT] = undefined;
    let returned: unknown;
    try {
      returned = ok
        ? callbacks.callback?.(value)
        : callbacks.errorCallback?.(value);
    } catch (error) {
      // A throwing callback must not vanish: the result carries its error.
      ok = false;
      value = error;
    }
    if (!isThenable(returned)) {
      s[RESOLVE] = resolve;
      s[REJECT] = reject;
    } else {
      // An async callback: the result settles once it has finished, with
      // its rejection if it fails (never an unhandled rejection).
      const done = (fine: boolean, v: unknown) => {
        s[RESOLVE] = resolve;
        s[REJECT] = reject;
        finish(result, fine, v);
      };
      Promise.resolve(returned).then(
        () => done(ok, value),
        (error) => done(false, error),
      );
      return;
    }
  }
  finish(result, ok, value);
}

function finish(result: AsyncResult<unknown>, ok: boolean, value: unknown) {
  const s = slots(result);
  s[STATE] = ok ? FULFILLED : REJECTED;
  if (ok) {
    s[RESOLVE]!(value);
  } else {
    // A failure nobody asks for is not an unhandled rejection (as in
    // Python, where an unread result's error goes unnoticed).
    result.then(undefined, ignore);
    s[REJECT]!(value);
  }
  s[RESOLVE] = s[REJECT] = undefined;
}

/** Whether `result` is still pending (used by the sinks). */
export function isPending(result: AsyncResult<unknown>): boolean {
  return slots(result)[STATE] === PENDING;
}

/** Settles `result` (used by the sinks; not part of the public API). */
export function settleResult<T>(
  result: AsyncResult<T>,
  ok: boolean,
  value: unknown,
): void {
  settle(result as AsyncResult<unknown>, ok, value);
}
