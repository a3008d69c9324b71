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
): TaskSink {
  return {
    ok: APPLY_SINK.ok,
    fail: APPLY_SINK.fail,
    partial: APPLY_SINK.partial,
    progress(ctx: unknown, value: unknown): void {
      if (isPending(ctx as AsyncResult<unknown>)) {
        onProgress(value);
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
  #onProgress: ((value: unknown) => void) | undefined;

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
    this.#onProgress = onProgress;
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

  /** A chunk reported progress: to `onProgress`, while the map is pending. */
  progress(_ctx: unknown, value: unknown): void {
    const onProgress = this.#onProgress;
    if (
      onProgress !== undefined &&
      isPending(this.#result as AsyncResult<unknown>)
    ) onProgress(value);
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
    if (this.#failed) settleResult(result, false, this.#error);
    else settleResult(result, true, this.#values);
  }
}
