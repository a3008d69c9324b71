// This module is browser compatible.
/**
 * Python's default chunk size and chunking of (async) iterables.
 *
 * @module
 */

/**
 * Python's default `chunksize` for `map`: `ceil(length / (processes * 4))`,
 * and 0 for an empty input.
 */
export function defaultChunksize(length: number, processes: number): number {
  if (length === 0) return 0;
  return Math.ceil(length / (processes * 4));
}

/** Splits `items` into arrays of at most `size` items. */
export function chunkArray<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    chunks.push(items.slice(i, i + size));
  }
  return chunks;
}

/** Reads a whole sync or async iterable into an array. */
export async function collect<T>(
  iterable: Iterable<T> | AsyncIterable<T>,
): Promise<T[]> {
  if (Array.isArray(iterable)) return iterable as T[];
  if (isIterable(iterable)) return Array.from(iterable);
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Whether `value` is a synchronous iterable. */
export function isIterable(value: unknown): value is Iterable<unknown> {
  return value != null &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === "function";
}

/** Whether `value` is an async iterable. */
export function isAsyncIterable(
  value: unknown,
): value is AsyncIterable<unknown> {
  return value != null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] ===
      "function";
}

/**
 * Pulls chunks of at most `size` items from an iterator, lazily: one
 * `next()` call per item, nothing read ahead.
 */
export class ChunkReader<T> {
  #iterator: Iterator<T> | AsyncIterator<T>;
  #size: number;
  #done = false;

  /**
   * @param iterable The input.
   * @param size Items per chunk.
   */
  constructor(iterable: Iterable<T> | AsyncIterable<T>, size: number) {
    this.#iterator = isAsyncIterable(iterable)
      ? (iterable as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (iterable as Iterable<T>)[Symbol.iterator]();
    this.#size = size;
  }

  /** True once the input is exhausted (or closed). */
  get done(): boolean {
    return this.#done;
  }

  /**
   * The next chunk, or `undefined` at the end. Returns synchronously
   * (no promise) when the input is a synchronous iterator.
   */
  next(): T[] | undefined | Promise<T[] | undefined> {
    const chunk: T[] = [];
    while (chunk.length < this.#size) {
      const step = this.#iterator.next();
      if (step instanceof Promise) return this.#nextAsync(chunk, step);
      if (step.done) {
        this.#done = true;
        break;
      }
      chunk.push(step.value);
    }
    return chunk.length > 0 ? chunk : undefined;
  }

  async #nextAsync(
    chunk: T[],
    pending: Promise<IteratorResult<T>>,
  ): Promise<T[] | undefined> {
    let step = await pending;
    for (;;) {
      if (step.done) {
        this.#done = true;
        break;
      }
      chunk.push(step.value);
      if (chunk.length >= this.#size) break;
      step = await this.#iterator.next();
    }
    return chunk.length > 0 ? chunk : undefined;
  }

  /** Stops reading: calls the input's `return()` so generators clean up. */
  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#iterator.return?.();
  }
}
