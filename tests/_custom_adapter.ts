/**
 * A custom adapter built only on the public API (`workerEntry`, the
 * `WorkerAdapter` seam): module Web Workers on Deno and Bun,
 * `node:worker_threads` on Node. It says it has no shared memory
 * (`sharedMemory: false`), and its `post` throws when a message carries a
 * `SharedArrayBuffer` the tests did not make themselves (see
 * {@linkcode userBuffers}), which proves the pool never sends one of its
 * own to such a transport. `XPOOL_TEST_CONTEXT=custom` runs the whole suite
 * through it (tests/_util.ts).
 *
 * @module
 */

import { Worker as NodeWorker } from "node:worker_threads";
import type {
  SpawnOptions,
  WorkerAdapter,
  WorkerEvents,
  WorkerHandle,
} from "../mod.ts";
import { workerEntry } from "../mod.ts";

/** Shared buffers made by the tests (task arguments), allowed through. */
export const userBuffers: WeakSet<SharedArrayBuffer> = new WeakSet();

/** The first `SharedArrayBuffer` in `value` not made by the tests, if any. */
function poolBuffer(value: unknown, seen: Set<object>): boolean {
  if (typeof value !== "object" || value === null || seen.has(value)) {
    return false;
  }
  seen.add(value);
  if (value instanceof SharedArrayBuffer) return !userBuffers.has(value);
  if (ArrayBuffer.isView(value)) return poolBuffer(value.buffer, seen);
  if (value instanceof ArrayBuffer) return false;
  if (Array.isArray(value)) {
    for (const item of value) if (poolBuffer(item, seen)) return true;
    return false;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      if (poolBuffer(k, seen) || poolBuffer(v, seen)) return true;
    }
    return false;
  }
  if (value instanceof Set) {
    for (const item of value) if (poolBuffer(item, seen)) return true;
    return false;
  }
  for (const key of Object.keys(value)) {
    if (poolBuffer((value as Record<string, unknown>)[key], seen)) return true;
  }
  return false;
}

function check(data: unknown): void {
  if (poolBuffer(data, new Set())) {
    throw new Error(
      "custom test adapter: the pool posted a SharedArrayBuffer to an adapter with sharedMemory: false",
    );
  }
}

const isNode = typeof (globalThis as { Deno?: unknown }).Deno === "undefined" &&
  typeof (globalThis as { Bun?: unknown }).Bun === "undefined";

function spawnNode(events: WorkerEvents): WorkerHandle {
  const worker = new NodeWorker(workerEntry);
  let ended = false;
  let lastError: unknown;
  worker.on("message", (data) => events.message(data));
  worker.on("messageerror", (error) => events.messageError?.(error, true));
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
      check(data);
      worker.postMessage(data, transfer as never);
    },
    async terminate() {
      ended = true;
      await worker.terminate();
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

function spawnWeb(options: SpawnOptions, events: WorkerEvents): WorkerHandle {
  const worker = new Worker(workerEntry, {
    type: "module",
    name: options.name,
  }) as Worker & { ref?(): void; unref?(): void };
  let ended = false;
  const end = (info: { code?: number; error?: unknown }) => {
    if (ended) return;
    ended = true;
    events.exit(info);
  };
  worker.onmessage = (event) => events.message(event.data);
  worker.onmessageerror = () =>
    events.messageError?.(new Error("could not deserialize the message"));
  worker.onerror = (event) => {
    event.preventDefault(); // else Deno ends the process
    worker.terminate();
    end({ error: event.error ?? new Error(event.message || "worker error") });
  };
  // Bun's Worker reports its end (process.exit, self.close) with `close`.
  worker.addEventListener("close", (event) => {
    end({ code: (event as Event & { code?: number }).code });
  });
  return {
    post(data, transfer) {
      check(data);
      worker.postMessage(data, transfer ?? []);
    },
    terminate() {
      ended = true;
      worker.terminate();
      return Promise.resolve();
    },
    ref: () => worker.ref?.(),
    unref: () => worker.unref?.(),
  };
}

/** A custom adapter without shared memory; counts the workers it starts. */
export interface CustomAdapter extends WorkerAdapter {
  /** Workers started so far. */
  spawned: number;
}

/** Makes a custom adapter without shared memory (see the module doc). */
export function customAdapter(): CustomAdapter {
  return {
    name: "custom",
    sharedMemory: false,
    spawned: 0,
    spawn(options, events) {
      this.spawned++;
      return isNode ? spawnNode(events) : spawnWeb(options, events);
    },
  };
}
