// This module is browser compatible.
/**
 * The input side of an `IMapIterator`: reads the iterable in
 * chunks, lazily, at most `buffersize` chunks submitted and not consumed
 * (all of an in-memory input once `join()` is awaited), and submits each.
 *
 * @module
 */

import { ChunkReader } from "./core/_chunking.ts";
import type { TaskSink } from "./core/_wire.ts";
import type { InputHold } from "./core/_engine.ts";
import type { ChunkResults } from "./_imap_results.ts";

/** How an `IMapIterator` talks to its pool (internal). */
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
   * Gets the iterator before it reads its first chunks (an abort during
   * that read, by the input itself, must find it).
   */
  opened?: ((iterator: unknown) => void) | undefined;
  /**
   * Called once when the call's work is over: every chunk answered and the
   * input read to its end, or the iterator closed, failed or aborted.
   */
  onEnd?: (() => void) | undefined;
}

/** What the input side needs of its iterator. */
export interface FeedOwner {
  /** Whether the iterator is closed (returned, cancelled or aborted). */
  closed(): boolean;
  /** Hands ready results (or the end) to waiting `next()` calls. */
  pump(): void;
  /** The input will be read no more (its work may be over). */
  stopped(): void;
}

const DONE: IteratorResult<never> = { done: true, value: undefined };

/** Reads and submits the chunks of one `imap` call. */
export class ChunkFeed {
  /** Chunks submitted. */
  submitted = 0;
  /** Chunks taken whole by the consumer. */
  consumed = 0;
  /** The input is read to its end, failed, or no longer read. */
  inputDone = false;
  #feeding = false;
  #inputError: unknown;
  #hasInputError = false;
  /** Read past `buffersize`: `join()` was awaited over an in-memory input. */
  #eager = false;
  #release: () => void = () => {};
  readonly #source: IMapSource;
  readonly #reader: ChunkReader<unknown>;
  readonly #results: ChunkResults;
  readonly #sink: TaskSink;
  readonly #owner: FeedOwner;

  constructor(
    source: IMapSource,
    results: ChunkResults,
    sink: TaskSink,
    owner: FeedOwner,
  ) {
    this.#source = source;
    this.#reader = new ChunkReader(source.iterable, source.chunksize);
    this.#results = results;
    this.#sink = sink;
    this.#owner = owner;
  }

  /**
   * Starts reading. After close() the input is still read lazily: the pool
   * finishes once it is exhausted or the iterator is closed. When join() is
   * awaited, an input already in memory (an array, a string, a typed
   * array, a Set or a Map) is read to its end, so Python's `it =
   * pool.imap(f, xs); pool.close(); pool.join(); for x in it` finishes; a
   * generator stays lazy (it may never end), and join() waits for its
   * consumer.
   */
  start(): void {
    const source = this.#source;
    this.#release = source.hold({
      abort: (error) => this.#abort(error),
      join: () => {
        if (!this.#eager && isInMemory(source.iterable)) {
          this.#eager = true;
          this.feed();
        }
      },
    });
    this.feed();
  }

  /** Every chunk read has been consumed and no more will come. */
  finished(): boolean {
    return this.inputDone && !this.#feeding &&
      this.consumed >= this.submitted;
  }

  /** What `next()` gives at the end: the input's error once, else done. */
  end(): Promise<IteratorResult<unknown>> {
    if (this.#hasInputError) {
      this.#hasInputError = false;
      return Promise.reject(this.#inputError);
    }
    return Promise.resolve(DONE);
  }

  /** Reads and submits chunks while there is room. */
  feed(): void {
    if (this.#feeding) return;
    this.#feeding = true;
    const owner = this.#owner;
    try {
      while (
        !this.inputDone && !owner.closed() &&
        (this.#eager ||
          this.submitted - this.consumed < this.#source.buffersize)
      ) {
        const next = this.#reader.next();
        if (next instanceof Promise) {
          next.then(
            (chunk) => {
              this.#feeding = false;
              if (this.#accept(chunk)) this.feed();
              else owner.pump();
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
    owner.pump();
  }

  /** Reads no more: releases the pool's hold. */
  stopReading(): void {
    this.#release();
    this.#owner.stopped();
  }

  /** Runs the input's `return()`; its own failure is not reported. */
  async close(): Promise<void> {
    try {
      await this.#reader.close();
    } catch {
      // the input's own clean-up failed; nothing left to report it to
    }
  }

  /** Cancelled: read no more, leave a read in progress behind. */
  cancel(): void {
    this.inputDone = true;
    this.#feeding = false;
    this.#release();
    void this.close();
  }

  /** Submits one chunk; returns whether to keep reading. */
  #accept(chunk: unknown[] | undefined): boolean {
    if (this.#owner.closed() || this.inputDone) return false;
    if (chunk === undefined) return this.#markDone();
    const index = this.submitted++;
    this.#results.expect(index, chunk.length);
    try {
      this.#source.submit(chunk, index, this.#sink);
    } catch (error) {
      this.submitted--;
      this.#results.unexpect(index);
      this.#inputFailed(error);
      return false;
    }
    return !this.#reader.done || this.#markDone();
  }

  #markDone(): boolean {
    this.inputDone = true;
    this.stopReading();
    return false;
  }

  #inputFailed(error: unknown): void {
    if (this.inputDone) return; // stopped by the pool: that error stands
    this.inputDone = true;
    this.#inputError = error;
    this.#hasInputError = true;
    this.stopReading();
    this.#owner.pump();
  }

  /**
   * The pool stopped (`terminate()`): read no more, leave a read in
   * progress behind, and end with `error` once the chunks already
   * submitted (rejected by the pool) are taken. The input's `return()` runs
   * now, so a generator's `finally` runs (once its pending step, if any,
   * ends).
   */
  #abort(error: unknown): void {
    if (this.#owner.closed() || this.inputDone) return;
    this.#feeding = false;
    this.#inputFailed(error);
    void this.close();
  }
}

/** Whether reading all of `iterable` costs no memory beyond what it holds. */
function isInMemory(iterable: unknown): boolean {
  return Array.isArray(iterable) || typeof iterable === "string" ||
    ArrayBuffer.isView(iterable) || iterable instanceof Set ||
    iterable instanceof Map;
}
