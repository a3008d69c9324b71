// This module is browser compatible.
/**
 * Where the worker entry is: the module every worker runs. Workers run what
 * the sources say: when the library itself runs from its TypeScript sources
 * (Deno, Bun, Node with type stripping, JSR on Deno, Vite's dev server) the
 * entry is `worker/entry.ts`, the sources; when it runs as JavaScript (the
 * npm package, JSR's npm layer, an app bundle) it is `worker/bundle.js`, the
 * same sources bundled into one module by `scripts/bundle_worker.mjs` (a
 * generated file, built by `npm run build` and before publishing, never
 * committed).
 *
 * Bundlers (Vite, webpack, Parcel) only bundle a worker written as
 * `new Worker(new URL("<literal>", import.meta.url))`: that is
 * {@linkcode startEntryWorker}, for the JavaScript case. Everywhere else the
 * URLs are built from non-literal strings on purpose: a bare literal URL
 * makes Vite copy the file unprocessed, and a literal `.ts` worker makes a
 * bundler of the JavaScript package fail on a file the package does not
 * ship. All of it lives in this one file so that every context names the
 * same place in a bundle that leaves the entry to be copied by hand
 * (esbuild: `<outdir>/worker/bundle.js`).
 *
 * @module
 */

const SOURCE_ENTRY = "./worker/entry.ts";
const BUNDLE_ENTRY = "./worker/bundle.js";

/** Whether this module runs from TypeScript sources (its URL ends in `.ts`). */
export const fromSources: boolean = new URL(import.meta.url).pathname.endsWith(
  ".ts",
);

/**
 * The URL of the module a worker must run: what a custom
 * {@linkcode WorkerAdapter} starts in each worker it spawns. It is
 * `worker/entry.ts` beside the library's sources when the library runs from
 * TypeScript, and the bundled `worker/bundle.js` when it runs as JavaScript.
 *
 * @example A custom adapter that starts module workers
 * ```ts
 * import { Pool, type WorkerAdapter, workerEntry } from "@x/pool";
 *
 * const threads: WorkerAdapter = {
 *   name: "my-threads",
 *   sharedMemory: false,
 *   spawn(options, events) {
 *     const worker = new Worker(workerEntry, { type: "module", name: options.name });
 *     worker.onmessage = (event) => events.message(event.data);
 *     worker.onerror = (event) => {
 *       event.preventDefault();
 *       events.exit({ error: event.error ?? new Error(event.message) });
 *     };
 *     return {
 *       post: (data, transfer) => worker.postMessage(data, transfer ?? []),
 *       terminate: () => Promise.resolve(worker.terminate()),
 *     };
 *   },
 * };
 *
 * await using pool = new Pool({ processes: 2, context: threads });
 * console.log(await pool.map((x: number) => x + 1, [1, 2])); // [2, 3]
 * ```
 */
export const workerEntry: URL = new URL(
  fromSources ? SOURCE_ENTRY : BUNDLE_ENTRY,
  import.meta.url,
);
