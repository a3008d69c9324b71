import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WorkerLostError } from "../mod.ts";
import { runExitScript } from "./_child.ts";
import {
  deadline,
  isDenoWeb,
  latch,
  observe,
  rejection,
  settle,
  sleep,
  T,
  withPool,
} from "./_util.ts";

/**
 * Ends the worker it runs in: `process.exit(3)` where that ends a worker
 * (node and bun adapters, Bun web workers); `self.close()` in a Deno web
 * worker (RUNTIMES.md §5c). It never returns a result.
 */
const killWorker = isDenoWeb
  ? () => {
    // deno-lint-ignore no-explicit-any
    (globalThis as any).close();
    return new Promise(() => {});
  }
  : () => {
    // deno-lint-ignore no-explicit-any
    (globalThis as any).process.exit(3);
    return new Promise(() => {});
  };

/** Two tasks that each wait for the other, so they must run on two workers. */
const meet = (sab: SharedArrayBuffer, value: number) => {
  const cells = new Int32Array(sab);
  Atomics.add(cells, 0, 1);
  Atomics.notify(cells, 0);
  const start = Date.now();
  while (Atomics.load(cells, 0) < 2 && Date.now() - start < 10_000) {
    Atomics.wait(cells, 0, Atomics.load(cells, 0), 50);
  }
  return Atomics.load(cells, 0) >= 2 ? value : -1;
};

// Deno web workers never report that they closed: the pool finds out by its
// own liveness check, which may take a while.
const DEATH_SECONDS = 40;

describe("Worker death", () => {
  test(
    "Pool.apply() rejects with WorkerLostError when the task kills its worker, and the next task works",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.apply(killWorker)),
          DEATH_SECONDS,
          "apply",
        );
        assert.ok(error instanceof WorkerLostError, String(error));
        assert.equal(error.name, "WorkerLostError");
        assert.match(error.workerName, /^PoolWorker-\d+$/);
        if (!isDenoWeb) assert.equal(error.exitCode, 3);
        assert.equal(
          await deadline(pool.apply((x: number) => x * 2, [21]), 20, "apply"),
          42,
        );
      });
    },
  );

  test("Pool replaces a dead worker so it keeps its full size", T, async () => {
    await withPool({}, async (pool) => {
      await deadline(rejection(pool.apply(killWorker)), DEATH_SECONDS, "apply");
      const sab = latch(1);
      const values = await deadline(
        Promise.all([pool.apply(meet, [sab, 1]), pool.apply(meet, [sab, 2])]),
        30,
        "two concurrent tasks",
      );
      assert.deepEqual(values, [1, 2]);
      assert.equal(pool.processes, 2);
    });
  });

  test(
    "Pool.apply() on another worker is unaffected by a worker's death",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const slow = pool.apply(async (ms: number) => {
          await new Promise((resolve) => setTimeout(resolve, ms));
          return "survived";
        }, [500]);
        await sleep(50);
        const lost = await deadline(
          rejection(pool.apply(killWorker)),
          DEATH_SECONDS,
          "apply",
        );
        assert.ok(lost instanceof WorkerLostError, String(lost));
        assert.equal(await deadline(slow, 20, "slow task"), "survived");
      });
    },
  );

  test(
    "Pool.map() rejects with WorkerLostError when an item kills its worker, and the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.map(
            ({ x, useClose }: { x: number; useClose: boolean }) => {
              if (x === 3) {
                // deno-lint-ignore no-explicit-any
                const g = globalThis as any;
                if (useClose) g.close();
                else g.process.exit(3);
                return new Promise(() => {});
              }
              return x;
            },
            [1, 2, 3, 4, 5].map((x) => ({ x, useClose: isDenoWeb })),
            1,
          )),
          DEATH_SECONDS,
          "map",
        );
        assert.ok(error instanceof WorkerLostError, String(error));
        assert.deepEqual(
          await deadline(pool.map((x: number) => x, [1, 2, 3]), 20, "map"),
          [1, 2, 3],
        );
      });
    },
  );

  test(
    "Pool.apply() rejects when the worker throws outside the task, and the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.apply(() => {
            setTimeout(() => {
              throw new Error("thrown from a timer");
            }, 0);
            return new Promise(() => {});
          })),
          DEATH_SECONDS,
          "apply",
        );
        assert.ok(error instanceof Error);
        assert.equal(
          await deadline(pool.apply(() => "after"), 20, "apply"),
          "after",
        );
      });
    },
  );

  test(
    "Pool.apply() rejects when the task leaves an unhandled rejection, and the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.apply(() => {
            Promise.reject(new Error("nobody handles me"));
            return new Promise(() => {});
          })),
          DEATH_SECONDS,
          "apply",
        );
        assert.ok(error instanceof Error);
        assert.equal(
          await deadline(pool.apply(() => "after"), 20, "apply"),
          "after",
        );
      });
    },
  );

  test("Pool.terminate() rejects a task stuck in a busy loop and resolves", {
    ...T,
    skip: isDenoWeb
      ? "Deno web Worker.terminate() cannot stop a busy loop (RUNTIMES.md §5f)"
      : false,
  }, async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const busy = observe(pool.apply(() => {
        for (;;) {
          // spin
        }
      }));
      const queued = observe(pool.apply(() => 1));
      await sleep(300);
      await deadline(pool.terminate(), 20, "terminate");
      for (const promise of [busy, queued]) {
        const result = await deadline(settle(promise), 10, "pending");
        assert.equal(result.ok, false);
        if (!result.ok) {
          assert.equal((result.error as Error).name, "AbortError");
        }
      }
    });
  });

  test("Pool.terminate() of a busy loop lets the process exit", {
    ...T,
    skip: isDenoWeb
      ? "Deno web Worker.terminate() cannot stop a busy loop (RUNTIMES.md §5f)"
      : false,
  }, async () => {
    const result = await runExitScript("busy-terminate", 45);
    assert.equal(result.timedOut, false, `child hung: ${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /exit_script done: busy-terminate/);
  });
});
