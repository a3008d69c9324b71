/**
 * `pool.stats()`: `{ processes, busy, idle, queued, running, completed,
 * failed }` on a fresh pool, under load (consistent at every sample), with
 * failures, and after close/join and terminate.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "../mod.ts";
import type { PoolStats } from "../mod.ts";
import {
  deadline,
  latch,
  observe,
  poolOptions,
  release,
  sleep,
  T,
  until,
  withPool,
} from "./_util.ts";

const KEYS = [
  "processes",
  "busy",
  "idle",
  "queued",
  "running",
  "completed",
  "failed",
];

/** Shape and invariants that hold at any time. */
function check(s: PoolStats, processes: number): void {
  assert.deepEqual(Object.keys(s).sort(), [...KEYS].sort());
  for (const key of KEYS) {
    const v = (s as unknown as Record<string, number>)[key];
    assert.ok(Number.isInteger(v) && v >= 0, `${key} = ${v}`);
  }
  assert.equal(s.processes, processes);
  assert.ok(s.busy + s.idle <= s.processes, JSON.stringify(s));
}

/** A task that waits until slot 0 of `sab` is set (polling, async). */
const waitFor = async (sab: SharedArrayBuffer, x: number): Promise<number> => {
  const cell = new Int32Array(sab);
  while (Atomics.load(cell, 0) === 0) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return x;
};

describe("pool.stats()", () => {
  test("a fresh pool: zeros, then idle workers", T, async () => {
    await withPool({ processes: 3 }, async (pool) => {
      const first = pool.stats();
      check(first, 3);
      assert.equal(first.queued + first.running, 0);
      assert.equal(first.completed + first.failed, 0);
      await deadline(pool.apply(() => 1), 20, "apply");
      await until(() => pool.stats().idle === 3, 20, "3 idle workers");
      const s = pool.stats();
      check(s, 3);
      assert.equal(s.busy, 0);
      assert.equal(s.completed, 1);
      assert.notEqual(pool.stats(), pool.stats()); // a new snapshot each time
    });
  });

  test("one running, the rest queued (sent or not)", T, async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const gate = latch();
      const results = [0, 1, 2, 3].map((i) =>
        observe(pool.apply_async(waitFor, [gate, i]))
      );
      try {
        await until(() => pool.stats().running === 1, 20, "one running");
        const s = pool.stats();
        check(s, 1);
        assert.equal(s.queued, 3, JSON.stringify(s));
        assert.equal(s.busy, 1);
        assert.equal(s.idle, 0);
      } finally {
        release(gate);
      }
      assert.deepEqual(
        await deadline(Promise.all(results), 20, "results"),
        [0, 1, 2, 3],
      );
      const s = pool.stats();
      assert.equal(s.completed, 4);
      assert.equal(s.queued + s.running, 0);
    });
  });

  test(
    "under load: consistent at every sample, queued falls, completed rises",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const n = 24;
        const slow = async (x: number): Promise<number> => {
          await new Promise((resolve) => setTimeout(resolve, 10));
          return x;
        };
        const done = pool.map(slow, Array.from({ length: n }, (_, i) => i), 1);
        let finished = false;
        void done.then(() => finished = true, () => finished = true);
        const samples: PoolStats[] = [];
        await deadline(
          (async () => {
            while (!finished) {
              const s = pool.stats();
              check(s, 2);
              // Every chunk is queued, running or settled, but for those
              // finished whose results are on their way (counted in none).
              assert.ok(
                s.queued + s.running + s.completed <= n,
                JSON.stringify(s),
              );
              assert.ok(s.running <= s.busy, JSON.stringify(s));
              assert.equal(s.failed, 0);
              samples.push(s);
              await sleep(3);
            }
          })(),
          30,
          "sampling",
        );
        assert.equal((await done).length, n);
        assert.ok(samples.length > 0);
        assert.ok(samples[0].queued > 0, JSON.stringify(samples[0]));
        for (let i = 1; i < samples.length; i++) {
          assert.ok(samples[i].completed >= samples[i - 1].completed);
          assert.ok(samples[i].queued <= samples[i - 1].queued);
        }
        const end = pool.stats();
        assert.equal(end.completed, n);
        assert.equal(end.queued + end.running, 0);
      });
    },
  );

  test(
    "failed counts tasks settled with an error (a chunk as one)",
    T,
    async () => {
      await withPool({}, async (pool) => {
        await observe(pool.apply(() => {
          throw new Error("no");
        })).catch(() => {});
        await observe(
          pool.map(
            (x: number) => {
              if (x === 1) throw new Error("one");
              return x;
            },
            [0, 1, 2, 3],
            2,
          ),
        ).catch(() => {});
        await deadline(pool.map((x: number) => x, [1, 2, 3], 1), 20, "map");
        const s = pool.stats();
        check(s, 2);
        assert.equal(s.failed, 2, JSON.stringify(s));
        assert.equal(s.completed, 4, JSON.stringify(s));
      });
    },
  );

  test("after close and join: no workers, the totals stay", T, async () => {
    const pool = new Pool(poolOptions());
    try {
      await deadline(pool.map((x: number) => x, [1, 2, 3, 4], 1), 20, "map");
      pool.close();
      await deadline(pool.join(), 20, "join");
      const s = pool.stats();
      check(s, 2);
      assert.deepEqual(
        [s.busy, s.idle, s.queued, s.running, s.completed, s.failed],
        [0, 0, 0, 0, 4, 0],
      );
    } finally {
      await deadline(pool.terminate(), 20, "terminate");
    }
  });

  test("after terminate: unfinished tasks count as failed", T, async () => {
    const pool = new Pool(poolOptions({ processes: 1 }));
    const gate = latch();
    try {
      const results = [0, 1, 2].map((i) =>
        observe(pool.apply_async(waitFor, [gate, i]))
      );
      await until(() => pool.stats().running === 1, 20, "one running");
      await deadline(pool.terminate(), 20, "terminate");
      for (const r of results) await r.catch(() => {});
      const s = pool.stats();
      check(s, 1);
      assert.deepEqual(
        [s.busy, s.idle, s.queued, s.running, s.completed, s.failed],
        [0, 0, 0, 0, 0, 3],
      );
    } finally {
      release(gate);
      await deadline(pool.terminate(), 20, "terminate");
    }
  });
});
