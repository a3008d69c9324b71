/**
 * Where the worker entry is: `worker/bundle.js`, the worker's sources
 * (`worker/main.ts` and its imports) bundled into one module by
 * `scripts/bundle_worker.mjs`, the same file whether the library runs from
 * TypeScript sources or from the transpiled package.
 *
 * `workerUrl()` builds the URL from a non-literal string on purpose:
 * bundlers only bundle a worker written as `new Worker(new URL("<literal>",
 * import.meta.url))`, which is {@linkcode startEntryWorker}; a bare literal
 * URL would make them copy the entry unprocessed (Vite). Both live in this
 * file so that they name the same place in a bundle that leaves the entry
 * to be copied by hand (esbuild: `<outdir>/worker/bundle.js`).
 *
 * @module
 */

const ENTRY = "./worker/bundle.js";

/** URL of the worker entry module next to this one. */
export function workerUrl(): URL {
  return new URL(ENTRY, import.meta.url);
}

/**
 * Starts the worker entry as a module Web Worker, in the literal form
 * bundlers (Vite, webpack, Parcel) recognise: they copy or bundle the
 * worker and rewrite this URL to their output.
 */
export function startEntryWorker(name: string): Worker {
  return new Worker(new URL("./worker/bundle.js", import.meta.url), {
    type: "module",
    name,
  });
}
