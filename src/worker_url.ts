/**
 * Where the worker entry is. Running from TypeScript sources (Deno, Bun,
 * Node with type stripping) starts the `.ts` entry; the transpiled package
 * (JSR's npm layer, the browser build) starts the `.js` one.
 *
 * The URL is built from a non-literal string on purpose: bundlers only
 * bundle a worker written as `new Worker(new URL("<literal>",
 * import.meta.url))`, so that literal lives in `adapters/web.ts`; a literal
 * here would make them copy the entry unbundled (Vite) or fail on the
 * missing `.ts` file (webpack).
 *
 * @module
 */

/** URL of the worker entry module next to this one. */
export function workerUrl(): URL {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL("./worker/main" + ext, import.meta.url);
}
