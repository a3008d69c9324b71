// This module is browser compatible.
/**
 * The worker loop's fallback when a batch of results cannot be posted
 * (some value cannot be cloned): posts them one by one, each that fails
 * as a `DataCloneError` result of its task.
 *
 * @module
 */

import { toRecord } from "../core/_error_record.ts";
import { clause } from "../core/_messages.ts";
import type { ErrorRecord } from "../core/_wire.ts";
import {
  oneResult,
  putResult,
  resultCount,
  resultSeq,
  STATUS_ERROR,
} from "../core/_wire.ts";
import type { WorkerChannel } from "./serve.ts";

/** Posts `results` one by one until done or `stopped()`. */
export function postEach(
  channel: WorkerChannel,
  results: unknown[],
  stopped: () => boolean,
): void {
  const n = resultCount(results);
  for (let k = 0; k < n && !stopped(); k++) {
    try {
      channel.post({ type: "results", results: oneResult(results, k) });
    } catch (error) {
      // Cloning ran the value's getters, which may throw anything:
      // describe it safely, and never let the report itself throw.
      const why = toRecord(error);
      const one: unknown[] = [];
      putResult(
        one,
        resultSeq(results, k),
        STATUS_ERROR,
        {
          name: "DataCloneError",
          message:
            `Cannot send the task's result back to the pool as structured clone cannot copy it: ${
              clause(why.message)
            }; return plain data (no functions, symbols or class instances with private state)`,
        } satisfies ErrorRecord,
      );
      try {
        channel.post({ type: "results", results: one });
      } catch {
        // the channel is gone: the pool learns it from the worker's exit
      }
    }
  }
}
