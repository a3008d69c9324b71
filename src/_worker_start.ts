// This module is browser compatible.
/**
 * Starts the worker entry as a module Web Worker (the built-in `"web"` and
 * `"bun"` adapters). Kept out of the public `worker_entry.ts` so that the
 * published types of `workerEntry` do not mention the DOM's `Worker` (a
 * Node-only TypeScript project has no DOM lib). It lives beside
 * `worker_entry.ts`, so the literal below names the same file as
 * {@linkcode workerEntry}.
 *
 * @module
 */

import { fromSources, workerEntry } from "./worker_entry.ts";

/**
 * Starts {@linkcode workerEntry} as a module Web Worker. From JavaScript it
 * is written in the literal form bundlers recognise (Vite, webpack,
 * Parcel): they bundle or copy the worker and rewrite this URL to their
 * output.
 *
 * @param name The worker's name.
 * @returns The started worker.
 */
export function startEntryWorker(name: string): Worker {
  if (fromSources) return new Worker(workerEntry, { type: "module", name });
  return new Worker(new URL("./worker/bundle.js", import.meta.url), {
    type: "module",
    name,
  });
}
