// This module is browser compatible.
/**
 * {@linkcode IMapIterator}: results of `imap` (input order) and
 * `imap_unordered` (completion order), with lazy input and bounded
 * read-ahead.
 *
 * @module
 */

import { timeoutMs } from "./async_result.ts";
import { ChunkReader } from "./core/chunking.ts";
import { fromRecord } from "./core/error_wire.ts";
import type { ChunkFailure, ErrorRecord } from "./core/protocol.ts";
import { STATUS_ERROR, STATUS_OK } from "./core/protocol.ts";
import type { TaskSink } from "./core/scheduler.ts";
import { TaskQueue } from "./core/task_queue.ts";
import { TimeoutError } from "./errors.ts";

interface Entry {
  ok: boolean;
  value: unknown;
  /** Last item of its chunk: taking it consumes the chunk. */
  last: boolean;
}

interface Waiter {
  resolve: (result: IteratorResult<unknown>) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
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
  /** Submits one chunk; throws if the pool no longer accepts work. */
  submit(chunk: unknown[], index: number, sink: TaskSink): void;
  /** Keeps `close()` from finishing while input remains; returns release. */
  hold(): () => void;
  /** Calls `listener` on `close()`; returns an unsubscribe function. */
  onClose(listener: () => void): () => void;
}

const DONE: IteratorResult<never> = { done: true, value: undefined };

let create: (source: IMapSource) => IMapIterator<unknown>;

/** Starts an {@linkcode IMapIterator} (used by the pool). */
export function createIMapIterator<T>(source: IMapSource): IMapIterator<T> {
  return create(source) as IMapIterator<T>;
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
 * ```ts ignore
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
  #lengths = new Map<number, number>();
  #submitted = 0;
  #consumed = 0;
  #feeding = false;
  #eager = false;
  #inputDone = false;
  #inputError: unknown;
  #hasInputError = false;
  #closed = false;
  #release: () => void;
  #unlisten: () => void;
  // ordered mode
  #chunks = new Map<number, Entry[]>();
  #nextChunk = 0;
  #current: Entry[] = [];
  #pos = 0;
  // unordered mode
  #ready = new TaskQueue<Entry>();
  #waiters = new TaskQueue<Waiter>();

  static {
    create = (source) => new IMapIterator(source);
  }

  private constructor(source: IMapSource) {
    this.#source = source;
    this.#reader = new ChunkReader(source.iterable, source.chunksize);
    this.#sink = {
      resolve: (index, status, payload) =>
        this.#onChunk(index as number, status, payload),
      reject: (index, error) => this.#onChunkError(index as number, error),
    };
    this.#release = source.hold();
    this.#unlisten = source.onClose(() => {
      // After close() the pool must be able to finish: read the rest now.
      this.#eager = true;
      this.#feed();
    });
    this.#feed();
  }

  /**
   * The next result.
   *
   * @param timeout Seconds to wait for it (fractions allowed); wait forever
   *   if omitted.
   * @returns The next result, or `{ done: true }` at the end.
   * @throws {TimeoutError} If the next result is not ready within `timeout`
   *   seconds. Iteration can go on afterwards.
   *
   * @example Usage
   * ```ts ignore
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const it = pool.imap((x: number) => x + 1, [1, 2, 3]);
   * console.log((await it.next(5)).value); // 2
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
    if (this.#closed) return Promise.resolve(DONE);
    if (this.#waiters.size === 0) {
      const entry = this.#take();
      if (entry) return this.#settled(entry) as Promise<IteratorResult<T>>;
      if (this.#finished()) return this.#end() as Promise<IteratorResult<T>>;
    }
    return new Promise<IteratorResult<unknown>>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: undefined,
        cancelled: false,
      };
      if (ms !== undefined) {
        waiter.timer = setTimeout(() => {
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
   * ```ts ignore
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const it = pool.imap((x: number) => x, [1, 2, 3]);
   * await it.return();
   * await pool.terminate();
   * ```
   */
  async return(): Promise<IteratorResult<T>> {
    if (!this.#closed) {
      this.#closed = true;
      this.#chunks.clear();
      this.#ready.drain();
      this.#current = [];
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
   * ```ts ignore
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

  #onChunk(index: number, status: number, payload: unknown): void {
    if (this.#closed) return;
    let entries: Entry[];
    if (status === STATUS_OK) {
      entries = (payload as unknown[]).map((value) => ({
        ok: true,
        value,
        last: false,
      }));
    } else if (status === STATUS_ERROR) {
      const error = fromRecord(payload as ErrorRecord);
      entries = this.#failedChunk(index, error);
    } else {
      const { values, errors } = payload as ChunkFailure;
      entries = values.map((value) => ({ ok: true, value, last: false }));
      for (const [i, record] of errors) {
        entries[i] = { ok: false, value: fromRecord(record), last: false };
      }
    }
    this.#add(index, entries);
  }

  #onChunkError(index: number, error: unknown): void {
    if (this.#closed) return;
    this.#add(index, this.#failedChunk(index, error));
  }

  /** A chunk that failed as a whole: every position in it rejects. */
  #failedChunk(index: number, error: unknown): Entry[] {
    const length = this.#lengths.get(index) ?? 1;
    return Array.from(
      { length },
      () => ({ ok: false, value: error, last: false }),
    );
  }

  #add(index: number, entries: Entry[]): void {
    this.#lengths.delete(index);
    if (entries.length === 0) {
      entries.push({ ok: true, value: undefined, last: true });
    }
    entries[entries.length - 1].last = true;
    if (this.#source.ordered) this.#chunks.set(index, entries);
    else for (const entry of entries) this.#ready.push(entry);
    this.#pump();
  }

  #take(): Entry | undefined {
    let entry: Entry | undefined;
    if (this.#source.ordered) {
      if (this.#pos >= this.#current.length) {
        const next = this.#chunks.get(this.#nextChunk);
        if (next === undefined) return undefined;
        this.#chunks.delete(this.#nextChunk++);
        this.#current = next;
        this.#pos = 0;
      }
      entry = this.#current[this.#pos++];
    } else {
      entry = this.#ready.shift();
    }
    if (entry?.last) {
      this.#consumed++;
      this.#feed();
    }
    return entry;
  }

  #finished(): boolean {
    return this.#inputDone && !this.#feeding &&
      this.#consumed >= this.#submitted;
  }

  #settled(entry: Entry): Promise<IteratorResult<unknown>> {
    return entry.ok
      ? Promise.resolve({ done: false, value: entry.value })
      : Promise.reject(entry.value);
  }

  #end(): Promise<IteratorResult<unknown>> {
    if (this.#hasInputError) {
      this.#hasInputError = false;
      return Promise.reject(this.#inputError);
    }
    return Promise.resolve(DONE);
  }

  #answer(waiter: Waiter, result: IteratorResult<unknown>): void {
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.resolve(result);
  }

  #pump(): void {
    while (this.#waiters.size > 0) {
      const waiter = this.#waiters.shift()!;
      if (waiter.cancelled) continue;
      const entry = this.#take();
      if (entry) {
        if (waiter.timer !== undefined) clearTimeout(waiter.timer);
        if (entry.ok) waiter.resolve({ done: false, value: entry.value });
        else waiter.reject(entry.value);
        continue;
      }
      if (this.#finished()) {
        if (waiter.timer !== undefined) clearTimeout(waiter.timer);
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
    if (this.#closed) return false;
    if (chunk === undefined) {
      this.#inputDone = true;
      this.#stopReading();
      return false;
    }
    const index = this.#submitted++;
    this.#lengths.set(index, chunk.length);
    try {
      this.#source.submit(chunk, index, this.#sink);
    } catch (error) {
      this.#submitted--;
      this.#lengths.delete(index);
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
    this.#inputDone = true;
    this.#inputError = error;
    this.#hasInputError = true;
    this.#stopReading();
    this.#pump();
  }

  #stopReading(): void {
    this.#unlisten();
    this.#release();
  }
}
