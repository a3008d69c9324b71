// This module is browser compatible.
/**
 * The results an `imap` iterator holds until they are taken: whole chunks
 * as the worker sent them (no object per item), handed out item by item in
 * input order (`imap`) or completion order (`imap_unordered`).
 *
 * @module
 */

import { Deque } from "./core/_deque.ts";

/**
 * One chunk's results. Positions that failed are in `errors`; a chunk that
 * failed as a whole rejects at every position with `failure`.
 */
interface Chunk {
  values: unknown[] | undefined;
  length: number;
  errors: Map<number, unknown> | undefined;
  failure: unknown;
  failed: boolean;
}

/** {@linkcode ChunkResults.take}: nothing ready. */
export const NONE = 0;
/** {@linkcode ChunkResults.take}: an item, more of its chunk to come. */
export const ITEM = 1;
/** {@linkcode ChunkResults.take}: the last item of its chunk. */
export const LAST = 2;

/** Chunk results waiting to be taken. */
export class ChunkResults {
  #ordered: boolean;
  /** Items per chunk submitted and not answered (for a whole-chunk failure). */
  #lengths = new Map<number, number>();
  // ordered: chunks by index, taken in index order
  #chunks = new Map<number, Chunk>();
  #nextChunk = 0;
  // unordered: chunks in completion order
  #ready = new Deque<Chunk>();
  // the chunk being read
  #current: Chunk | undefined;
  #pos = 0;
  /** Whether the item taken last is a value (else an error). */
  ok = false;
  /** The item taken last: a value or an error. */
  value: unknown;

  /** @param ordered Input order (`imap`) or completion order. */
  constructor(ordered: boolean) {
    this.#ordered = ordered;
  }

  /** Chunk `index` of `length` items was submitted. */
  expect(index: number, length: number): void {
    this.#lengths.set(index, length);
  }

  /** Chunk `index` could not be submitted after all. */
  unexpect(index: number): void {
    this.#lengths.delete(index);
  }

  /** Chunk `index` answered: `values`, with `errors` at failed positions. */
  add(
    index: number,
    values: unknown[],
    errors: Map<number, unknown> | undefined,
  ): void {
    this.#lengths.delete(index);
    this.#store(index, {
      values,
      length: Math.max(1, values.length),
      errors,
      failure: undefined,
      failed: false,
    });
  }

  /** Chunk `index` failed as a whole: every position in it rejects. */
  fail(index: number, error: unknown): void {
    const length = this.#lengths.get(index) ?? 1;
    this.#lengths.delete(index);
    this.#store(index, {
      values: undefined,
      length,
      errors: undefined,
      failure: error,
      failed: true,
    });
  }

  #store(index: number, chunk: Chunk): void {
    if (this.#ordered) this.#chunks.set(index, chunk);
    else this.#ready.push(chunk);
  }

  /**
   * Takes the next ready item into `ok`/`value`: {@linkcode NONE} when none
   * is ready, {@linkcode LAST} when it finished its chunk.
   */
  take(): 0 | 1 | 2 {
    let chunk = this.#current;
    if (chunk === undefined) {
      if (this.#ordered) {
        chunk = this.#chunks.get(this.#nextChunk);
        if (chunk === undefined) return NONE;
        this.#chunks.delete(this.#nextChunk++);
      } else {
        chunk = this.#ready.shift();
        if (chunk === undefined) return NONE;
      }
      this.#current = chunk;
      this.#pos = 0;
    }
    const i = this.#pos++;
    if (chunk.failed) {
      this.ok = false;
      this.value = chunk.failure;
    } else if (chunk.errors?.has(i)) {
      this.ok = false;
      this.value = chunk.errors.get(i);
    } else {
      this.ok = true;
      this.value = chunk.values![i];
    }
    if (this.#pos < chunk.length) return ITEM;
    this.#current = undefined;
    return LAST;
  }

  /** Drops every result. */
  clear(): void {
    this.#chunks.clear();
    this.#ready.drain();
    this.#current = undefined;
  }
}
