// This module is browser compatible.
/**
 * Turns a task function into something a worker can rebuild: its source
 * text, checked up front, or a module reference. Functions that cannot be
 * sent (native, bound, classes, method shorthand, private fields) are
 * refused here, at the call, with a message that names the fix.
 *
 * @module
 */

import type { FnSpec } from "./_wire.ts";

const HINT =
  "use an arrow or function expression that does not capture variables, or moduleTask(new URL('./tasks.ts', import.meta.url), 'name')";

const cache = new Map<string, FnSpec>();
const CACHE_LIMIT = 4096;

/**
 * Checks that `source` compiles as a function expression. Returns `null`
 * when it does (or when eval is forbidden here, in which case the worker
 * reports), else the reason.
 */
function checkSource(source: string): string | null {
  try {
    new Function(`return (${source}\n);`);
    return null;
  } catch (error) {
    if (!(error instanceof SyntaxError)) return null; // eval forbidden (CSP)
  }
  try {
    new Function(`return ({${source}\n});`);
    return "a method shorthand (like `m(x) { ... }` in a class or object) cannot be sent as a task";
  } catch {
    return "its source could not be re-created as a function (private fields? minified code?)";
  }
}

/**
 * Makes the {@linkcode FnSpec} for a task function.
 *
 * @param fn The function.
 * @param role What it is for, in error messages (`"task"`, `"initializer"`).
 * @param bind The name a bundler or minifier gave `currentProcess` on the
 *   calling side, bound to it in the worker too; `undefined` when not renamed.
 * @param progress The name a bundler or minifier gave `reportProgress`,
 *   likewise.
 * @throws {TypeError} If `fn` is not a function or cannot be sent.
 */
export function sourceSpec(
  fn: unknown,
  role: string,
  bind?: string,
  progress?: string,
): FnSpec {
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot use ${role} as it must be a function or a moduleTask(): received ${
        fn === null ? "null" : typeof fn
      }`,
    );
  }
  const source = Function.prototype.toString.call(fn);
  const hit = cache.get(source);
  if (hit) return hit;
  let problem: string | null = null;
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    problem = "native or bound functions cannot be sent";
  } else if (/^class\b/.test(source)) {
    problem = "classes cannot be tasks";
  } else {
    problem = checkSource(source);
  }
  if (problem !== null) {
    throw new TypeError(
      `Cannot send ${role} '${
        fn.name || "anonymous"
      }' to a worker as ${problem}: ${HINT}`,
    );
  }
  const spec: FnSpec = bind === undefined && progress === undefined
    ? { kind: "source", source }
    : progress === undefined
    ? { kind: "source", source, bind }
    : bind === undefined
    ? { kind: "source", source, progress }
    : { kind: "source", source, bind, progress };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, spec);
  return spec;
}
