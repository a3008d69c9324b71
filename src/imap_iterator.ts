// This module is browser compatible.
/**
 * {@linkcode IMapIterator}: results of `imap` (input order) and
 * `imap_unordered` (completion order), with lazy input and bounded
 * read-ahead.
 *
 * @module
 */

import { ChunkReader } from "./core/_chunking.ts";
import type { TaskSink } from "./core/_wire.ts";
import type { InputHold } from "./core/_engine.ts";
import { Deque } from "./core/_deque.ts";
import { ChunkResults, LAST, NONE } from "./_imap_results.ts";
import { type CancelTimer, startTimer, timeoutMs } from "./core/_timer.ts";
import { TimeoutError } from "./core/errors.ts";

interface Waiter {
  resolve: (result: IteratorResult<unknown>) => void;
  reject: (error: unknown) => void;
  cancelTimer: CancelTimer | undefined;
  cancelled: boolean;
}

/** How an {@linkcode IMapIterator} talks to its pool (internal). */
export interface IMapSource {
  /** The input. */
  iterable: Iterable<unknown> | AsyncIterable<unknown>;
  /** Items per chunk. */
  chunksize: number;
  /** Chunks submitted and not yet consumed, at most. */
  buffersize: number;
  /** Input order (`imap`) or completion order (`imap_unordered`). */
  ordered: boolean;
  /** Gets the chunks' `reportProgress` values, if given. */
  onProgress?: ((value: unknown) => void) | undefined;
  /** Submits one chunk; throws if the pool no longer accepts work. */
  submit(chunk: unknown[], index: number, sink: TaskSink): void;
  /**
   * Keeps `close()` from finishing while input remains; returns release.
   * `abort` is called if the pool stops first (`terminate()`), `join` when
   * `join()` is awaited while the input is open.
   */
  hold(input: InputHold): () => void;
  /** Set when the call's signal was aborted before it started: read nothing. */
  aborted?: { reason: unknown } | undefined;
  /**
   * Called once when the call's work is over: every chunk answered and the
   * input read to its end, or the iterator closed, failed or aborted.
   */
  onEnd?: (() => void) | undefined;
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
  #reader: ChunkReader<unknown>;
  #sink: TaskSink;
  #submitted = 0;
  #consumed = 0;
  #feeding = false;
  #inputDone = false;
  #inputError: unknown;
  #hasInputError = false;
  #closed = false;
  /** Read past `buffersize`: `join()` was awaited over an in-memory input. */
  #eager = false;
  #release: () => void;
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
    this.#reader = new ChunkReader(source.iterable, source.chunksize);
    this.#results = new ChunkResults(source.ordered);
    this.#sink = {
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
    if (onProgress !== undefined) {
      this.#sink.progress = (_index, value) => {
        if (!this.#closed) onProgress(value);
      };
    }
    if (source.aborted !== undefined) {
      // The signal was aborted before the call: read nothing at all.
      this.#release = () => {};
      this.#inputDone = true;
      this.#closed = true;
      this.#hasAbortReason = true;
      this.#abortReason = source.aborted.reason;
      this.#ended = true;
      return;
    }
    // After close() the input is still read lazily: the pool finishes once
    // it is exhausted or this iterator is closed. When join() is awaited, an
    // input already in memory (an array, a string, a typed array, a Set or
    // a Map) is read to its end, so Python's `it = pool.imap(f, xs);
    // pool.close(); pool.join(); for x in it` finishes; a generator stays
    // lazy (it may never end), and join() waits for its consumer.
    this.#release = source.hold({
      abort: (error) => this.#abort(error),
      join: () => {
        if (!this.#eager && isInMemory(source.iterable)) {
          this.#eager = true;
          this.#feed();
        }
      },
    });
    this.#feed();
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
   * @throws {TypeError} If `timeout` is `NaN` or not a number (as a
   *   rejection).
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
      if (this.#finished()) return this.#end() as Promise<IteratorResult<T>>;
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
      this.#stopReading();
      try {
        await this.#reader.close();
      } catch {
        // the input's own clean-up failed; nothing left to report it to
      }
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
      this.#consumed++;
      this.#feed(); // may re-enter #pump: set the taken item after it
    }
    this.#takenOk = ok;
    this.#taken = value;
    return true;
  }

  #finished(): boolean {
    return this.#inputDone && !this.#feeding &&
      this.#consumed >= this.#submitted;
  }

  #end(): Promise<IteratorResult<unknown>> {
    if (this.#hasInputError) {
      this.#hasInputError = false;
      return Promise.reject(this.#inputError);
    }
    return Promise.resolve(DONE);
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
      if (this.#finished()) {
        waiter.cancelTimer?.();
        this.#end().then(waiter.resolve, waiter.reject);
        continue;
      }
      this.#waiters.unshift(waiter);
      break;
    }
  }

  // ---- input -------------------------------------------------------------

  #feed(): void {
    if (this.#feeding) return;
    this.#feeding = true;
    try {
      while (
        !this.#inputDone && !this.#closed &&
        (this.#eager ||
          this.#submitted - this.#consumed < this.#source.buffersize)
      ) {
        const next = this.#reader.next();
        if (next instanceof Promise) {
          next.then(
            (chunk) => {
              this.#feeding = false;
              if (this.#accept(chunk)) this.#feed();
              else this.#pump();
            },
            (error) => {
              this.#feeding = false;
              this.#inputFailed(error);
            },
          );
          return;
        }
        if (!this.#accept(next)) break;
      }
    } catch (error) {
      this.#feeding = false;
      this.#inputFailed(error);
      return;
    }
    this.#feeding = false;
    this.#pump();
  }

  /** Submits one chunk; returns whether to keep reading. */
  #accept(chunk: unknown[] | undefined): boolean {
    if (this.#closed || this.#inputDone) return false;
    if (chunk === undefined) {
      this.#inputDone = true;
      this.#stopReading();
      return false;
    }
    const index = this.#submitted++;
    this.#results.expect(index, chunk.length);
    try {
      this.#source.submit(chunk, index, this.#sink);
    } catch (error) {
      this.#submitted--;
      this.#results.unexpect(index);
      this.#inputFailed(error);
      return false;
    }
    return !this.#reader.done || this.#markDone();
  }

  #markDone(): boolean {
    this.#inputDone = true;
    this.#stopReading();
    return false;
  }

  #inputFailed(error: unknown): void {
    if (this.#inputDone) return; // stopped by the pool: that error stands
    this.#inputDone = true;
    this.#inputError = error;
    this.#hasInputError = true;
    this.#stopReading();
    this.#pump();
  }

  /**
   * The pool stopped (`terminate()`): read no more, leave a read in
   * progress behind, and end with `error` once the chunks already
   * submitted (rejected by the pool) are taken. The input's `return()` runs
   * now, so a generator's `finally` runs (once its pending step, if any,
   * ends).
   */
  #abort(error: unknown): void {
    if (this.#closed || this.#inputDone) return;
    this.#feeding = false;
    this.#inputFailed(error);
    this.#reader.close().catch(() => {
      // the input's own clean-up failed; nothing left to report it to
    });
  }

  #stopReading(): void {
    this.#release();
    if (this.#answered >= this.#submitted) this.#workOver();
  }

  /** A chunk was answered: pass results on; the work may be over. */
  #answeredOne(): void {
    if (++this.#answered >= this.#submitted && this.#inputDone) {
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
    this.#inputDone = true;
    this.#feeding = false;
    this.#release();
    this.#reader.close().catch(() => {
      // the input's own clean-up failed; nothing left to report it to
    });
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

/** Whether reading all of `iterable` costs no memory beyond what it holds. */
function isInMemory(iterable: unknown): boolean {
  return Array.isArray(iterable) || typeof iterable === "string" ||
    ArrayBuffer.isView(iterable) || iterable instanceof Set ||
    iterable instanceof Map;
}
