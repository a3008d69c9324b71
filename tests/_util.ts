/**
 * Shared helpers for the test suite. The suite runs unchanged under
 * `deno test`, `bun test` and `node --test`, so runtime detection lives here
 * (and only here, for skip decisions).
 *
 * Set `XPOOL_TEST_CONTEXT` to `web`, `bun` or `node` to run every pool with
 * that adapter, or to `custom` to run them through a custom adapter without
 * shared memory (tests/_custom_adapter.ts); unset, each pool uses the
 * runtime's default adapter.
 *
 * @module
 */

import { Pool } from "../mod.ts";
import type { Context, PoolOptions } from "../mod.ts";
import { customAdapter, userBuffers } from "./_custom_adapter.ts";

/** The JavaScript runtime running the tests. */
export type Runtime = "deno" | "bun" | "node";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** The runtime running the tests, found by feature detection. */
export const runtime: Runtime = typeof g.Deno?.version?.deno === "string"
  ? "deno"
  : typeof g.Bun?.version === "string"
  ? "bun"
  : "node";

/** Reads an environment variable on any runtime; undefined when unset or not allowed. */
export function readEnv(name: string): string | undefined {
  try {
    const value = g.process?.env?.[name];
    if (typeof value === "string") return value;
  } catch {
    // no env access through process
  }
  try {
    const value = g.Deno?.env?.get?.(name);
    if (typeof value === "string") return value;
  } catch {
    // no env permission
  }
  return undefined;
}

function readContext(): Context | "custom" | undefined {
  const value = readEnv("XPOOL_TEST_CONTEXT");
  if (value === undefined || value === "") return undefined;
  if (
    value === "web" || value === "bun" || value === "node" ||
    value === "custom"
  ) return value;
  throw new Error(
    `XPOOL_TEST_CONTEXT must be "web", "bun", "node" or "custom": received "${value}"`,
  );
}

const asked = readContext();

/**
 * Whether the suite runs through the custom adapter without shared memory
 * (`XPOOL_TEST_CONTEXT=custom`).
 */
export const isCustom: boolean = asked === "custom";

/**
 * The built-in adapter the suite asks for (`undefined`: the runtime default,
 * or the custom adapter when {@linkcode isCustom}).
 */
export const context: Context | undefined = asked === "custom"
  ? undefined
  : asked;

/**
 * The kind of worker pools actually use: `context`, or the documented
 * default; under the custom adapter, the kind of worker it starts (web
 * Workers on Deno, Bun's on Bun, worker_threads on Node), whose limits
 * apply alike.
 */
export const effectiveContext: Context = context ??
  (runtime === "bun" ? "bun" : isCustom && runtime === "deno" ? "web" : "node");

/**
 * The skip reason of a test that relies on work stealing (a queued task
 * taken back from a busy worker), which needs shared memory: set under the
 * custom adapter, which has none; `false` elsewhere.
 */
export const needsStealing: string | false = isCustom
  ? "relies on work stealing, which needs shared memory (the custom adapter has none)"
  : false;

/**
 * Deno's web Worker cannot be stopped in a busy loop and never reports a
 * worker that closed itself (RUNTIMES.md §5).
 */
export const isDenoWeb: boolean = runtime === "deno" &&
  effectiveContext === "web";

/** Whether this runtime can start workers with the given adapter. */
export function hasContext(ctx: Context): boolean {
  if (ctx === "web") return runtime !== "node";
  if (ctx === "bun") return runtime === "bun";
  return true;
}

/** Test options: a backstop for every test (each one also bounds its waits). */
export const T: { timeout: number } = { timeout: 60_000 };

/** Options for a pool made by these tests: 2 workers and the suite's context. */
export function poolOptions(options: PoolOptions = {}): PoolOptions {
  return {
    processes: 2,
    ...options,
    ...(isCustom
      ? { context: customAdapter() }
      : context === undefined
      ? {}
      : { context }),
  };
}

/**
 * Creates a pool (2 workers, the suite's context, then `options`), runs
 * `fn` with it, and always terminates it.
 */
export async function withPool<T>(
  options: PoolOptions | undefined,
  fn: (pool: Pool) => Promise<T> | T,
): Promise<T> {
  const pool = new Pool(poolOptions(options));
  try {
    return await fn(pool);
  } finally {
    await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
  }
}

/** Rejects when `promise` does not settle within `seconds`; clears its timer. */
export function deadline<T>(
  promise: PromiseLike<T>,
  seconds: number,
  label = "operation",
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${label} did not settle within ${seconds}s`)),
      seconds * 1000,
    );
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() =>
    clearTimeout(timer)
  );
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settles a promise into a record, never rejecting. */
export async function settle<T>(
  promise: PromiseLike<T>,
): Promise<
  { ok: true; value: T } | { ok: false; error: unknown }
> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/** The error a promise rejects with; fails when it fulfils. */
export async function rejection(
  promise: PromiseLike<unknown>,
  label = "promise",
): Promise<Error> {
  const result = await settle(promise);
  if (result.ok) {
    throw new Error(
      `${label} fulfilled with ${
        String(result.value)
      } but was expected to reject`,
    );
  }
  if (!(result.error instanceof Error)) {
    throw new Error(
      `${label} rejected with a non-Error: ${String(result.error)}`,
    );
  }
  return result.error;
}

/** A SharedArrayBuffer of `n` Int32 slots, used as latches between tasks. */
export function latch(n = 1): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(4 * n);
  userBuffers.add(sab); // a task argument, not the pool's own
  return sab;
}

/** Sets slot `index` of a latch to `value` and wakes waiters. */
export function release(sab: SharedArrayBuffer, index = 0, value = 1): void {
  const cells = new Int32Array(sab);
  Atomics.store(cells, index, value);
  Atomics.notify(cells, index);
}

/** Reads slot `index` of a latch. */
export function readLatch(sab: SharedArrayBuffer, index = 0): number {
  return Atomics.load(new Int32Array(sab), index);
}

/** URL of a fixture module in tests/fixtures/. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}`, import.meta.url);
}

/**
 * Runs a `new Pool(...)` expected to throw and returns what it threw. When
 * it does not throw, the pool is terminated (so no worker leaks) and
 * `undefined` is returned, which the caller's assertion then reports.
 */
export async function constructionError(
  make: () => Pool,
): Promise<unknown> {
  let pool: Pool;
  try {
    pool = make();
  } catch (error) {
    return error;
  }
  await deadline(pool.terminate(), 20, "terminate of an unexpected pool");
  return undefined;
}

/**
 * Marks a promise as handled (so a rejection that lands before the test
 * awaits it is not reported as unhandled) and returns it unchanged.
 */
export function observe<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Waits until `check()` is true, polling; fails after `seconds`. */
export async function until(
  check: () => boolean,
  seconds: number,
  label: string,
): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited >= seconds * 1000) {
      throw new Error(`${label}: not true within ${seconds}s`);
    }
    await sleep(10);
  }
}
