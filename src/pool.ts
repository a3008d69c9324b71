/**
 * {@linkcode Pool}: Python's `multiprocessing.Pool`. Validates arguments,
 * maps Python and camelCase options, and delegates to the engine.
 *
 * @module
 */

import type { AsyncResult } from "./async_result.ts";
import { MODE_MAP, MODE_STARMAP } from "./core/_wire.ts";
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
import {
  createPool,
  joinPool,
  MAX_PROCESSES,
  poolName,
  type PoolState,
} from "./_pool_create.ts";

/**
 * A pool of workers, with the API of Python's `multiprocessing.Pool`.
 * Workers are threads (Web Workers or `node:worker_threads`), started at
 * construction. Methods keep the Python names (`apply_async`,
 * `imap_unordered`, ...), each with a camelCase alias. Keyword arguments of
 * Python go in a trailing options object; timeouts are in seconds.
 *
 * Tasks are functions sent by source (self-contained: no variables of the
 * enclosing scope) or {@linkcode moduleTask} handles. Arguments and results
 * cross by structured clone.
 *
 * An idle pool does not keep the process alive; a busy one does. Still,
 * end a pool with `close()` + `join()`, `terminate()`, or `await using`.
 *
 * @example Usage
 * ```ts
 * import { Pool } from "@x/pool";
 *
 * const pool = new Pool(4);
 * const squares = await pool.map((x: number) => x * x, [1, 2, 3]);
 * console.log(squares); // [1, 4, 9]
 * pool.close();
 * await pool.join();
 * ```
 */
export class Pool {
  /**
   * The most workers a pool may have: 1024. A worker is a thread with its
   * own JavaScript heap (idle, ~12 MiB on Node and Deno, ~2 MiB on Bun,
   * measured), so 1024 already take ~12 GiB on V8; a larger count is almost
   * surely a mistake (a count of items, say) that would start threads until
   * memory runs out. `new Pool()` uses `min(cpuCount(), MAX_PROCESSES)`.
   *
   * @example Usage
   * ```ts
   * import { cpuCount, Pool } from "@x/pool";
   *
   * const pool = new Pool(Math.min(4 * cpuCount(), Pool.MAX_PROCESSES));
   * await pool.terminate();
   * ```
   */
  static readonly MAX_PROCESSES: number = MAX_PROCESSES;

  #s: PoolState;

  /**
   * Starts the workers: the first at once, the rest in slices that let the
   * event loop run in between (starting one blocks the caller for ~2 ms on
   * Bun, ~11 ms on Node, ~35–85 ms on Deno), so `new Pool(64)` returns
   * quickly and tasks go to the workers started so far.
   *
   * @param options The number of workers (Python's `Pool(4)`), or
   *   {@linkcode PoolOptions}.
   * @throws {RangeError} If `processes` or `maxtasksperchild` is not a
   *   positive integer, `processes` is above
   *   {@linkcode Pool.MAX_PROCESSES} (1024), or a `resourceLimits` field is
   *   not finite or below its floor.
   * @throws {TypeError} If an option has the wrong type or an unknown name
   *   (`max_tasks_per_child`: the message suggests the right one), both
   *   spellings of `maxtasksperchild` differ, the initializer
   *   cannot be sent, or `initargs` cannot be cloned.
   * @throws {Error} If this runtime lacks the adapter named by `context`,
   *   or is too old (Node 20: no `Promise.withResolvers`); the message names
   *   the supported versions. Also if `resourceLimits` asks for a limit the
   *   context cannot apply (Bun, `"web"`, `stackSizeMb` on Deno, a custom
   *   adapter without the capability).
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool({
   *   processes: 2,
   *   initializer: (n: number) => {
   *     (globalThis as any).base = n;
   *   },
   *   initargs: [10],
   *   maxtasksperchild: 100,
   * });
   * await pool.terminate();
   * ```
   */
  constructor(options?: number | PoolOptions) {
    this.#s = createPool(options);
  }

  /**
   * The number of workers (read-only).
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(3);
   * console.log(pool.processes); // 3
   * await pool.terminate();
   * ```
   */
  get processes(): number {
    return this.#s.processes;
  }

  // ---- apply -------------------------------------------------------------

  /**
   * Runs `fn(...args)` in a worker and waits for the result (Python's
   * `apply`). Argument errors reject the returned promise.
   *
   * @typeParam F The task function's type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param args The arguments (Python's `args` tuple).
   * @param options `kwds`: passed to `fn` as one extra trailing argument.
   * @returns The result.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const sum = await pool.apply((a: number, b: number) => a + b, [1, 2]);
   * console.log(sum); // 3
   * await pool.terminate();
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
  /**
   * Runs `fn(...args, kwds)` in a worker and waits for the result: Python's
   * `apply(func, args, kwds)`. `kwds` is passed as one extra trailing
   * argument.
   *
   * @typeParam F The task function's type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param args The arguments before the keyword argument object.
   * @param options `kwds` and `transfer`.
   * @returns The result.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const scaled = await pool.apply(
   *   (x: number, kw: { scale: number }) => x * kw.scale,
   *   [2],
   *   { kwds: { scale: 10 } },
   * );
   * console.log(scaled); // 20
   * await pool.terminate();
   * ```
   */
  apply<F extends AnyFunction>(
    fn: Task<F>,
    args: LeadingArgs<Parameters<F>>,
    options:
      & Pick<ApplyOptions, "transfer" | "onProgress" | "signal" | "timeout">
      & {
        kwds: KeywordArgs<Parameters<F>>;
      },
  ): Promise<Awaited<ReturnType<F>>>;
  apply(
    fn: Task<AnyFunction>,
    args?: unknown[],
    options?: Pick<
      ApplyOptions,
      "kwds" | "transfer" | "onProgress" | "signal" | "timeout"
    >,
  ): Promise<unknown> {
    return settled(() => submitApply(this.#s, "apply", fn, args, options));
  }

  /**
   * Runs `fn(...args)` in a worker without waiting (Python's
   * `apply_async`). The {@linkcode AsyncResult} is awaitable.
   *
   * @typeParam F The task function's type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param args The arguments (Python's `args` tuple).
   * @param options `kwds`, `callback`, `error_callback` (both run on the
   *   calling side before the result settles) and `transfer`.
   * @returns The pending result.
   * @throws {TypeError} If `fn` cannot be sent, `args` is not an array, or
   *   an option has the wrong type or an unknown name (a callback that is
   *   not a function, `errorcallback`).
   * @throws {Error} "Pool not running" after `close()` or `terminate()`.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const result = pool.apply_async((x: number) => x * x, [4], {
   *   callback: (value) => console.log("got", value),
   * });
   * console.log(await result.get(10)); // 16
   * await pool.terminate();
   * ```
   */
  apply_async<F extends AnyFunction>(
    fn: Task<F>,
    args?: Parameters<F>,
    options?: ApplyOptions<Awaited<ReturnType<F>>, never>,
  ): AsyncResult<Awaited<ReturnType<F>>>;
  /**
   * Runs `fn(...args, kwds)` in a worker without waiting: Python's
   * `apply_async(func, args, kwds)`. `kwds` is passed as one extra trailing
   * argument.
   *
   * @typeParam F The task function's type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param args The arguments before the keyword argument object.
   * @param options `kwds`, `callback`, `error_callback` and `transfer`.
   * @returns The pending result.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const result = pool.apply_async(
   *   (name: string, kw: { greeting: string }) => `${kw.greeting}, ${name}`,
   *   ["Ada"],
   *   { kwds: { greeting: "Hello" } },
   * );
   * console.log(await result); // Hello, Ada
   * await pool.terminate();
   * ```
   */
  apply_async<F extends AnyFunction>(
    fn: Task<F>,
    args: LeadingArgs<Parameters<F>>,
    options:
      & ApplyOptions<Awaited<ReturnType<F>>, KeywordArgs<Parameters<F>>>
      & {
        kwds: KeywordArgs<Parameters<F>>;
      },
  ): AsyncResult<Awaited<ReturnType<F>>>;
  apply_async(
    fn: Task<AnyFunction>,
    args?: unknown[],
    options?: ApplyOptions,
  ): AsyncResult<unknown> {
    return submitApply(this.#s, "apply_async", fn, args, options);
  }

  /**
   * Alias of {@linkcode Pool.apply_async}.
   *
   * @typeParam F The task function's type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param args The arguments.
   * @param options As for `apply_async`.
   * @returns The pending result.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * console.log(await pool.applyAsync((x: number) => -x, [1])); // -1
   * await pool.terminate();
   * ```
   */
  applyAsync<F extends AnyFunction>(
    fn: Task<F>,
    args?: Parameters<F>,
    options?: ApplyOptions<Awaited<ReturnType<F>>, never>,
  ): AsyncResult<Awaited<ReturnType<F>>>;
  /**
   * Alias of {@linkcode Pool.apply_async} with keyword arguments.
   *
   * @typeParam F The task function's type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param args The arguments before the keyword argument object.
   * @param options `kwds`, `callback`, `error_callback` and `transfer`.
   * @returns The pending result.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * console.log(await pool.applyAsync((x: number, kw: { y: number }) => x + kw.y, [1], { kwds: { y: 2 } })); // 3
   * await pool.terminate();
   * ```
   */
  applyAsync<F extends AnyFunction>(
    fn: Task<F>,
    args: LeadingArgs<Parameters<F>>,
    options:
      & ApplyOptions<Awaited<ReturnType<F>>, KeywordArgs<Parameters<F>>>
      & {
        kwds: KeywordArgs<Parameters<F>>;
      },
  ): AsyncResult<Awaited<ReturnType<F>>>;
  applyAsync(
    fn: Task<AnyFunction>,
    args?: unknown[],
    options?: ApplyOptions,
  ): AsyncResult<unknown> {
    return this.apply_async(
      fn,
      args as [],
      options as ApplyOptions<unknown, never>,
    );
  }

  // ---- map ---------------------------------------------------------------

  /**
   * Applies `fn` to every item, in parallel, and returns the results in
   * input order (Python's `map`). The input may be async; it is read whole
   * first. Rejects with the first failure once every chunk has finished.
   *
   * @typeParam T The item type.
   * @typeParam R The function's return type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param iterable The items.
   * @param chunksize Items per task, or `{ chunksize }`; Python's default
   *   `ceil(length / (processes * 4))` when omitted.
   * @returns The results in input order.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * console.log(await pool.map((x: number) => x * 2, [1, 2, 3])); // [2, 4, 6]
   * await pool.terminate();
   * ```
   */
  map<T, R>(
    fn: Task<(item: T) => R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?:
      | number
      | Pick<MapOptions, "chunksize" | "onProgress" | "signal" | "timeout">,
  ): Promise<Awaited<R>[]> {
    return settled(() =>
      submitMap<Awaited<R>>(this.#s, "map", fn, iterable, chunksize, MODE_MAP)
    );
  }

  /**
   * Like {@linkcode Pool.map} without waiting (Python's `map_async`).
   *
   * @typeParam T The item type.
   * @typeParam R The function's return type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param iterable The items.
   * @param chunksize Items per task, or `{ chunksize, callback, error_callback }`;
   *   `callback` gets the whole result list, `error_callback` the first error.
   * @returns The pending list of results.
   * @throws {RangeError} If `chunksize` is not a positive integer.
   * @throws {TypeError} If an option has the wrong type or an unknown name.
   * @throws {Error} "Pool not running" after `close()` or `terminate()`.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const result = pool.map_async((x: number) => x + 1, [1, 2], {
   *   callback: (values) => console.log(values), // [2, 3]
   * });
   * await result.wait();
   * await pool.terminate();
   * ```
   */
  map_async<T, R>(
    fn: Task<(item: T) => R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?: number | MapOptions<Awaited<R>>,
  ): AsyncResult<Awaited<R>[]> {
    return submitMap(this.#s, "map_async", fn, iterable, chunksize, MODE_MAP);
  }

  /**
   * Alias of {@linkcode Pool.map_async}.
   *
   * @typeParam T The item type.
   * @typeParam R The function's return type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param iterable The items.
   * @param chunksize As for `map_async`.
   * @returns The pending list of results.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * console.log(await pool.mapAsync((x: number) => x * 3, [1])); // [3]
   * await pool.terminate();
   * ```
   */
  mapAsync<T, R>(
    fn: Task<(item: T) => R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?: number | MapOptions<Awaited<R>>,
  ): AsyncResult<Awaited<R>[]> {
    return this.map_async(fn, iterable, chunksize);
  }

  /**
   * Like {@linkcode Pool.map}, but each item is an argument list spread
   * into `fn` (Python's `starmap`).
   *
   * @typeParam A The argument list type.
   * @typeParam R The function's return type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param iterable The argument lists.
   * @param chunksize Items per task, or `{ chunksize }`.
   * @returns The results in input order.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * console.log(await pool.starmap((a: number, b: number) => a * b, [[1, 2], [3, 4]])); // [2, 12]
   * await pool.terminate();
   * ```
   */
  starmap<A extends unknown[], R>(
    fn: Task<(...args: A) => R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    chunksize?:
      | number
      | Pick<MapOptions, "chunksize" | "onProgress" | "signal" | "timeout">,
  ): Promise<Awaited<R>[]> {
    return settled(() =>
      submitMap<Awaited<R>>(
        this.#s,
        "starmap",
        fn,
        iterable,
        chunksize,
        MODE_STARMAP,
      )
    );
  }

  /**
   * Like {@linkcode Pool.starmap} without waiting (Python's `starmap_async`).
   *
   * @typeParam A The argument list type.
   * @typeParam R The function's return type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param iterable The argument lists.
   * @param chunksize Items per task, or `{ chunksize, callback, error_callback }`.
   * @returns The pending list of results.
   * @throws {RangeError} If `chunksize` is not a positive integer.
   * @throws {TypeError} If an option has the wrong type or an unknown name.
   * @throws {Error} "Pool not running" after `close()` or `terminate()`.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * console.log(await pool.starmap_async((a: number, b: number) => a - b, [[3, 1]])); // [2]
   * await pool.terminate();
   * ```
   */
  starmap_async<A extends unknown[], R>(
    fn: Task<(...args: A) => R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    chunksize?: number | MapOptions<Awaited<R>>,
  ): AsyncResult<Awaited<R>[]> {
    return submitMap(
      this.#s,
      "starmap_async",
      fn,
      iterable,
      chunksize,
      MODE_STARMAP,
    );
  }

  /**
   * Alias of {@linkcode Pool.starmap_async}.
   *
   * @typeParam A The argument list type.
   * @typeParam R The function's return type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param iterable The argument lists.
   * @param chunksize As for `starmap_async`.
   * @returns The pending list of results.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * console.log(await pool.starmapAsync((a: number, b: number) => a + b, [[1, 1]])); // [2]
   * await pool.terminate();
   * ```
   */
  starmapAsync<A extends unknown[], R>(
    fn: Task<(...args: A) => R>,
    iterable: Iterable<A> | AsyncIterable<A>,
    chunksize?: number | MapOptions<Awaited<R>>,
  ): AsyncResult<Awaited<R>[]> {
    return this.starmap_async(fn, iterable, chunksize);
  }

  // ---- imap --------------------------------------------------------------

  /**
   * Lazy `map`: results in input order as they become ready (Python's
   * `imap`). The input is read lazily, at most `buffersize` chunks ahead of
   * the consumer, so infinite generators work; `break` stops reading.
   *
   * @typeParam T The item type.
   * @typeParam R The function's return type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param iterable The items (sync or async, possibly infinite).
   * @param chunksize Items per task (default 1), or `{ chunksize, buffersize }`.
   * @returns An async iterator of results.
   * @throws {RangeError} If `chunksize` or `buffersize` is not a positive integer.
   * @throws {TypeError} If an option has the wrong type or an unknown name.
   * @throws {Error} "Pool not running" after `close()` or `terminate()`.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * for await (const r of pool.imap((x: number) => x * 10, [1, 2, 3])) {
   *   console.log(r); // 10, 20, 30
   * }
   * await pool.terminate();
   * ```
   */
  imap<T, R>(
    fn: Task<(item: T) => R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?: number | ImapOptions,
  ): IMapIterator<Awaited<R>> {
    return openImap(this.#s, "imap", fn, iterable, chunksize, true);
  }

  /**
   * Like {@linkcode Pool.imap}, but results come in completion order
   * (Python's `imap_unordered`).
   *
   * @typeParam T The item type.
   * @typeParam R The function's return type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param iterable The items (sync or async, possibly infinite).
   * @param chunksize Items per task (default 1), or `{ chunksize, buffersize }`.
   * @returns An async iterator of results.
   * @throws {RangeError} If `chunksize` or `buffersize` is not a positive integer.
   * @throws {TypeError} If an option has the wrong type or an unknown name.
   * @throws {Error} "Pool not running" after `close()` or `terminate()`.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * for await (const r of pool.imap_unordered((x: number) => x, [3, 1, 2])) {
   *   console.log(r);
   * }
   * await pool.terminate();
   * ```
   */
  imap_unordered<T, R>(
    fn: Task<(item: T) => R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?: number | ImapOptions,
  ): IMapIterator<Awaited<R>> {
    return openImap(this.#s, "imap_unordered", fn, iterable, chunksize, false);
  }

  /**
   * Alias of {@linkcode Pool.imap_unordered}.
   *
   * @typeParam T The item type.
   * @typeParam R The function's return type.
   * @param fn A self-contained function or a {@linkcode moduleTask} handle.
   * @param iterable The items.
   * @param chunksize As for `imap_unordered`.
   * @returns An async iterator of results.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * for await (const r of pool.imapUnordered((x: number) => x, [1])) console.log(r);
   * await pool.terminate();
   * ```
   */
  imapUnordered<T, R>(
    fn: Task<(item: T) => R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?: number | ImapOptions,
  ): IMapIterator<Awaited<R>> {
    return this.imap_unordered(fn, iterable, chunksize);
  }

  // ---- state -------------------------------------------------------------

  /**
   * A snapshot of the pool's state, for dashboards and progress bars:
   * `{ processes, busy, idle, queued, running, completed, failed }`, all
   * numbers ({@linkcode PoolStats} says what each counts). A `map` chunk
   * counts as one task throughout.
   *
   * Cheap enough to call every frame: it counts over the workers and
   * allocates only the object it returns. Tasks of an `imap` not yet read
   * from its input are not counted.
   *
   * @returns The counts, now.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const done = pool.map((x: number) => x * 2, [1, 2, 3, 4], 1);
   * const { queued, running } = pool.stats();
   * console.log(queued + running); // 4: submitted, none finished yet
   * await done;
   * console.log(pool.stats().completed); // 4
   * await pool.terminate();
   * ```
   */
  stats(): PoolStats {
    return this.#s.engine.stats();
  }

  // ---- lifecycle ---------------------------------------------------------

  /**
   * Accepts no new work; queued work still runs, then the workers exit.
   * Open `imap` iterators keep reading their input lazily, at most
   * `buffersize` chunks ahead of their consumer (so an endless input stays
   * bounded), and the workers stay until each is exhausted or closed
   * (`break`, `return()`). Awaiting {@linkcode Pool.join} reads the rest of
   * an input already in memory (array, string, typed array, `Set`, `Map`);
   * over a generator, consume or close the iterator before awaiting
   * `join()`. Calling it again does nothing.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const result = pool.apply_async(() => 1);
   * pool.close();
   * await pool.join();
   * console.log(await result); // 1
   * ```
   */
  close(): void {
    this.#s.engine.close();
  }

  /**
   * Stops the workers now, even in the middle of a task, and rejects every
   * unfinished result with an `AbortError` (Python leaves them hanging),
   * at once, also of a map still reading an async input and of open `imap`
   * iterators, whatever their input is doing; inputs still being read are
   * stopped (their `return()` is called). Resolves when every worker has
   * stopped. On Deno a task in a sync busy loop (`for (;;) {}`) is the
   * exception: its result rejects and `terminate()` resolves, but its
   * thread spins until the process exits (README "Stopping work").
   *
   * @returns When the workers are gone.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * const busy = pool.apply_async(
   *   () => new Promise((resolve) => setTimeout(resolve, 60_000)),
   * );
   * await pool.terminate();
   * console.log(busy.ready()); // true: rejected with AbortError
   * ```
   */
  terminate(): Promise<void> {
    return this.#s.engine.terminate();
  }

  /**
   * Waits for the workers to exit, after {@linkcode Pool.close} (once queued
   * work is done) or {@linkcode Pool.terminate}.
   *
   * @returns When every worker has exited.
   * @throws {Error} "Pool is still running" (as a rejection) if neither
   *   `close()` nor `terminate()` was called.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
   * const pool = new Pool(2);
   * pool.close();
   * await pool.join();
   * ```
   */
  join(): Promise<void> {
    return joinPool(this.#s);
  }

  /**
   * `await using pool = new Pool()`: closes the pool and waits for queued
   * work, open `imap` iterators (until exhausted or closed, as
   * {@linkcode Pool.close} says) and the workers (graceful; Python's `with`
   * block terminates).
   *
   * @returns When the work is done and the workers have exited.
   *
   * @example Usage
   * ```ts
   * import { Pool } from "@x/pool";
   *
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
    return poolName(this.#s);
  }
}
