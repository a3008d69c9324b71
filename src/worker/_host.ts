/**
 * Inside a worker: how to talk to the pool. `parentPort` where
 * `node:worker_threads` provides one (Node, Bun, Deno's worker_threads),
 * else the worker global `self` (Deno web workers, browsers). Only one of
 * them is used: Bun delivers on both.
 *
 * Also turns every way a worker can die into a `fatal` message first, so
 * the pool learns of it on runtimes that report nothing (Deno web workers,
 * browsers): uncaught errors, unhandled rejections, and exit calls.
 *
 * @module
 */

import type { WorkerChannel } from "./serve.ts";

interface Port {
  postMessage(data: unknown, transfer?: readonly unknown[]): void;
  on(
    event: "message" | "messageerror",
    listener: (data: unknown) => void,
  ): void;
  addEventListener?(type: "message", listener: (event: Event) => void): void;
}

interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
  on(event: string, listener: (value: unknown) => void): void;
  exit(code?: number): never;
}

const g = globalThis as {
  process?: NodeProcess;
  Deno?: { exit?: (code?: number) => never };
  Bun?: unknown;
  self?: unknown;
  name?: unknown;
  close?: () => void;
  postMessage?: (data: unknown, transfer?: readonly unknown[]) => void;
  addEventListener?: (type: string, listener: (event: Event) => void) => void;
};

/**
 * Whether this is a Web Worker the pool started: the pool names every
 * worker, and a `node:worker_threads` worker has no `self` (Node, Deno) or
 * no `self.name` (Bun).
 */
function isWebWorker(): boolean {
  return g.self === globalThis && typeof g.name === "string" && g.name !== "";
}

function parentPort(): Port | null {
  // A Web Worker talks through `self`, even where node:worker_threads would
  // also hand it a parentPort (Bun: loading that module costs ~4 ms of
  // start-up).
  if (isWebWorker()) return null;
  try {
    const wt = g.process?.getBuiltinModule?.("node:worker_threads") as
      | { parentPort?: Port | null; isMainThread?: boolean }
      | undefined;
    return wt && !wt.isMainThread && wt.parentPort ? wt.parentPort : null;
  } catch {
    return null;
  }
}

/** Wraps `obj[key]` so `before(args)` runs first; ignores read-only slots. */
function intercept(
  obj: object | undefined,
  key: string,
  before: (code: unknown) => void,
): void {
  if (!obj) return;
  const original = (obj as Record<string, unknown>)[key];
  if (typeof original !== "function") return;
  try {
    Object.defineProperty(obj, key, {
      configurable: true,
      writable: true,
      value: function (this: unknown, ...args: unknown[]) {
        before(args[0]);
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      },
    });
  } catch {
    // read-only on this runtime: the adapter's own exit event covers it
  }
}

/** The parts of `node:fs` and `node:util` the direct console uses. */
interface ConsoleIo {
  fs: {
    writeSync(
      fd: number,
      buffer: Uint8Array,
      offset: number,
      length: number,
    ): number;
  };
  util: { format(...args: unknown[]): string };
}

/** Longest pause between two tries of a write the pipe refused (ms). */
const WRITE_BACKOFF_MAX_MS = 16;

/**
 * Writes all of `bytes` to `fd`, in order, blocking the worker (not
 * spinning) while the descriptor cannot take more: a pipe whose reader is
 * slow is non-blocking on Node and Bun, so `writeSync` throws `EAGAIN` when
 * it is full and may write only part of a long line. Gives up only when the
 * descriptor is gone (closed, or nobody reads: `EPIPE`, `EBADF`, ...).
 */
function writeAll(io: ConsoleIo, fd: number, bytes: Uint8Array): void {
  let offset = 0;
  let pause = 0;
  let sleeper: Int32Array | undefined;
  while (offset < bytes.length) {
    let written: number;
    try {
      written = io.fs.writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code !== "EAGAIN" && code !== "EWOULDBLOCK" && code !== "EINTR") {
        return; // the descriptor is gone: nothing to print to
      }
      written = 0;
    }
    if (written > 0) {
      offset += written;
      pause = 0;
      continue;
    }
    // Full: wait for the reader. Atomics.wait sleeps the thread (allowed
    // in workers); the short slices keep terminate() prompt.
    pause = Math.min(WRITE_BACKOFF_MAX_MS, pause === 0 ? 1 : pause * 2);
    sleeper ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(sleeper, 0, 0, pause);
  }
}

/**
 * Node's and Bun's workers pipe a worker's console to the main thread
 * asynchronously: lines arrive after the task's result, and are lost when
 * the worker is stopped. Python's workers write straight to the terminal;
 * do the same by writing synchronously to fd 1 and 2, every byte, before
 * the task goes on (so before its result is posted). Deno's workers already
 * print directly, and browsers have no `process` (nothing to do there).
 */
function writeConsoleDirectly(): void {
  if (g.Deno !== undefined) return; // Deno's workers already print directly
  const proc = g.process;
  if (typeof proc?.getBuiltinModule !== "function") return;
  // The modules load at the first line printed, not at start-up.
  let io: ConsoleIo | null | undefined;
  const encoder = new TextEncoder();
  const c = console as unknown as Record<string, (...args: unknown[]) => void>;
  const direct = (fd: number, original: (...args: unknown[]) => void) =>
  (
    ...args: unknown[]
  ) => {
    if (io === undefined) {
      const fs = proc.getBuiltinModule!("node:fs") as
        | ConsoleIo["fs"]
        | undefined;
      const util = proc.getBuiltinModule!("node:util") as
        | ConsoleIo["util"]
        | undefined;
      io = fs && util && typeof SharedArrayBuffer === "function"
        ? { fs, util }
        : null;
    }
    if (io === null) return original.apply(console, args);
    writeAll(io, fd, encoder.encode(io.util.format(...args) + "\n"));
  };
  for (const key of ["log", "info", "debug"]) c[key] = direct(1, c[key]);
  for (const key of ["warn", "error", "trace"]) c[key] = direct(2, c[key]);
}

/**
 * Deno ends a `node:worker_threads` worker out of memory (its near-heap-limit
 * handler, installed when the pool passes `resourceLimits`) by terminating
 * whatever JavaScript runs. In a timer or an immediate the worker then exits
 * with ERR_WORKER_OUT_OF_MEMORY, as on Node. In a message listener or a
 * microtask (an async task after an `await`), Deno drops the termination: the
 * worker lives on with the task cut off and never settling, and nobody is
 * told (measured, Deno 2.9.6). The handler raises the heap limit to let the
 * worker wind down, so a limit above the one at start means that happened:
 * check it every {@linkcode HEAP_CHECK_MS} and call `lost` once.
 */
function watchHeapLimit(lost: () => void): void {
  const v8 = g.process?.getBuiltinModule?.("node:v8") as
    | { getHeapStatistics(): { heap_size_limit: number } }
    | undefined;
  if (typeof v8?.getHeapStatistics !== "function") return;
  const initial = v8.getHeapStatistics().heap_size_limit;
  const timer = setInterval(() => {
    if (v8.getHeapStatistics().heap_size_limit <= initial) return;
    clearInterval(timer);
    lost();
  }, HEAP_CHECK_MS);
  // Never what keeps the worker (or the process) alive.
  (g.Deno as { unrefTimer?: (id: unknown) => void } | undefined)?.unrefTimer?.(
    timer,
  );
}

/** How often a Deno worker looks for an out-of-memory it was not told of (ms). */
const HEAP_CHECK_MS = 100;

/**
 * This worker's channel to the pool: its `parentPort` or `self`, with every
 * way the worker can die reported first (`onFatal`), and (Node, Bun) the
 * console written straight to the terminal.
 */
export function hostChannel(): Required<WorkerChannel> {
  writeConsoleDirectly();
  const port = parentPort();
  if (port) {
    return {
      post: (message, transfer) => port.postMessage(message, transfer),
      listen(handler) {
        // Deno's parentPort.on("message") wraps the listener in a walk over
        // every message looking for MessagePorts to patch: every index of
        // a typed array, so a 64 MiB Uint8Array argument took ~25 s and
        // 128 MiB ran out of memory. The pool never sends ports; its plain
        // addEventListener skips the walk. (Node and Bun: `on`, the fast
        // path there.)
        if (g.Deno !== undefined && port.addEventListener) {
          port.addEventListener(
            "message",
            (event) => handler((event as MessageEvent).data),
          );
        } else port.on("message", handler);
      },
      onUnreadable(report) {
        port.on("messageerror", report);
      },
      onFatal(report) {
        const proc = g.process!;
        const die = (error: unknown) => {
          report(error);
          // On Bun a worker that exits at once can lose its last messages
          // (the fatal report and the results before it): the pool then
          // blamed an innocent task in 3 of 10 runs of the stray-rejection
          // test, 0 of 12 with this grace. The loop runs nothing meanwhile.
          if (g.Bun !== undefined) setTimeout(() => proc.exit(1), 20);
          else proc.exit(1);
        };
        proc.on("uncaughtException", die);
        proc.on("unhandledRejection", die);
        if (g.Deno !== undefined) {
          watchHeapLimit(() =>
            die(
              new RangeError(
                "Worker terminated due to reaching memory limit: JS heap out of memory",
              ),
            )
          );
        }
        intercept(proc, "exit", (code) => report(undefined, Number(code ?? 0)));
      },
    };
  }
  return {
    post: (message, transfer) => g.postMessage!(message, transfer ?? []),
    listen(handler) {
      g.addEventListener!(
        "message",
        (event) => handler((event as MessageEvent).data),
      );
    },
    onUnreadable(report) {
      // The event carries no error (Deno, browsers).
      g.addEventListener!(
        "messageerror",
        () => report(new Error("the runtime could not deserialize it")),
      );
    },
    onFatal(report) {
      const die = (event: Event, error: unknown) => {
        event.preventDefault();
        report(error);
        g.close?.();
      };
      g.addEventListener!(
        "error",
        (event) =>
          die(
            event,
            (event as ErrorEvent).error ?? (event as ErrorEvent).message,
          ),
      );
      g.addEventListener!(
        "unhandledrejection",
        (event) => die(event, (event as PromiseRejectionEvent).reason),
      );
      intercept(g, "close", () => report(undefined, 0));
      intercept(g.Deno, "exit", (code) => report(undefined, Number(code ?? 0)));
      intercept(
        g.process,
        "exit",
        (code) => report(undefined, Number(code ?? 0)),
      );
    },
  };
}
