/**
 * Chooses the adapter for a `context`, checking at construction time that
 * the runtime has it.
 *
 * @module
 */

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
import { workerUrl } from "../_worker_url.ts";

// TEMP shim until seam lands: wraps the old spawn(url, options, events)
// adapters into the new seam (spawn(options, events), sharedMemory).
// deno-lint-ignore no-explicit-any
function shim(old: any): WorkerAdapter {
  return {
    name: old.name,
    sharedMemory: typeof SharedArrayBuffer === "function" &&
      (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !==
        false,
    spawn: (options, events) => old.spawn(workerUrl(), options, events),
  };
}

export { cpus, defaultContext } from "./_env.ts";

const CONTEXTS: readonly Context[] = ["web", "bun", "node"];

/**
 * The adapter for `context` (the runtime's default when undefined), or a
 * promise of it when it has to be imported.
 *
 * @throws {TypeError} If `context` is not one of `"web"`, `"bun"`, `"node"`.
 * @throws {Error} If this runtime lacks that kind of worker.
 */
export function selectAdapter(
  context: Context | undefined,
): WorkerAdapter | Promise<WorkerAdapter> {
  const chosen = context ?? defaultContext();
  if (!CONTEXTS.includes(chosen)) {
    throw new TypeError(
      `Cannot create pool as 'context' must be "web", "bun" or "node": received ${
        JSON.stringify(chosen)
      }`,
    );
  }
  const lacks = (what: string) =>
    new Error(
      `Cannot create pool with context "${chosen}" as this runtime (${runtime}) has no ${what}: ${
        context === undefined
          ? `@x/pool needs ${SUPPORTED_RUNTIMES}`
          : "omit 'context' to use the default"
      }`,
    );
  switch (chosen) {
    case "web":
      if (!hasWebWorker()) throw lacks("global Worker");
      return shim(webAdapter); // TEMP shim until seam lands
    case "bun":
      if (runtime !== "bun") throw lacks("Bun Worker");
      return shim(bunAdapter); // TEMP shim until seam lands
    case "node": {
      if (!hasNodeWorkers()) throw lacks("node:worker_threads");
      const wt = builtin<WorkerThreads>("node:worker_threads");
      if (!wt) {
        throw lacks("process.getBuiltinModule (Node 20.16+, 22.3+, Deno, Bun)");
      }
      return shim(nodeAdapter(wt)); // TEMP shim until seam lands
    }
  }
}
