/**
 * A task sent to a busy worker while another worker was being replaced
 * (after an abort or a timeout) must not wait behind the busy worker's long
 * task once the replacement is up: the replacement takes it back (work
 * stealing), as an idle worker would take it from Python's shared queue.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Pool, TimeoutError } from "../mod.ts";
import { ThreadAdapter } from "./_thread_adapter.ts";
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

// Without shared memory a worker cannot give back a task sent to it and
// not started: the pool must not send one to a worker stuck on a long task
// (a tester: 2-3 of 4 tiny tasks waited ~2.7 s behind a 3 s task while the
// other worker was idle, with or without a replacement starting).
const longNap = async (ms: number) => {
  const g = globalThis as unknown as Record<symbol, (ms: number) => unknown>;
  await g[Symbol.for("xpool.sleep")](ms); // the adapter's timer
  return "long";
};
for (const stop of ["none", "timeout"] as const) {
  test(
    `no shared memory: tiny tasks do not wait behind a worker's long task (${stop})`,
    T,
    async () => {
      const pool = new Pool({
        processes: 2,
        context: new ThreadAdapter({ sharedMemory: false }),
      });
      try {
        assert.deepEqual(await pool.map(double, [1, 2], 1), [2, 4]);
        const long = pool.apply_async(longNap, [120_000]);
        await sleep(100); // the long task runs on one worker, silent
        if (stop === "timeout") {
          await assert.rejects(
            pool.apply(longNap, [120_000], { timeout: 0.2 }),
            TimeoutError,
          );
        }
        const results = await deadline(
          Promise.all([1, 2, 3, 4].map((x) => pool.apply(double, [x]))),
          20,
          "tiny tasks while one worker runs a 120 s task",
        );
        assert.deepEqual(results, [2, 4, 6, 8]);
        assert.equal(long.ready(), false);
      } finally {
        await deadline(pool.terminate(), 20, "terminate");
      }
    },
  );
}

// A task whose buffers were transferred to a worker cannot be sent again
// (they are gone from this side): never taken back for an idle worker, it
// runs where it was sent. (The CI run of the first version of this change
// rejected such a task with "ArrayBuffer ... is already detached" on Deno's
// web context: taken back from a worker still starting.)
test(
  "a task that transferred buffers is never taken back: it runs where it went",
  { ...T, skip: needsStealing },
  async () => {
    await withPool({}, async (pool) => {
      assert.equal(await pool.apply(double, [1]), 2); // workers up
      const long = pool.apply_async(nap, [1500, "long"]);
      await sleep(100);
      await assert.rejects(
        pool.apply(nap, [120_000], { timeout: 0.2 }),
        TimeoutError,
      );
      const buffer = new ArrayBuffer(8);
      new Uint8Array(buffer)[0] = 7;
      const first = (b: ArrayBuffer) => new Uint8Array(b)[0];
      const result = await deadline(
        pool.apply(first, [buffer], { transfer: [buffer] }),
        30,
        "a task with a transfer list",
      );
      assert.equal(result, 7);
      assert.equal(await long.get(30), "long");
    });
  },
);

test(
  "tasks with transfer lists sent while the workers start all run",
  T,
  async () => {
    await withPool({ processes: 4 }, async (pool) => {
      const results = await deadline(
        Promise.all(Array.from({ length: 8 }, (_, i) => {
          const buffer = new ArrayBuffer(4);
          new Uint8Array(buffer)[0] = i;
          return pool.apply(
            (b: ArrayBuffer) => new Uint8Array(b)[0],
            [buffer],
            {
              transfer: [buffer],
            },
          );
        })),
        30,
        "tasks with transfer lists",
      );
      assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6, 7]);
    });
  },
);
