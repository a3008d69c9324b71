/**
 * `pool.stats()` with `signal` and `timeout`: aborted queued tasks leave
 * `queued` at once (they are dropped lazily, but counted), `running` never
 * exceeds `busy`, and tasks stopped by a signal or a timeout count as
 * `failed`, so that once everything settled `completed + failed` is what
 * was submitted. And a result that arrives after its call's time ran out
 * (this thread was blocked past the deadline) rejects with `TimeoutError`.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Pool, PoolStats } from "../mod.ts";
import {
  deadline,
  latch,
  observe,
  rejection,
  release,
  sleep,
  T,
  until,
  withPool,
} from "./_util.ts";

/** A task that waits until slot 0 of `sab` is set (polling, async). */
const waitFor = async (sab: SharedArrayBuffer, x: number): Promise<number> => {
  const cell = new Int32Array(sab);
  while (Atomics.load(cell, 0) === 0) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return x;
};

/** A sync task that spins for `ms`. */
const spin = (ms: number): number => {
  const t = Date.now();
  while (Date.now() - t < ms) { /* busy */ }
  return ms;
};

const sum = (s: PoolStats) => s.completed + s.failed + s.queued + s.running;

/** Blocks this thread for `ms` (as a long sync job or a GC pause would). */
function block(ms: number): void {
  const t = performance.now();
  while (performance.now() - t < ms) { /* busy */ }
}

describe("pool.stats() with signal and timeout", () => {
  test(
    "aborted queued tasks leave queued at once and count as failed",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const gate = latch();
        try {
          const long = observe(pool.apply(waitFor, [gate, 0]));
          await until(() => pool.stats().running === 1, 20, "one running");
          // 100 calls on one signal, then 1,000 with a controller each.
          const shared = new AbortController();
          const own = Array.from({ length: 1000 }, () => new AbortController());
          const calls = [
            ...Array.from(
              { length: 100 },
              (_, i) =>
                pool.apply_async((x: number) => x, [i], {
                  signal: shared.signal,
                }),
            ),
            ...own.map((c, i) =>
              pool.apply_async((x: number) => x, [i], { signal: c.signal })
            ),
          ];
          await sleep(20); // some are sent ahead to the worker
          assert.equal(sum(pool.stats()), 1101, JSON.stringify(pool.stats()));
          shared.abort();
          for (const c of own) c.abort();
          const settled = await deadline(Promise.allSettled(calls), 20, "all");
          assert.ok(settled.every((s) => s.status === "rejected"));
          let s = pool.stats();
          assert.deepEqual(
            [s.queued, s.running, s.completed, s.failed],
            [0, 1, 0, 1100],
            JSON.stringify(s),
          );
          release(gate);
          assert.equal(await deadline(long, 20, "long task"), 0);
          await until(() => pool.stats().running === 0, 20, "idle");
          s = pool.stats();
          assert.deepEqual(
            [s.queued, s.running, s.completed, s.failed],
            [0, 0, 1, 1100],
            JSON.stringify(s),
          );
          // The pool goes on.
          assert.equal(
            await deadline(pool.apply((x: number) => x, [7]), 20, "next"),
            7,
          );
        } finally {
          release(gate);
        }
      });
    },
  );

  test(
    "running <= busy <= processes; totals add up after aborts and timeouts",
    { timeout: 120_000 }, // Deno replaces a stopped worker in ~0.4-2 s
    async () => {
      await withPool({ processes: 2 }, async (pool) => {
        const aw = async (ms: number) => {
          await new Promise((resolve) => setTimeout(resolve, ms));
          return ms;
        };
        await deadline(pool.map(aw, [1, 1], 1), 20, "warm-up");
        const bad: PoolStats[] = [];
        const sample = () => {
          const s = pool.stats();
          if (s.running > s.busy || s.busy > s.processes) bad.push(s);
        };
        const timer = setInterval(sample, 1);
        let submitted = 2; // the warm-up's chunks
        let fulfilled = 2;
        const calls: Promise<unknown>[] = [];
        try {
          for (let round = 0; round < 6; round++) {
            const c = new AbortController();
            for (let k = 0; k < 20; k++) {
              calls.push(observe(
                pool.apply_async(
                  spin,
                  [k % 10],
                  k % 3 ? {} : { signal: c.signal },
                ).then(() => fulfilled++),
              ));
              submitted++;
            }
            for (let k = 0; k < 4; k++) {
              calls.push(observe(
                pool.apply_async(aw, [20], { timeout: 0.01 })
                  .then(() => fulfilled++),
              ));
              submitted++;
            }
            setTimeout(() => c.abort(), 5);
            sample();
            await sleep(15);
            sample();
          }
          await deadline(Promise.allSettled(calls), 90, "all calls");
        } finally {
          clearInterval(timer);
        }
        await until(() => pool.stats().running === 0, 20, "idle");
        const s = pool.stats();
        assert.deepEqual(bad, [], "running above busy or busy above processes");
        assert.equal(s.queued, 0, JSON.stringify(s));
        assert.equal(s.completed, fulfilled, JSON.stringify(s));
        assert.equal(s.failed, submitted - fulfilled, JSON.stringify(s));
        assert.ok(s.failed > 0, JSON.stringify(s)); // some were stopped
        // The map family: chunks stopped by its timeout count as failed.
        const before = pool.stats();
        const timedOut = pool.map_async(aw, [1, 1, 400, 400, 400, 400], {
          chunksize: 1,
          timeout: 0.1,
        });
        const error = await deadline(rejection(timedOut), 20, "map timeout");
        assert.equal(error.name, "TimeoutError");
        await until(() => pool.stats().running === 0, 20, "idle");
        await until(() => pool.stats().queued === 0, 20, "queue empty");
        const after = pool.stats();
        assert.equal(
          after.completed + after.failed - before.completed - before.failed,
          6,
          JSON.stringify(after),
        );
      });
    },
  );
});

describe("pool.stats() right after an abort", () => {
  // A tester's finding: tasks the worker had run ahead (their results on
  // the way) and the one it ran were missing from `failed`, and `running`
  // stayed 1, until the stopped worker's replacement was up (0-73 ms).
  for (const n of [20, 2000]) {
    test(
      `${n} tiny tasks sent ahead, aborted: counted as failed at once, none running`,
      T,
      async () => {
        await withPool({ processes: 1 }, async (pool) => {
          await deadline(pool.apply(() => 0), 20, "warm-up");
          for (let round = 0; round < 3; round++) {
            const before = pool.stats();
            const c = new AbortController();
            const calls = Array.from(
              { length: n },
              (_, i) =>
                pool.apply(
                  (x: number) => {
                    const end = Date.now() + 0.2;
                    while (Date.now() < end) { /* busy */ }
                    return x;
                  },
                  [i],
                  { signal: c.signal },
                ).then(() => 1, () => 0),
            );
            await sleep(5);
            c.abort();
            const outcomes = await deadline(Promise.all(calls), 20, "calls");
            const ok = outcomes.reduce((a: number, b) => a + b, 0);
            const s = pool.stats();
            const label = `round ${round}: ${ok} fulfilled, ${
              JSON.stringify(s)
            }`;
            assert.equal(s.running, 0, label);
            assert.equal(s.queued, 0, label);
            assert.equal(s.completed - before.completed, ok, label);
            assert.equal(s.failed - before.failed, n - ok, label);
          }
        });
      },
    );
  }
});

describe("a result after its time ran out", () => {
  test(
    "apply: rejects with TimeoutError when this thread was blocked past the limit",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool: Pool) => {
        await deadline(pool.apply((x: number) => x, [1]), 20, "warm-up");
        const result = observe(pool.apply(spin, [600], { timeout: 0.3 }));
        await until(() => pool.stats().running === 1, 20, "started");
        block(1000); // the task ends (600 ms) while timers cannot fire
        const error = await deadline(rejection(result), 20, "apply");
        assert.equal(error.name, "TimeoutError", String(error));
        const s = pool.stats();
        assert.equal(s.failed, 1, JSON.stringify(s));
        assert.equal(
          await deadline(pool.apply((x: number) => x, [2]), 20, "next"),
          2,
        );
      });
    },
  );

  test(
    "map: rejects with TimeoutError when this thread was blocked past the limit",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool: Pool) => {
        await deadline(pool.apply((x: number) => x, [1]), 20, "warm-up");
        const result = observe(
          pool.map_async(spin, [600], { timeout: 0.3 }).get(),
        );
        await until(() => pool.stats().running === 1, 20, "started");
        block(1000);
        const error = await deadline(rejection(result), 20, "map");
        assert.equal(error.name, "TimeoutError", String(error));
        assert.equal(
          await deadline(pool.apply((x: number) => x, [2]), 20, "next"),
          2,
        );
      });
    },
  );

  test("a call without a timeout keeps its late result", T, async () => {
    await withPool({ processes: 1 }, async (pool: Pool) => {
      const result = pool.apply(spin, [300]);
      await until(() => pool.stats().running === 1, 20, "started");
      block(600);
      assert.equal(await deadline(result, 20, "apply"), 300);
    });
  });
});

describe("pool.stats() around an abort (README: Pool state)", () => {
  test(
    "a call on an aborted signal from an abort listener: counted as documented",
    T,
    async () => {
      await withPool({ processes: 2 }, async (pool) => {
        await pool.apply((x: number) => x, [0]);
        const task = (x: number) => x;
        // The pool does not watch the signal: counted nowhere.
        const first = new AbortController();
        let call: Promise<unknown> | undefined;
        let before: PoolStats | undefined;
        first.signal.addEventListener("abort", () => {
          before = pool.stats();
          call = pool.apply(task, [1], { signal: first.signal });
        });
        const reason = new Error("R");
        first.abort(reason);
        assert.equal(await rejection(deadline(call!, 20, "call")), reason);
        await sleep(20);
        let after = pool.stats();
        assert.deepEqual(
          [after.completed - before!.completed, after.failed - before!.failed],
          [0, 0],
          "counted nowhere",
        );
        // A call of the pool watches it (the listener runs before the
        // pool's): the listener's call joins the aborted tasks, failed.
        const second = new AbortController();
        let joined: Promise<unknown> | undefined;
        second.signal.addEventListener("abort", () => {
          joined = pool.apply(task, [2], { signal: second.signal });
        });
        const gate = latch();
        try {
          const running = observe(
            pool.apply(waitFor, [gate, 3], { signal: second.signal }),
          );
          await until(() => pool.stats().running === 1, 20, "running");
          before = pool.stats();
          second.abort(reason);
          assert.equal(
            await rejection(deadline(joined!, 20, "joined")),
            reason,
          );
          assert.equal(await rejection(deadline(running, 20, "run")), reason);
          await sleep(20);
          after = pool.stats();
          assert.deepEqual(
            [after.completed - before.completed, after.failed - before.failed],
            [0, 2],
            "the running call and the listener's",
          );
        } finally {
          release(gate);
        }
      });
    },
  );

  test(
    "10,000 aborted calls: no task queued or running once all settled",
    T,
    async () => {
      await withPool({ processes: 2 }, async (pool) => {
        await pool.map((x: number) => x, [1, 2]);
        const base = pool.stats();
        const controller = new AbortController();
        const calls = Array.from(
          { length: 10_000 },
          (_, i) =>
            pool.apply((x: number) => x + 1, [i], {
              signal: controller.signal,
            }).then(() => 1, () => 0),
        );
        await sleep(0);
        controller.abort();
        await deadline(Promise.all(calls), 20, "all");
        // Workers may still be busy answering tasks of the aborted call
        // they started (counted failed already): busy, neither queued nor
        // running, and they take work again once those answers came.
        let s = pool.stats();
        assert.deepEqual([s.queued, s.running], [0, 0], JSON.stringify(s));
        assert.equal(
          s.completed + s.failed - base.completed - base.failed,
          10_000,
        );
        assert.ok(s.busy + s.idle <= 2, JSON.stringify(s));
        await until(() => pool.stats().idle === 2, 20, "idle again");
        s = pool.stats();
        assert.deepEqual(
          [s.busy, s.idle, s.queued, s.running],
          [0, 2, 0, 0],
          JSON.stringify(s),
        );
        assert.equal(
          await deadline(pool.apply((x: number) => x, [7]), 20, "next"),
          7,
        );
      });
    },
  );
});

describe("signals the pool cannot mark", () => {
  test(
    "a signal that takes no new property still stops its calls",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool: Pool) => {
        const controller = new AbortController();
        // Listened to once before freezing: Node's EventTarget adds its own
        // fields on first use; and it cannot abort a frozen signal).
        controller.signal.addEventListener("abort", () => {});
        const signal = Object.preventExtensions(controller.signal);
        const gate = latch();
        try {
          const a = observe(pool.apply(waitFor, [gate, 1], { signal }));
          const b = observe(pool.apply((x: number) => x, [2], { signal }));
          await until(() => pool.stats().running === 1, 20, "started");
          controller.abort(new Error("stop"));
          for (const r of [a, b]) {
            assert.equal(
              (await deadline(rejection(r), 20, "call")).message,
              "stop",
            );
          }
          assert.ok(
            !Object.getOwnPropertySymbols(signal).some((k) =>
              k.description?.startsWith("@x/pool")
            ),
          );
          assert.equal(
            await deadline(pool.apply((x: number) => x, [3]), 20, "next"),
            3,
          );
        } finally {
          release(gate);
        }
      });
    },
  );
});
