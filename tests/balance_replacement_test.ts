/**
 * A task sent to a busy worker while another worker was being replaced
 * (after an abort or a timeout) must not wait behind the busy worker's long
 * task once the replacement is up: the replacement takes it back (work
 * stealing), as an idle worker would take it from Python's shared queue.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../mod.ts";
import { deadline, needsStealing, sleep, T, withPool } from "./_util.ts";

const nap = async (ms: number, value?: unknown) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
};
const double = (x: number) => 2 * x;

for (const how of ["timeout", "signal"] as const) {
  test(
    `a task sent while a worker is replaced after a ${how} runs on the replacement, not behind a long task`,
    { ...T, skip: needsStealing },
    async () => {
      await withPool({}, async (pool) => {
        assert.equal(await pool.apply(double, [1]), 2); // workers up
        const long = pool.apply_async(nap, [120_000, "long"]);
        await sleep(100); // the long task runs on one worker
        const stopped = how === "timeout"
          ? pool.apply(nap, [120_000], { timeout: 0.3 })
          : pool.apply(nap, [120_000], {
            signal: AbortSignal.timeout(300),
          });
        await assert.rejects(
          stopped,
          how === "timeout" ? TimeoutError : { name: "TimeoutError" },
        );
        // Submitted at once: the stopped worker's replacement is not up yet.
        // One task: the busy worker has room for it (a second task waits in
        // a worker), and nothing else would make the pool look again.
        const result = await deadline(
          pool.apply(double, [21]),
          20,
          "a task sent behind a 120 s task while a replacement is idle",
        );
        assert.equal(result, 42);
        assert.equal(long.ready(), false);
      });
    },
  );
}
