/**
 * Where the worker entry is. Kept in one place, in the literal
 * `new URL("...", import.meta.url)` form that bundlers recognise. Running
 * from TypeScript sources (Deno, Bun, Node with type stripping) starts the
 * `.ts` entry; the transpiled package (JSR's npm layer, the browser build)
 * starts the `.js` one.
 *
 * @module
 */

/** URL of the worker entry module next to this one. */
export function workerUrl(): URL {
  return import.meta.url.endsWith(".ts")
    ? new URL("./worker/main.ts", import.meta.url)
    : new URL("./worker/main.js", import.meta.url);
}
