// This module is browser compatible.
/**
 * The sinks that settle an {@linkcode AsyncResult} from worker results:
 * one shared sink for every `apply` task, one {@linkcode MapSink} per
 * `map` call.
 *
 * @module
 */

import type { TaskSink } from "./core/_wire.ts";
import { type AsyncResult, isPending, settleResult } from "./async_result.ts";
import { isThenable } from "./core/_thenable.ts";

/**
 * Calls an `onProgress` option: a sync one that throws throws here (the
 * pool fails its task); an async one that rejects is never an unhandled
 * rejection: its first rejection is kept in {@linkcode failed} /
 * {@linkcode error} and fails the task when its result arrives after it
 * (a rejection after the task's result is ignored: the result is given).
 */
export class ProgressCaller {
  /** An async `onProgress` rejected. */
  failed = false;
  /** Its first rejection. */
  error: unknown = undefined;
  #onProgress: (value: unknown) => unknown;

  /** @param onProgress The call's `onProgress`. */
  constructor(onProgress: (value: unknown) => unknown) {
    this.#onProgress = onProgress;
  }

  /**
   * Passes one value on. For an async `onProgress`, returns its promise,
   * for the pool to fail the task if it rejects (see `routeNotes`): the
   * same promise, so that the task is marked in the same microtask as
   * {@linkcode failed} is set.
   */
  call(value: unknown): PromiseLike<unknown> | undefined {
    const returned = this.#onProgress(value);
    if (!isThenable(returned)) return undefined;
    const promise = Promise.resolve(returned);
    promise.then(undefined, (error) => {
      if (this.failed) return;
      this.failed = true;
      this.error = error;
    });
    return promise;
  }
}

/**
 * The sink of every `apply` task: the task's context is its
 * {@linkcode AsyncResult}, so no per-task sink object is made.
 */
export const APPLY_SINK: TaskSink = {
  ok(ctx: unknown, value: unknown): void {
    settleResult(ctx as AsyncResult<unknown>, true, value);
  },
  fail(ctx: unknown, error: unknown): void {
    settleResult(ctx as AsyncResult<unknown>, false, error);
  },
  partial(ctx: unknown, _values: unknown[], errors: [number, Error][]): void {
    settleResult(ctx as AsyncResult<unknown>, false, errors[0][1]);
  },
};

/**
 * The sink of `apply` tasks whose call has `onProgress` (one per such
 * call; the others share {@linkcode APPLY_SINK}): progress values go to
 * `onProgress` while the result is pending.
 */
export function applyProgressSink(
  onProgress: (value: unknown) => void,
  base: TaskSink = APPLY_SINK,
  target: (ctx: unknown) => unknown = (ctx) => ctx,
): TaskSink {
  const caller = new ProgressCaller(onProgress);
  return {
    ok(ctx: unknown, value: unknown): void {
      if (caller.failed) base.fail(ctx, caller.error);
      else base.ok(ctx, value);
    },
    fail(ctx: unknown, error: unknown): void {
      base.fail(ctx, caller.failed ? caller.error : error);
    },
    partial(ctx: unknown, values: unknown[], errors: [number, Error][]): void {
      if (caller.failed) base.fail(ctx, caller.error);
      else base.partial(ctx, values, errors);
    },
    progress(ctx: unknown, value: unknown) {
      if (!caller.failed && isPending(target(ctx) as AsyncResult<unknown>)) {
        return caller.call(value);
      }
    },
  };
}

/**
 * Sink for the chunks of one `map`: writes each chunk into its slice, keeps
 * the first failure to arrive, and settles once every chunk has finished
 * (Python's `MapResult`).
 */
export class MapSink implements TaskSink {
  #result: AsyncResult<unknown[]>;
  #values: unknown[];
  #chunksize: number;
  #remaining: number;
  #error: unknown;
  #failed = false;
  #onProgress: ProgressCaller | undefined;

  /**
   * @param result The result to settle.
   * @param length Number of items.
   * @param chunksize Items per chunk.
   * @param onProgress Gets the chunks' progress values, if any.
   */
  constructor(
    result: AsyncResult<unknown[]>,
    length: number,
    chunksize: number,
    onProgress?: (value: unknown) => void,
  ) {
    this.#result = result;
    if (onProgress !== undefined) {
      this.#onProgress = new ProgressCaller(onProgress);
    }
    this.#values = new Array(length);
    this.#chunksize = chunksize;
    this.#remaining = Math.ceil(length / chunksize);
    if (this.#remaining === 0) {
      settleResult(result, true, this.#values);
    }
  }

  /**
   * A worker answered for chunk number `ctx`. Its values are copied into
   * place as it arrives, while other chunks are still running (a plain loop:
   * `flat()` is slow on V8 and `concat` on JavaScriptCore).
   */
  ok(ctx: unknown, value: unknown): void {
    const values = value as unknown[];
    const out = this.#values;
    const base = (ctx as number) * this.#chunksize;
    for (let i = 0; i < values.length; i++) out[base + i] = values[i];
    this.#finishOne();
  }

  /**
   * A chunk reported progress: to `onProgress`, while the map is pending.
   * Once an async `onProgress` rejected, a chunk reporting progress fails
   * with that rejection, as each would by calling a sync one that throws.
   */
  progress(_ctx: unknown, value: unknown): PromiseLike<unknown> | undefined {
    const caller = this.#onProgress;
    if (
      caller === undefined || !isPending(this.#result as AsyncResult<unknown>)
    ) return undefined;
    if (caller.failed) throw caller.error;
    return caller.call(value);
  }

  /** Chunk number `ctx` failed as a whole (in the worker, or lost). */
  fail(_ctx: unknown, error: unknown): void {
    this.#fail(error);
    this.#finishOne();
  }

  /** Some items of chunk `ctx` threw: the first error is the map's. */
  partial(_ctx: unknown, _values: unknown[], errors: [number, Error][]): void {
    this.#fail(errors[0][1]);
    this.#finishOne();
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#error = error;
  }

  #finishOne(): void {
    if (--this.#remaining > 0) return;
    const result = this.#result;
    const caller = this.#onProgress;
    if (caller?.failed) this.#fail(caller.error);
    if (this.#failed) settleResult(result, false, this.#error);
    else settleResult(result, true, this.#values);
  }
}
