/**
 * The one place that answers questions about the running runtime: which
 * one it is, what it offers, and how many CPUs it has.
 *
 * @module
 */

import type { Context } from "../types.ts";

interface NodeLikeProcess {
  versions?: { node?: string; bun?: string };
  getBuiltinModule?: (id: string) => unknown;
}

const g = globalThis as {
  process?: NodeLikeProcess;
  Bun?: unknown;
  Deno?: unknown;
  Worker?: unknown;
  navigator?: { hardwareConcurrency?: number };
};

/** Which runtime this is, by feature detection. */
export const runtime: "bun" | "deno" | "node" | "browser" = g.Bun !== undefined
  ? "bun"
  : g.Deno !== undefined
  ? "deno"
  : g.process?.versions?.node !== undefined
  ? "node"
  : "browser";

/** A Node built-in module, synchronously, where the runtime offers it. */
export function builtin<T>(id: string): T | undefined {
  try {
    return g.process?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a `SharedArrayBuffer` posted to a worker of this process is
 * shared with it: the constructor exists and, in a browser, the page is
 * cross-origin isolated. The built-in adapters report it as their
 * `sharedMemory`.
 */
export const sharedMemory: boolean = typeof SharedArrayBuffer === "function" &&
  (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !==
    false;

/** Whether the global (web) `Worker` exists. */
export function hasWebWorker(): boolean {
  return typeof g.Worker === "function";
}

/** Whether `node:worker_threads` can be loaded here. */
export function hasNodeWorkers(): boolean {
  return runtime !== "browser" && g.process !== undefined;
}

/**
 * The default `context`: `node:worker_threads` on Node and Deno (a Deno web
 * Worker in a busy loop keeps the process from exiting after `terminate()`
 * (with `worker_threads` the thread spins on but the process can exit), does
 * not report its own exit, and cannot be unref'd), Bun's Worker on Bun, the
 * Web Worker in browsers.
 */
export function defaultContext(): Context {
  if (runtime === "bun") return "bun";
  if (runtime === "node" || runtime === "deno") return "node";
  return "web";
}

/**
 * Number of CPUs: `navigator.hardwareConcurrency`, else
 * `os.availableParallelism()`, else 4.
 */
export function cpus(): number {
  const n = g.navigator?.hardwareConcurrency;
  if (typeof n === "number" && n > 0) return n;
  const os = builtin<
    { availableParallelism?: () => number; cpus?: () => unknown[] }
  >(
    "node:os",
  );
  const m = os?.availableParallelism?.() ?? os?.cpus?.().length;
  return typeof m === "number" && m > 0 ? m : 4;
}
