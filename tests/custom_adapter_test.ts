/**
 * A custom adapter without shared memory (tests/_custom_adapter.ts, built on
 * the public seam only): a task that kills its worker rejects
 * `WorkerLostError` alone, the other tasks of the same call complete, and
 * the pool replaces the worker once instead of starting workers in a loop
 * (issue 11 saw 1,656 in 2 s). And an adapter whose `spawn` throws gives a
 * clear error on the task, once.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool, type WorkerAdapter, WorkerLostError } from "../mod.ts";
import { customAdapter } from "./_custom_adapter.ts";
import { deadline, rejection, runtime, settle, sleep, T } from "./_util.ts";

/** The custom adapter starts web Workers on Deno (and Bun). */
const denoWeb = runtime === "deno";

/** The ways a task can kill its worker, where each one works. */
const KILLERS: [string, false | string, (x: number) => unknown][] = [
  [
    "process.exit()",
    false,
    (x) => {
      // deno-lint-ignore no-explicit-any
      if (x === 3) (globalThis as any).process.exit(3);
      return new Promise((resolve) => setTimeout(() => resolve(x * 2), 20));
    },
  ],
  [
    "process.exit() among tiny tasks",
    false,
    (x) => {
      // deno-lint-ignore no-explicit-any
      if (x === 3) (globalThis as any).process.exit(3);
      return x * 2;
    },
  ],
  [
    "self.close()",
    denoWeb ? false : "self.close() ends only Deno web workers",
    (x) => {
      // deno-lint-ignore no-explicit-any
      if (x === 3) (globalThis as any).close();
      return new Promise((resolve) => setTimeout(() => resolve(x * 2), 20));
    },
  ],
  [
    "an uncaught throw in a timer",
    false,
    (x) => {
      if (x === 3) {
        setTimeout(() => {
          throw new Error("uncaught");
        }, 0);
        return new Promise(() => {});
      }
      return new Promise((resolve) => setTimeout(() => resolve(x * 2), 20));
    },
  ],
];

const PROCESSES = 2;
const ITEMS = Array.from({ length: 8 }, (_, i) => i);

/** Checks `results` (settled per item): item 3 lost its worker, the rest ran. */
function checkResults(
  results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[],
): void {
  results.forEach((r, i) => {
    if (i === 3) {
      assert.ok(!r.ok, "the killer rejects");
      assert.ok(r.error instanceof WorkerLostError, String(r.error));
    } else {
      assert.deepEqual(r, { ok: true, value: i * 2 }, `item ${i}`);
    }
  });
}

/** Waits 2 s, then checks the pool started at most one extra worker or two. */
async function checkBounded(adapter: { spawned: number }): Promise<void> {
  await sleep(2000);
  assert.ok(
    adapter.spawned <= PROCESSES + 2,
    `the adapter started ${adapter.spawned} workers for a pool of ${PROCESSES} that lost one`,
  );
}

describe("A custom adapter without shared memory", () => {
  for (const [label, skip, killer] of KILLERS) {
    test(
      `Pool.apply_async(): a task ending its worker by ${label} rejects WorkerLostError alone; the others resolve; no restart loop`,
      { ...T, skip },
      async () => {
        const adapter = customAdapter();
        const pool = new Pool({ processes: PROCESSES, context: adapter });
        try {
          assert.match(String(pool), /context=custom/);
          // Tiny tasks first, so that the pool sends workers many at once.
          const warm = Array.from({ length: 5000 }, (_, i) => i);
          await deadline(pool.map((x: number) => x, warm), 20, "warm-up");
          const results = await deadline(
            Promise.all(
              ITEMS.map((x) => settle(pool.apply_async(killer, [x]))),
            ),
            40,
            "tasks",
          );
          checkResults(results);
          assert.equal(await deadline(pool.apply(killer, [1]), 20, "after"), 2);
          await checkBounded(adapter);
        } finally {
          await deadline(pool.terminate(), 20, "terminate");
        }
      },
    );

    test(
      `Pool.imap() with chunksize 1: an item ending its worker by ${label} rejects WorkerLostError alone; the others run; no restart loop`,
      { ...T, skip },
      async () => {
        const adapter = customAdapter();
        const pool = new Pool({ processes: PROCESSES, context: adapter });
        try {
          const it = pool.imap(killer, ITEMS, 1);
          const results = [];
          for (const _ of ITEMS) {
            results.push(await deadline(settle(it.next()), 40, "next"));
          }
          checkResults(
            results.map((r) => r.ok ? { ok: true, value: r.value.value } : r),
          );
          await checkBounded(adapter);
        } finally {
          await deadline(pool.terminate(), 20, "terminate");
        }
      },
    );
  }

  test(
    "Pool.map() with an adapter whose spawn throws rejects with an error naming the cause, and does not try again and again",
    T,
    async () => {
      let calls = 0;
      const broken: WorkerAdapter = {
        name: "broken",
        sharedMemory: false,
        spawn() {
          calls++;
          throw new Error("no transport here");
        },
      };
      const pool = new Pool({ processes: PROCESSES, context: broken });
      try {
        const error = await deadline(
          rejection(pool.map((x: number) => x, [1, 2, 3])),
          20,
          "map",
        );
        assert.match(error.message, /no transport here/);
        await sleep(500);
        assert.ok(calls <= PROCESSES, `spawn was called ${calls} times`);
        const again = await deadline(
          rejection(pool.apply((x: number) => x, [1])),
          20,
          "apply",
        );
        assert.match(again.message, /no transport here/);
      } finally {
        await deadline(pool.terminate(), 20, "terminate");
      }
    },
  );
});
