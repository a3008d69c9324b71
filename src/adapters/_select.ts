/**
 * Chooses the adapter for a `context`, checking at construction time that
 * the runtime has it.
 *
 * @module
 */

import { received } from "../_option_names.ts";
import type {
  ResourceLimitName,
  ResourceLimits,
  WorkerAdapter,
} from "../core/adapter.ts";
import type { Context } from "../types.ts";
import { SUPPORTED_RUNTIMES } from "../_features.ts";
import { bunAdapter } from "./_bun.ts";
import {
  builtin,
  defaultContext,
  hasNodeWorkers,
  hasWebWorker,
  runtime,
} from "./_env.ts";
import { nodeAdapter, type WorkerThreads } from "./_node.ts";
import { webAdapter } from "./_web.ts";

export { cpus, defaultContext } from "./_env.ts";

const CONTEXTS: readonly Context[] = ["web", "bun", "node"];

/**
 * The adapter for `context`: a custom adapter object as it is (checked by
 * `checkPoolOptions`), the built-in one a name stands for, or the runtime's
 * default when undefined; or a promise of it when it has to be imported.
 * `doing` starts its errors ("Cannot <doing> as ...").
 *
 * @throws {TypeError} If `context` is not one of `"web"`, `"bun"`, `"node"`.
 * @throws {Error} If this runtime lacks that kind of worker.
 */
export function selectAdapter(
  context: Context | WorkerAdapter | undefined,
  doing = "create pool",
): WorkerAdapter | Promise<WorkerAdapter> {
  if (typeof context === "object" && context !== null) return context;
  const chosen = context ?? defaultContext();
  if (!CONTEXTS.includes(chosen)) {
    throw new TypeError(
      `Cannot ${doing} as 'context' must be "web", "bun", "node" or a WorkerAdapter object: received ${
        received(chosen)
      }`,
    );
  }
  const lacks = (what: string) =>
    new Error(
      `Cannot ${doing} with context "${chosen}" as this runtime (${runtime}) has no ${what}: ${
        context === undefined || context === null
          ? `@x/pool needs ${SUPPORTED_RUNTIMES}`
          : "omit 'context' to use the default"
      }`,
    );
  switch (chosen) {
    case "web":
      if (!hasWebWorker()) throw lacks("global Worker");
      return webAdapter;
    case "bun":
      if (runtime !== "bun") throw lacks("Bun Worker");
      return bunAdapter;
    case "node": {
      if (!hasNodeWorkers()) throw lacks("node:worker_threads");
      const wt = builtin<WorkerThreads>("node:worker_threads");
      if (!wt) {
        throw lacks("process.getBuiltinModule (Node 20.16+, 22.3+, Deno, Bun)");
      }
      return nodeAdapter(wt);
    }
  }
}

/** The built-in adapters, by the name they report. */
const BUILTIN: readonly string[] = CONTEXTS;

/**
 * Throws unless `adapter` applies every limit set in `limits` (its
 * `resourceLimits` capability), with a message naming the context, why,
 * and what to do instead.
 *
 * @throws {Error} If the adapter cannot apply one of the limits.
 */
export function checkLimitsSupported(
  adapter: WorkerAdapter,
  limits: ResourceLimits | undefined,
  custom: boolean,
): void {
  if (limits === undefined) return;
  const can = adapter.resourceLimits;
  const given = Object.keys(limits) as ResourceLimitName[];
  const missing = can === true
    ? []
    : Array.isArray(can)
    ? given.filter((name) => !can.includes(name))
    : given;
  if (missing.length === 0) return;
  const fields = missing.map((name) => `'${name}'`).join(", ");
  const head = `Cannot create pool with 'resourceLimits' (${fields})`;
  let why: string;
  if (custom || !BUILTIN.includes(adapter.name)) {
    why =
      `as the custom adapter '${adapter.name}' does not apply them: omit them, use context "node" (Node, Deno), or have the adapter pass SpawnOptions.resourceLimits on to its workers and say so with 'resourceLimits: true' in the WorkerAdapter`;
  } else if (runtime === "bun") {
    // The heap fields and the stack are different limits: name each given.
    const kinds = [
      missing.some((name) => name !== "stackSizeMb") ? "heap" : "",
      missing.includes("stackSizeMb") ? "stack size" : "",
    ].filter((kind) => kind !== "").join(" or ");
    why =
      `as Bun ignores them on every context (JavaScriptCore has no per-worker ${kinds} limit; context "${adapter.name}"): omit 'resourceLimits', or run on Node or Deno (context "node")`;
  } else if (adapter.name === "node" && runtime === "deno") {
    why = `as Deno's node:worker_threads does not apply ${
      missing.length === 1 ? "it" : "them"
    } (context "node"; measured: the stack depth does not follow 'stackSizeMb', and some values abort the whole process): omit ${
      missing.length === 1 ? "it" : "them"
    }; 'maxOldGenerationSizeMb' and 'maxYoungGenerationSizeMb' work on Deno`;
  } else {
    why = `as context "${adapter.name}" (${
      adapter.name === "web" ? "Web Workers" : "this kind of worker"
    }) has no resource limits: ${
      hasNodeWorkers()
        ? 'use context "node"' +
          (runtime === "deno" ? " (the default on Deno)" : "")
        : "omit 'resourceLimits' (this runtime has no node:worker_threads)"
    }`;
  }
  throw new Error(`${head} ${why}`);
}
