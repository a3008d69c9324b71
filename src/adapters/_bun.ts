/**
 * The `"bun"` adapter: Bun's global `Worker`, plus its extras: a `close`
 * event with the exit code (so a worker that exits is noticed at once) and
 * `ref`/`unref`.
 *
 * @module
 */

import type { WorkerAdapter } from "../core/adapter.ts";
import { sharedMemory } from "./_env.ts";
import { startWebWorker } from "./_web.ts";

/** The `"bun"` adapter. */
export const bunAdapter: WorkerAdapter = {
  name: "bun",
  sharedMemory,
  spawn(options, events) {
    return startWebWorker(options.name, events, (worker, exited) => {
      worker.addEventListener("close", (event) => {
        exited((event as Event & { code?: number }).code);
      });
    });
  },
};
