/**
 * Chooses the adapter for a `context`, checking at construction time that
 * the runtime has it.
 *
 * @module
 */

import { received } from "../_options.ts";
import type { WorkerAdapter } from "../core/adapter.ts";
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
 *
 * @throws {TypeError} If `context` is not one of `"web"`, `"bun"`, `"node"`.
 * @throws {Error} If this runtime lacks that kind of worker.
 */
export function selectAdapter(
  context: Context | WorkerAdapter | undefined,
): WorkerAdapter | Promise<WorkerAdapter> {
  if (typeof context === "object" && context !== null) return context;
  const chosen = context ?? defaultContext();
  if (!CONTEXTS.includes(chosen)) {
    throw new TypeError(
      `Cannot create pool as 'context' must be "web", "bun", "node" or a WorkerAdapter object: received ${
        received(chosen)
      }`,
    );
  }
  const lacks = (what: string) =>
    new Error(
      `Cannot create pool with context "${chosen}" as this runtime (${runtime}) has no ${what}: ${
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
