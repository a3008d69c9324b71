/**
 * Where the worker entry is: `worker/bundle.js`, the worker's sources
 * (`worker/main.ts` and its imports) bundled into one module by
 * `scripts/bundle_worker.mjs`, the same file whether the library runs from
 * TypeScript sources or from the transpiled package.
 *
 * The URL is built from a non-literal string on purpose: bundlers only
 * bundle a worker written as `new Worker(new URL("<literal>",
 * import.meta.url))`, so that literal lives in `adapters/web.ts`; a literal
 * here would make them copy the entry unprocessed (Vite).
 *
 * @module
 */

const ENTRY = "./worker/bundle.js";

/** URL of the worker entry module next to this one. */
export function workerUrl(): URL {
  return new URL(ENTRY, import.meta.url);
}
