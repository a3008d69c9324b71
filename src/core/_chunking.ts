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

/** Items {@linkcode readSync} reads between two looks at the clock. */
const CLOCK_EVERY = 4096;

/**
 * Reads a sync iterable (not an array) into an array, item by item, and
 * stops early: once `call.stopped` is set (the call was settled while its
 * input was read, say by a generator that aborts the call's signal), or
 * once `call.deadline` (ms, `performance.now()`) has passed, checked every
 * {@linkcode CLOCK_EVERY} items and at the end: then `call.expire()` runs
 * (no timer can fire during a synchronous read). Stopping calls the
 * input's `return()`, so a generator's `finally` runs. `undefined` when it
 * stopped early; what the input throws is thrown.
 */
export function readSync<T>(
  iterable: Iterable<T>,
  call: { stopped: boolean; deadline: number; expire(): void },
): T[] | undefined {
  const out: T[] = [];
  const deadline = call.deadline;
  let count = 0;
  for (const item of iterable) {
    if (call.stopped) return undefined;
    out.push(item);
    if (++count === CLOCK_EVERY) {
      count = 0;
      if (performance.now() >= deadline) {
        call.expire();
        return undefined;
      }
    }
  }
  if (call.stopped) return undefined;
  if (deadline !== Infinity && performance.now() >= deadline) {
    call.expire();
    return undefined;
  }
  return out;
}

/** A whole input being read by {@linkcode readAll}. */
export interface InputRead<T> {
  /** Every item, once the input ends; rejects with what the input throws. */
  items: Promise<T[]>;
  /**
   * Stops reading: a read in progress is left behind (`items` then
   * settles with what was read, or never), and the input's `return()` is
   * called so a generator's `finally` runs.
   */
  stop(): void;
}

/** Longest stretch (ms) {@linkcode readAll} reads before letting the event loop run. */
const READ_SLICE_MS = 10;

/** Reads a whole async iterable into an array; {@linkcode InputRead.stop} ends it early. */
export function readAll<T>(iterable: AsyncIterable<T>): InputRead<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  let stopped = false;
  const items = (async () => {
    const out: T[] = [];
    let since = Date.now();
    for (;;) {
      const step = checkStep(await iterator.next());
      if (stopped || step.done) return out;
      out.push(step.value);
      // An input that never waits on anything (an async generator that
      // only yields) settles each next() in a microtask: without a pause
      // for the event loop now and then, no timer or event could run, so
      // nothing could call terminate() while it is read.
      if ((out.length & 1023) === 0 && Date.now() - since >= READ_SLICE_MS) {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        since = Date.now();
        if (stopped) return out;
      }
    }
  })();
  return {
    items,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        Promise.resolve(iterator.return?.()).catch(() => {});
      } catch {
        // the input's own clean-up failed; nothing left to report it to
      }
    },
  };
}

/**
 * `step` when it is an object, as `for` / `for await` require of an
 * iterator's result; else the `TypeError` they throw (read on, a
 * non-object would be an endless run of `undefined` items).
 */
function checkStep<T>(step: IteratorResult<T>): IteratorResult<T> {
  if (
    step === null || (typeof step !== "object" && typeof step !== "function")
  ) {
    throw new TypeError(`Iterator result ${String(step)} is not an object`);
  }
  return step;
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
  #async: boolean;
  #size: number;
  #done = false;
  #closed = false;
  /** Inside a synchronous input's `next()` (a close must wait for it). */
  #reading = false;

  /**
   * @param iterable The input.
   * @param size Items per chunk.
   */
  constructor(iterable: Iterable<T> | AsyncIterable<T>, size: number) {
    this.#async = isAsyncIterable(iterable);
    this.#iterator = this.#async
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
    if (this.#async) {
      // awaited whatever it is: an async iterator may return any thenable
      return this.#nextAsync(
        chunk,
        this.#iterator.next() as Promise<IteratorResult<T>>,
      );
    }
    this.#reading = true;
    try {
      while (chunk.length < this.#size && !this.#closed) {
        const step = checkStep(this.#iterator.next() as IteratorResult<T>);
        if (step.done) {
          this.#done = true;
          break;
        }
        chunk.push(step.value);
      }
    } finally {
      this.#reading = false;
    }
    if (this.#closed) {
      // closed by the input's own next() (it aborted its call's signal):
      // a generator cannot return() while it runs, so it returns now
      this.#return();
      return undefined;
    }
    return chunk.length > 0 ? chunk : undefined;
  }

  async #nextAsync(
    chunk: T[],
    pending: Promise<IteratorResult<T>>,
  ): Promise<T[] | undefined> {
    let step = await pending;
    let since = Date.now();
    for (;;) {
      if (this.#closed) return undefined;
      step = checkStep(step);
      if (step.done) {
        this.#done = true;
        break;
      }
      chunk.push(step.value);
      if (chunk.length >= this.#size) break;
      if ((chunk.length & 1023) === 0 && Date.now() - since >= READ_SLICE_MS) {
        // a large chunk of an input that never waits: let timers run
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        since = Date.now();
        if (this.#closed) return undefined;
      }
      step = await this.#iterator.next();
    }
    return chunk.length > 0 ? chunk : undefined;
  }

  /**
   * Stops reading: calls the input's `return()` so generators clean up
   * (once the input's `next()` running now, if any, has returned).
   */
  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#closed = true;
    if (!this.#reading) await this.#iterator.return?.();
  }

  /** The deferred `return()` of a close during a synchronous read. */
  #return(): void {
    try {
      this.#iterator.return?.();
    } catch {
      // the input's cleanup failed: reading had stopped anyway
    }
  }
}
