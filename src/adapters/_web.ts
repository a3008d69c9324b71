/**
 * The `"web"` adapter: the global `Worker` with `{ type: "module" }`
 * (Deno, browsers, Bun), running {@linkcode workerEntry}.
 *
 * @module
 */

import type {
  WorkerAdapter,
  WorkerEvents,
  WorkerHandle,
} from "../core/adapter.ts";
import { startEntryWorker } from "../_worker_start.ts";
import { workerEntry } from "../worker_entry.ts";
import { runtime, sharedMemory } from "./_env.ts";

/** Extra wiring a runtime-specific adapter adds to a web Worker. */
export type WebWorkerHook = (
  worker: Worker,
  exited: (code?: number) => void,
) => void;

/**
 * Starts the worker entry as a module Web Worker. A cross-origin entry (the
 * library loaded from a CDN) throws `SecurityError`; the worker is then
 * started from a same-origin blob that imports it (the CDN must send CORS
 * headers).
 */
export function startWebWorker(
  name: string,
  events: WorkerEvents,
  hook?: WebWorkerHook,
): WorkerHandle {
  let worker: Worker;
  let blobUrl: string | undefined;
  try {
    worker = startEntryWorker(name);
  } catch (error) {
    if ((error as { name?: string })?.name !== "SecurityError") throw error;
    blobUrl = URL.createObjectURL(
      new Blob([`import ${JSON.stringify(workerEntry.href)};`], {
        type: "text/javascript",
      }),
    );
    worker = new Worker(blobUrl, { type: "module", name });
  }
  let ended = false;
  const end = (info: { code?: number; error?: unknown }) => {
    if (ended) return;
    ended = true;
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    events.exit(info);
  };
  worker.onmessage = (event: MessageEvent) => events.message(event.data);
  // A message this thread could not read (a value nested too deeply): the
  // event carries no error. Bun's channel goes on after it; Deno's
  // delivers nothing more (measured), and a browser's is not known.
  worker.onmessageerror = () =>
    events.messageError?.(
      new Error("the runtime could not deserialize it"),
      runtime === "bun",
    );
  worker.onerror = (event: ErrorEvent) => {
    // Without preventDefault, Deno ends the whole process.
    event.preventDefault();
    if (ended) return;
    worker.terminate();
    const error = event.error ?? new Error(
      event.message ||
        "Worker failed to load or crashed (no details from the runtime)",
    );
    end({ error });
  };
  hook?.(worker, (code) => end({ code }));
  const w = worker as Worker & { ref?: () => void; unref?: () => void };
  return {
    post(data, transfer) {
      if (transfer) worker.postMessage(data, transfer);
      else worker.postMessage(data);
    },
    terminate() {
      ended = true;
      if (blobUrl) URL.revokeObjectURL(blobUrl);
      worker.terminate();
      return Promise.resolve();
    },
    ref() {
      w.ref?.();
    },
    unref() {
      w.unref?.();
    },
  };
}

/** The `"web"` adapter. */
export const webAdapter: WorkerAdapter = {
  name: "web",
  sharedMemory,
  spawn(options, events) {
    return startWebWorker(options.name, events);
  },
};
