/**
 * {@linkcode Pool}; `_pool_submit.ts` checks its calls, the engine runs them.
 *
 * @module
 */

import type { AsyncResult } from "./async_result.ts";
import type { IMapIterator } from "./imap_iterator.ts";
import type { PoolStats } from "./core/_stats.ts";
import type {
  AnyFunction,
  ApplyOptions,
  ImapOptions,
  KeywordArgs,
  LeadingArgs,
  MapOptions,
  PoolOptions,
  Task,
} from "./types.ts";
import { openImap, settled, submitApply, submitMap } from "./_pool_submit.ts";
import { extraArguments, rejectExtra } from "./_option_names.ts";
import { noArguments } from "./_pool_arguments.ts";
import {
  aliasMethods,
  createPool,
  joinPool,
  MAX_PROCESSES,
  type PoolState,
} from "./_pool_create.ts";

/**
 * A pool of worker threads (started at construction) with the API of
 * Python's `multiprocessing.Pool`: its method names (`apply_async`, ...) with
 * camelCase aliases, keyword arguments in a trailing options object, timeouts
 * in seconds. Tasks ({@linkcode Task}) are self-contained functions sent by
 * source, or {@linkcode moduleTask} handles; arguments and results are cloned.
 *
 * Bad arguments (`TypeError`: a wrong type, an unknown option name, more
 * arguments than taken; `RangeError`: a count not a positive integer) and
 * calls after `close()` or `terminate()` (`Error` "Pool not running") reject
 * the promise of `apply`, `map`, `starmap` and `join`; the other methods
 * throw them at the call. An idle pool does not keep the process alive; end
 * it with `close()` + `join()`, `terminate()` or `await using`.
 *
 * @example Usage
 * ```ts
 * const pool = new Pool(4);
 * console.log(await pool.map((x: number) => x * x, [1, 2, 3])); // [1, 4, 9]
 * pool.close();
 * await pool.join();
 * ```
 */
export class Pool {
  /**
   * The most workers a pool may have: 1024 (each is a thread with its own
   * heap). `new Pool()` uses `min(cpuCount(), MAX_PROCESSES)`.
   *
   * @example Usage
   * ```ts
   * console.log(Pool.MAX_PROCESSES); // 1024
   * ```
   */
  static readonly MAX_PROCESSES: number = MAX_PROCESSES;
  #s: PoolState;

  /**
   * Starts the workers: the first at once, the rest in slices between
   * turns of the event loop, so `new Pool(64)` returns quickly.
   *
   * @param options The number of workers, or {@linkcode PoolOptions}.
   * @throws {RangeError} If `processes` (at most 1024) or `maxtasksperchild`
   *   is not a positive integer, or a `resourceLimits` field is below its floor.
   * @throws {TypeError} For an option of the wrong type or unknown name, an
   *   initializer or `initargs` that cannot be sent, or a second argument.
   * @throws {Error} If this runtime lacks the adapter of `context`, is too
   *   old (Node 20), or cannot apply a `resourceLimits` field (README).
   *
   * @example Usage
   * ```ts
   * const init = (n: number) => void ((globalThis as any).base = n);
   * await using pool = new Pool({ processes: 2, initializer: init, initargs: [1] });
   * console.log(pool.processes); // 2: the number of workers (read-only)
   * ```
   */
  constructor(options?: number | PoolOptions) {
    this.#s = createPool(options, arguments);
  }

  /** The number of workers (read-only; the constructor's example reads it). */
  get processes(): number {
    return this.#s.processes;
  }

  /**
   * Runs `fn(...args)` in a worker and waits for the result (Python's `apply`).
   *
   * @param args The arguments (Python's `args` tuple).
   * @param options {@linkcode ApplyOptions} but the callbacks.
   *
   * @example Usage
   * ```ts
   * await using pool = new Pool(2);
   * console.log(await pool.apply((a: number, b: number) => a + b, [1, 2])); // 3
   * const scale = (x: number, kw: { by: number }) => x * kw.by;
   * console.log(await pool.apply(scale, [2], { kwds: { by: 10 } })); // 20: kwds last
   * ```
   */
  apply<F extends AnyFunction>(
    fn: Task<F>,
    args?: Parameters<F>,
    options?: Pick<
      ApplyOptions,
      "transfer" | "onProgress" | "signal" | "timeout"
    >,
  ): Promise<Awaited<ReturnType<F>>>;
  /** Python's `apply(func, args, kwds)`: `kwds` is one extra last argument. */
  apply<F extends AnyFunction>(
    fn: Task<F>,
    args: LeadingArgs<Parameters<F>>,
    options:
      & Pick<ApplyOptions, "transfer" | "onProgress" | "signal" | "timeout">
      & { kwds: KeywordArgs<Parameters<F>> },
  ): Promise<Awaited<ReturnType<F>>>;
  apply(fn: Task<AnyFunction>, args?: unknown[], options?: ApplyOptions) {
    if (arguments.length > 3) return rejectExtra("apply", arguments);
    return settled(() => submitApply(this.#s, "apply", fn, args, options));
  }

  /**
   * Runs `fn(...args)` in a worker without waiting (Python's `apply_async`);
   * the {@linkcode AsyncResult} is awaitable. Alias: {@linkcode Pool.applyAsync}.
   *
   * @param args The arguments (Python's `args` tuple).
   * @param options {@linkcode ApplyOptions}: `callback` and
   *   `error_callback` run on the calling side before the result settles.
   * @throws {TypeError | RangeError | Error} At the call (see {@linkcode Pool}).
   *
   * @example Usage
   * ```ts
   * await using pool = new Pool(2);
   * const result = pool.apply_async((x: number) => x * x, [4], { callback: console.log });
   * console.log(await result.get(10)); // 16
   * console.log(await pool.applyAsync((x: number) => -x, [1])); // -1
   * ```
   */
  apply_async<F extends AnyFunction>(
    fn: Task<F>,
    args?: Parameters<F>,
    options?: ApplyOptions<Awaited<ReturnType<F>>, never>,
  ): AsyncResult<Awaited<ReturnType<F>>>;
  /** Python's `apply_async(func, args, kwds)`, as {@linkcode Pool.apply}. */
  apply_async<F extends AnyFunction>(
    fn: Task<F>,
    args: LeadingArgs<Parameters<F>>,
    options:
      & ApplyOptions<Awaited<ReturnType<F>>, KeywordArgs<Parameters<F>>>
      & { kwds: KeywordArgs<Parameters<F>> },
  ): AsyncResult<Awaited<ReturnType<F>>>;
  apply_async(fn: Task<AnyFunction>, args?: unknown[], options?: ApplyOptions) {
    if (arguments.length > 3) throw extraArguments("apply_async", arguments);
    return submitApply(this.#s, "apply_async", fn, args, options);
  }

  /**
   * Applies `fn` to every item, in parallel, and returns the results in
   * input order (Python's `map`). The input may be async; it is read whole
   * first. Rejects with the first failure once every chunk has finished.
   *
   * @param chunksize Items per task, or {@linkcode MapOptions} but callbacks.
   *
   * @example Usage
   * ```ts
   * await using pool = new Pool(2);
   * console.log(await pool.map((x: number) => x * 2, [1, 2, 3])); // [2, 4, 6]
   * ```
   */
  map<T, R>(
    fn: Task<(item: T) => R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?:
      | number
      | Pick<MapOptions, "chunksize" | "onProgress" | "signal" | "timeout">,
  ): Promise<Awaited<R>[]> {
    if (arguments.length > 3) return rejectExtra("map", arguments);
    return settled(() => submitMap(this.#s, "map", fn, iterable, chunksize));
  }

  /**
   * Like {@linkcode Pool.map} without waiting (Python's `map_async`).
   * Alias: {@linkcode Pool.mapAsync}.
   *
   * @param chunksize Items per task, or {@linkcode MapOptions}: `callback`
   *   gets the whole result list, `error_callback` the first error.
   * @throws {TypeError | RangeError | Error} At the call (see {@linkcode Pool}).
   *
   * @example Usage
   * ```ts
   * await using pool = new Pool(2);
   * await pool.map_async((x: number) => x + 1, [1, 2], { callback: console.log }).wait();
   * console.log(await pool.mapAsync((x: number) => x * 3, [1])); // [3]
   * ```
   */
  map_async<T, R>(
    fn: Task<(item: T) => R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?: number | MapOptions<Awaited<R>>,
  ): AsyncResult<Awaited<R>[]> {
    if (arguments.length > 3) throw extraArguments("map_async", arguments);
    return submitMap(this.#s, "map_async", fn, iterable, chunksize);
  }

  /**
   * Like {@linkcode Pool.map}, but each item is an argument list spread
   * into `fn` (Python's `starmap`).
   *
   * @param chunksize As for {@linkcode Pool.map}.
   *
   * @example Usage
   * ```ts
   * await using pool = new Pool(2);
   * console.log(await pool.starmap((a: number, b: number) => a * b, [[1, 2], [3, 4]])); // [2, 12]
   * ```
   */
  starmap<A extends unknown[], R>(
    fn: Task<(...args: A) => R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    chunksize?:
      | number
      | Pick<MapOptions, "chunksize" | "onProgress" | "signal" | "timeout">,
  ): Promise<Awaited<R>[]> {
    if (arguments.length > 3) return rejectExtra("starmap", arguments);
    return settled(() =>
      submitMap(this.#s, "starmap", fn, iterable, chunksize)
    );
  }

  /**
   * Like {@linkcode Pool.starmap} without waiting (Python's
   * `starmap_async`). Alias: {@linkcode Pool.starmapAsync}.
   *
   * @param chunksize As for {@linkcode Pool.map_async}.
   * @throws {TypeError | RangeError | Error} At the call (see {@linkcode Pool}).
   *
   * @example Usage
   * ```ts
   * await using pool = new Pool(2);
   * const minus = (a: number, b: number) => a - b;
   * console.log(await pool.starmap_async(minus, [[3, 1]])); // [2]
   * console.log(await pool.starmapAsync(minus, [[1, 1]])); // [0]
   * ```
   */
  starmap_async<A extends unknown[], R>(
    fn: Task<(...args: A) => R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    chunksize?: number | MapOptions<Awaited<R>>,
  ): AsyncResult<Awaited<R>[]> {
    if (arguments.length > 3) throw extraArguments("starmap_async", arguments);
    return submitMap(this.#s, "starmap_async", fn, iterable, chunksize);
  }

  /**
   * Lazy `map`: results in input order as they become ready (Python's
   * `imap`). The input (sync or async) is read at most `buffersize` chunks
   * ahead of the consumer, so endless generators work; `break` stops it.
   *
   * @param chunksize Items per task (default 1), or {@linkcode ImapOptions}.
   * @throws {TypeError | RangeError | Error} At the call (see {@linkcode Pool}).
   *
   * @example Usage
   * ```ts
   * await using pool = new Pool(2);
   * for await (const r of pool.imap((x: number) => x * 10, [1, 2])) console.log(r);
   * ```
   */
  imap<T, R>(
    fn: Task<(item: T) => R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?: number | ImapOptions,
  ): IMapIterator<Awaited<R>> {
    if (arguments.length > 3) throw extraArguments("imap", arguments);
    return openImap(this.#s, "imap", fn, iterable, chunksize, true);
  }

  /**
   * Like {@linkcode Pool.imap}, but results come in completion order
   * (Python's `imap_unordered`); arguments and errors as for `imap`. Alias:
   * {@linkcode Pool.imapUnordered}.
   *
   * @example Usage
   * ```ts
   * await using pool = new Pool(2);
   * for await (const r of pool.imap_unordered((x: number) => x, [2, 1])) console.log(r);
   * for await (const r of pool.imapUnordered((x: number) => x, [1])) console.log(r);
   * ```
   */
  imap_unordered<T, R>(
    fn: Task<(item: T) => R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?: number | ImapOptions,
  ): IMapIterator<Awaited<R>> {
    if (arguments.length > 3) throw extraArguments("imap_unordered", arguments);
    return openImap(this.#s, "imap_unordered", fn, iterable, chunksize, false);
  }

  /** Alias of {@linkcode Pool.apply_async} (its example uses both). */
  declare applyAsync: Pool["apply_async"];
  /** Alias of {@linkcode Pool.map_async} (its example uses both). */
  declare mapAsync: Pool["map_async"];
  /** Alias of {@linkcode Pool.starmap_async} (its example uses both). */
  declare starmapAsync: Pool["starmap_async"];
  /** Alias of {@linkcode Pool.imap_unordered} (its example uses both). */
  declare imapUnordered: Pool["imap_unordered"];

  /**
   * A snapshot of the pool's state ({@linkcode PoolStats}; a `map` chunk is
   * one task), cheap enough to call every frame.
   *
   * @example Usage
   * ```ts
   * await using pool = new Pool(2);
   * const done = pool.map((x: number) => x * 2, [1, 2, 3, 4], 1);
   * console.log(pool.stats().queued + pool.stats().running); // 4: none finished yet
   * console.log((await done).length, pool.stats().completed); // 4 4
   * ```
   */
  stats(): PoolStats {
    if (arguments.length !== 0) throw noArguments("stats", arguments);
    return this.#s.engine.stats();
  }

  /**
   * Accepts no new work; queued work still runs, then the workers exit
   * ({@linkcode Pool.join} waits); calling it again does nothing. Open `imap`
   * iterators keep reading: over a generator, close them before `join()`.
   *
   * @example Usage
   * ```ts
   * const pool = new Pool(2);
   * const result = pool.apply_async(() => 1);
   * pool.close();
   * await pool.join();
   * console.log(await result); // 1
   * ```
   */
  close(): void {
    if (arguments.length !== 0) throw noArguments("close", arguments);
    this.#s.engine.close();
  }

  /**
   * Stops the workers now, even mid-task, and rejects every unfinished result
   * (also of open `imap` iterators) with an `AbortError` (Python leaves them
   * hanging); inputs being read get `return()`. On Deno a sync busy loop
   * spins on (README "Stopping work"). It ignores arguments (as a listener).
   *
   * @example Usage
   * ```ts
   * const pool = new Pool(2);
   * const busy = pool.apply_async(() => new Promise((r) => setTimeout(r, 60_000)));
   * await pool.terminate();
   * console.log(busy.ready()); // true: rejected with AbortError
   * ```
   */
  terminate(): Promise<void> {
    return this.#s.engine.terminate();
  }

  /**
   * Waits for the workers to exit after {@linkcode Pool.close} (once queued
   * work is done; its example calls both) or {@linkcode Pool.terminate}.
   * @throws {Error} "Pool is still running" (a rejection) before either.
   */
  join(): Promise<void> {
    return joinPool(this.#s, arguments);
  }

  /**
   * `await using pool = new Pool()`: {@linkcode Pool.close} and
   * {@linkcode Pool.join} (graceful; Python's `with` block terminates).
   *
   * @example Usage
   * ```ts
   * {
   *   await using pool = new Pool(2);
   *   console.log(await pool.map((x: number) => x + 1, [1])); // [2]
   * } // close() + join() here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return this.join();
  }

  /** For debugging: `Pool(processes=N, context=...)`. */
  get [Symbol.toStringTag](): string {
    return this.#s.name;
  }
}

aliasMethods(Pool.prototype); // applyAsync, ...: the `declare`s above
