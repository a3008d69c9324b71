/**
 * The `"node"` adapter: `node:worker_threads` (Node, and also Bun and Deno,
 * which ship it). Loaded only when chosen, never from the browser build.
 *
 * @module
 */

import type {
  ResourceLimitName,
  WorkerAdapter,
  WorkerHandle,
} from "../core/adapter.ts";
import { workerEntry } from "../worker_entry.ts";
import { runtime, sharedMemory } from "./_env.ts";

/**
 * The `resourceLimits` this runtime's `node:worker_threads` applies
 * (measured, Node 24.21, Deno 2.9.6, Bun 1.4.5): Node all of them. Deno the
 * heap limits (a worker past a 64 MB old generation ends with
 * ERR_WORKER_OUT_OF_MEMORY and the process lives), not `stackSizeMb`: the
 * recursion depth does not follow it (12,905 to 21,235 frames for 0.25 to
 * 64 MB) and 1 MB aborted the whole process ("thread has overflowed its
 * stack"). Bun none: it ignores them (a worker grew past 1 GB under a 64 MB
 * limit).
 */
const LIMITS: boolean | readonly ResourceLimitName[] = runtime === "node"
  ? true
  : runtime === "deno"
  ? ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb"]
  : false;

interface NodeWorker {
  postMessage(data: unknown, transfer?: readonly unknown[]): void;
  on(event: "message", listener: (data: unknown) => void): void;
  on(event: "error" | "messageerror", listener: (error: unknown) => void): void;
  on(event: "exit", listener: (code: number) => void): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
}

/** The parts of `node:worker_threads` the adapter uses. */
export interface WorkerThreads {
  Worker: new (url: URL, options?: Record<string, unknown>) => NodeWorker;
}

/**
 * The worker entry as `node:worker_threads` can start it: it takes file: and
 * data: URLs only, so remote code (https, as when imported from a registry)
 * starts through a data: module that imports it.
 */
const entry = workerEntry.protocol === "file:" ||
    workerEntry.protocol === "data:"
  ? workerEntry
  : new URL(
    "data:text/javascript," +
      encodeURIComponent(`import ${JSON.stringify(workerEntry.href)};`),
  );

/** Makes the `"node"` adapter from a loaded `node:worker_threads`. */
export function nodeAdapter(wt: WorkerThreads): WorkerAdapter {
  return {
    name: "node",
    sharedMemory,
    resourceLimits: LIMITS,
    spawn(options, events): WorkerHandle {
      // An empty `resourceLimits` keeps the default heap limits (measured
      // alike with and without it on Node and Deno; Bun ignores it), but on
      // Deno it installs the near-heap-limit handler: a worker out of memory
      // then exits with ERR_WORKER_OUT_OF_MEMORY, as on Node, instead of
      // aborting the whole process. The pool's limits, when it has some,
      // do the same.
      const worker = new wt.Worker(entry, {
        resourceLimits: options.resourceLimits ?? {},
      });
      let ended = false;
      let lastError: unknown;
      worker.on("message", (data) => events.message(data));
      // A message this thread could not read (a value nested too deeply);
      // Deno delivers nothing more after it (measured, 2.9.6), Node does.
      worker.on(
        "messageerror",
        (error) => events.messageError?.(error, runtime !== "deno"),
      );
      worker.on("error", (error) => {
        lastError = error;
      });
      worker.on("exit", (code) => {
        if (ended) return;
        ended = true;
        events.exit(
          lastError === undefined ? { code } : { code, error: lastError },
        );
      });
      return {
        post(data, transfer) {
          worker.postMessage(data, transfer);
        },
        async terminate() {
          ended = true;
          await worker.terminate();
        },
        ref() {
          worker.ref();
        },
        unref() {
          worker.unref();
        },
      };
    },
  };
}
