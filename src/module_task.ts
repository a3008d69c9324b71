// This module is browser compatible.
/**
 * {@linkcode moduleTask}: a typed handle to a function exported by a module,
 * which the worker imports (the counterpart of Python pickling a function by
 * reference).
 *
 * @module
 */

import type { AnyFunction } from "./types.ts";

const BRAND: unique symbol = Symbol.for("@x/pool.moduleTask");

/**
 * A handle to a function exported by a module. The worker imports
 * `url` and calls its export `name`. Made by {@linkcode moduleTask};
 * `F` is the function's type, so results and arguments stay typed.
 *
 * @typeParam F The exported function's type.
 */
export interface ModuleTask<F extends AnyFunction = AnyFunction> {
  /** Absolute URL (or bare specifier) of the module to import. */
  readonly url: string;
  /** Name of the export to call. */
  readonly name: string;
  /** Phantom field carrying the function type; never set at run time. */
  readonly __fn?: F;
}

/**
 * Makes a handle to a function exported by a module, for use as a task or
 * an initializer. The worker imports the module once and calls the export.
 * Use it for code that needs imports, module state or closures, which a
 * function sent by source cannot carry.
 *
 * @typeParam F The exported function's type: `typeof import("./tasks.ts").hash`.
 * @param url The module: a `URL` (usually `new URL("./tasks.ts", import.meta.url)`),
 *   an absolute URL string, or a bare specifier the worker can resolve.
 * @param exportName The export to call.
 * @returns A handle accepted wherever a task function is.
 * @throws {TypeError} If `url` is a relative path or `exportName` is empty.
 *
 * @example Usage
 * ```ts
 * import { moduleTask, Pool } from "@x/pool";
 *
 * // A module URL relative to this file; here the repository's
 * // examples/tasks/hash.ts, whose `sha256(text)` returns `{ digest, ... }`.
 * const sha256 = moduleTask<typeof import("../examples/tasks/hash.ts").sha256>(
 *   new URL("../examples/tasks/hash.ts", import.meta.url),
 *   "sha256",
 * );
 * await using pool = new Pool(2);
 * const results = await pool.map(sha256, ["a", "b"]);
 * console.log(results[0].digest.slice(0, 8)); // ca978112 (SHA-256 of "a")
 * ```
 */
export function moduleTask<F extends AnyFunction = AnyFunction>(
  url: string | URL,
  exportName: string = "default",
): ModuleTask<F> {
  let href: string;
  if (url instanceof URL) {
    href = url.href;
  } else if (typeof url === "string" && url.length > 0) {
    if (url.startsWith("./") || url.startsWith("../") || url.startsWith("/")) {
      throw new TypeError(
        `Cannot create module task as the module path is relative: received '${url}'; ` +
          `pass new URL('${url}', import.meta.url) so the worker can find it`,
      );
    }
    href = url;
  } else {
    throw new TypeError(
      `Cannot create module task as 'url' must be a URL or a non-empty string: received ${typeof url}`,
    );
  }
  if (typeof exportName !== "string" || exportName.length === 0) {
    throw new TypeError(
      "Cannot create module task as 'exportName' must be a non-empty string",
    );
  }
  const task = { url: href, name: exportName, [BRAND]: true };
  return Object.freeze(task) as ModuleTask<F>;
}

/** Whether `value` is a handle made by {@linkcode moduleTask}. */
export function isModuleTask(value: unknown): value is ModuleTask {
  return typeof value === "object" && value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true;
}
