// This module is browser compatible.
/**
 * {@linkcode IMapIterator}: results of `imap` (input order) and
 * `imap_unordered` (completion order), with lazy input and bounded
 * read-ahead (the input side: `_imap_input.ts`; results held until taken:
 * `_imap_results.ts`).
 *
 * @module
 */

import type { TaskSink } from "./core/_wire.ts";
import { Deque } from "./core/_deque.ts";
import { ChunkResults, LAST, NONE } from "./_imap_results.ts";
import { type CancelTimer, startTimer, timeoutMs } from "./core/_timer.ts";
import { TimeoutError } from "./core/errors.ts";
import { ChunkFeed, type IMapSource } from "./_imap_input.ts";
import { ProgressCaller } from "./_result_sinks.ts";

interface Waiter {
  resolve: (result: IteratorResult<unknown>) => void;
  reject: (error: unknown) => void;
  cancelTimer: CancelTimer | undefined;
  cancelled: boolean;
}

const DONE: IteratorResult<never> = { done: true, value: undefined };

let create: (source: IMapSource) => IMapIterator<unknown>;
let cancel: (it: IMapIterator<unknown>, reason: unknown) => void;

/** Starts an {@linkcode IMapIterator} (used by the pool). */
export function createIMapIterator<T>(source: IMapSource): IMapIterator<T> {
  return create(source) as IMapIterator<T>;
}

/**
 * Aborts an {@linkcode IMapIterator} (its call's `signal` or `timeout`):
 * its next `next()` rejects with `reason` (every `next()` waiting now
 * does), later ones end; it reads no more input (the input's `return()`
 * runs) and drops results still to come. Nothing once its work is over.
 */
export function cancelIMap<T>(it: IMapIterator<T>, reason: unknown): void {
  cancel(it as IMapIterator<unknown>, reason);
}

/**
 * The iterator `imap` and `imap_unordered` return: an
 * `AsyncIterableIterator`, for `for await (const r of pool.imap(f, xs))`.
 * The input is read lazily: at most `buffersize` chunks are submitted and
 * not yet consumed, so an infinite generator works and `break` stops reading
 * it. A failing item rejects at its own position; iteration can go on past
 * it. `next(timeout)` takes **seconds**, as in Python.
 *
 * Created by the pool; you do not construct it yourself.
 *
 * @typeParam T The result type of one item.
 *
 * @example Usage
 * ```ts
 * import { Pool } from "@x/pool";
 *
 * const pool = new Pool(2);
 * function* naturals() {
 *   for (let i = 0;; i++) yield i;
 * }
 * for await (const square of pool.imap((x: number) => x * x, naturals())) {
 *   if (square > 100) break; // stops reading the generator
 * }
 * await pool.terminate();
 * ```
 */
export class IMapIterator<T> implements AsyncIterableIterator<T> {
  #source: IMapSource;
  #feed: ChunkFeed;
  #closed = false;
  #results: ChunkResults;
  /** The item taken last (see #take). */
  #takenOk = false;
  #taken: unknown;
  #waiters = new Deque<Waiter>();
  /** Chunks answered (for the end of the call's work). */
  #answered = 0;
  /** Aborted: `#abortReason` is what the next `next()` rejects with. */
  #hasAbortReason = false;
  #abortReason: unknown;
  #ended = false;

  static {
    create = (source) => new IMapIterator(source);
    cancel = (it, reason) => it.#cancel(reason);
  }

  private constructor(source: IMapSource) {
    this.#source = source;
    this.#results = new ChunkResults(source.ordered);
    const sink: TaskSink = {
      ok: (index, values) => {
        if (this.#closed) return;
        this.#results.add(index as number, values as unknown[], undefined);
        this.#answeredOne();
      },
      fail: (index, error) => {
        if (this.#closed) return;
        this.#results.fail(index as number, error);
        this.#answeredOne();
      },
      partial: (index, values, errors) => {
        if (this.#closed) return;
        this.#results.add(index as number, values, new Map(errors));
        this.#answeredOne();
      },
    };
    const onProgress = source.onProgress;
    const feed = this.#feed = new ChunkFeed(
      source,
      this.#results,
      onProgress === undefined
        ? sink
        : progressSink(sink, onProgress, () => this.#closed),
      {
        closed: () => this.#closed,
        pump: () => this.#pump(),
        stopped: () => {
          if (this.#answered >= feed.submitted) this.#workOver();
        },
      },
    );
    if (source.aborted !== undefined) {
      // The signal was aborted before the call: read nothing at all.
      feed.inputDone = true;
      this.#closed = true;
      this.#hasAbortReason = true;
      this.#abortReason = source.aborted.reason;
      this.#ended = true;
      return;
    }
    source.opened?.(this);
    feed.start();
  }

  /**
   * The next result.
   *
   * @param timeout Seconds to wait for it (fractions allowed, any size);
   *   `undefined`, `null` or `Infinity` wait forever; `0` or less only
   *   checks, as in Python.
   * @returns The next result, or `{ done: true }` at the end.
   * @throws {TimeoutError} If the next result is not ready within `timeout`
   *   seconds. Iteration can go on afterwards.
   * @throws {TypeError} If `timeout` is not a number (as a rejection).
   * @throws {RangeError} If `timeout` is `NaN` (as a rejection).
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const it = pool.imap((x: number) => x + 1, [1, 2, 3]);
   * console.log((await it.next(10)).value); // 2
   * await pool.terminate();
   * ```
   */
  next(timeout?: number): Promise<IteratorResult<T>> {
    let ms: number | undefined;
    try {
      ms = timeoutMs(timeout, "get next result");
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#closed) {
      if (this.#hasAbortReason) {
        this.#hasAbortReason = false;
        const reason = this.#abortReason;
        this.#abortReason = undefined;
        return Promise.reject(reason);
      }
      return Promise.resolve(DONE);
    }
    if (this.#waiters.size === 0) {
      if (this.#take()) {
        const value = this.#taken;
        this.#taken = undefined;
        return (this.#takenOk
          ? Promise.resolve({ done: false, value })
          : Promise.reject(value)) as Promise<IteratorResult<T>>;
      }
      if (this.#feed.finished()) {
        return this.#feed.end() as Promise<IteratorResult<T>>;
      }
    }
    return new Promise<IteratorResult<unknown>>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        cancelTimer: undefined,
        cancelled: false,
      };
      if (ms !== undefined) {
        waiter.cancelTimer = startTimer(() => {
          waiter.cancelled = true;
          reject(
            new TimeoutError(
              `Next result not ready within ${timeout} seconds; the tasks keep running`,
            ),
          );
        }, ms);
      }
      this.#waiters.push(waiter);
    }) as Promise<IteratorResult<T>>;
  }

  /**
   * Stops iterating: stops reading the input (its `return()` runs) and
   * discards results still to come. The pool stays usable; tasks already
   * submitted still run. `break` in `for await` calls this.
   *
   * @returns `{ done: true }`.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const it = pool.imap((x: number) => x, [1, 2, 3]);
   * await it.return();
   * await pool.terminate();
   * ```
   */
  async return(): Promise<IteratorResult<T>> {
    this.#hasAbortReason = false;
    if (!this.#closed) {
      this.#closed = true;
      this.#workOver();
      this.#results.clear();
      for (const waiter of this.#waiters.drain()) this.#answer(waiter, DONE);
      this.#feed.stopReading();
      await this.#feed.close();
    }
    return DONE;
  }

  /**
   * Returns this iterator, so it works with `for await`.
   *
   * @returns This iterator.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * for await (const r of pool.imap_unordered((x: number) => x * 2, [1, 2])) {
   *   console.log(r);
   * }
   * await pool.terminate();
   * ```
   */
  [Symbol.asyncIterator](): IMapIterator<T> {
    return this;
  }

  // ---- results -----------------------------------------------------------

  /**
   * Takes the next ready item into `#takenOk`/`#taken`; false when none is
   * ready. Taking the last item of a chunk consumes it and reads more input.
   */
  #take(): boolean {
    const results = this.#results;
    const got = results.take();
    if (got === NONE) return false;
    const ok = results.ok;
    const value = results.value;
    results.value = undefined;
    if (got === LAST) {
      this.#feed.consumed++;
      this.#feed.feed(); // may re-enter #pump: set the taken item after it
    }
    this.#takenOk = ok;
    this.#taken = value;
    return true;
  }

  #answer(waiter: Waiter, result: IteratorResult<unknown>): void {
    waiter.cancelTimer?.();
    waiter.resolve(result);
  }

  #pump(): void {
    while (this.#waiters.size > 0) {
      const waiter = this.#waiters.shift()!;
      if (waiter.cancelled) continue;
      if (this.#take()) {
        waiter.cancelTimer?.();
        const value = this.#taken;
        this.#taken = undefined;
        if (this.#takenOk) waiter.resolve({ done: false, value });
        else waiter.reject(value);
        continue;
      }
      if (this.#feed.finished()) {
        waiter.cancelTimer?.();
        this.#feed.end().then(waiter.resolve, waiter.reject);
        continue;
      }
      this.#waiters.unshift(waiter);
      break;
    }
  }

  /** A chunk was answered: pass results on; the work may be over. */
  #answeredOne(): void {
    if (++this.#answered >= this.#feed.submitted && this.#feed.inputDone) {
      this.#workOver();
    }
    this.#pump();
  }

  /** The call's work is over (or no longer wanted): tell the watcher once. */
  #workOver(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#source.onEnd?.();
  }

  /** See {@linkcode cancelIMap}. */
  #cancel(reason: unknown): void {
    if (this.#closed || this.#ended) return;
    this.#closed = true;
    this.#workOver();
    this.#results.clear();
    this.#feed.cancel();
    const waiters = this.#waiters.drain();
    for (const waiter of waiters) {
      waiter.cancelTimer?.();
      if (!waiter.cancelled) waiter.reject(reason);
    }
    if (waiters.length === 0) {
      this.#hasAbortReason = true;
      this.#abortReason = reason;
    }
  }
}

/**
 * `sink` with each chunk's progress passed on to `onProgress`: a chunk
 * whose async `onProgress` rejected before its answer fails with that
 * rejection, as when a sync one throws.
 */
function progressSink(
  sink: TaskSink,
  onProgress: (value: unknown) => void,
  closed: () => boolean,
): TaskSink {
  const callers = new Map<unknown, ProgressCaller>();
  const failed = (index: unknown): ProgressCaller | undefined => {
    const caller = callers.get(index);
    if (caller === undefined) return undefined;
    callers.delete(index);
    return caller.failed ? caller : undefined;
  };
  return {
    ok(index, values) {
      const caller = failed(index);
      if (caller !== undefined) sink.fail(index, caller.error);
      else sink.ok(index, values);
    },
    fail(index, error) {
      const caller = failed(index);
      sink.fail(index, caller !== undefined ? caller.error : error);
    },
    partial(index, values, errors) {
      const caller = failed(index);
      if (caller !== undefined) sink.fail(index, caller.error);
      else sink.partial(index, values, errors);
    },
    progress(index, value) {
      if (closed()) return;
      let caller = callers.get(index);
      if (caller === undefined) {
        callers.set(index, caller = new ProgressCaller(onProgress));
      }
      if (!caller.failed) return caller.call(value);
    },
  };
}
