import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentProcess, moduleTask, Pool } from "../mod.ts";
import {
  constructionError,
  deadline,
  fixture,
  latch,
  observe,
  rejection,
  T,
  withPool,
} from "./_util.ts";

/** Two tasks that each wait for the other, so they must run on two workers. */
const rendezvous = (sab: SharedArrayBuffer, read: string) => {
  const cells = new Int32Array(sab);
  Atomics.add(cells, 0, 1);
  Atomics.notify(cells, 0);
  const start = Date.now();
  while (Atomics.load(cells, 0) < 2 && Date.now() - start < 10_000) {
    Atomics.wait(cells, 0, Atomics.load(cells, 0), 50);
  }
  // deno-lint-ignore no-explicit-any
  return (globalThis as any)[read];
};

type Tasks = typeof import("./fixtures/tasks.ts");

describe("Pool initializer", () => {
  test(
    "Pool initializer sets a global that tasks on every worker see",
    T,
    async () => {
      await withPool({
        initializer: (value: string) => {
          // deno-lint-ignore no-explicit-any
          (globalThis as any).__xpoolInit = value;
        },
        initargs: ["hello"],
      }, async (pool) => {
        const sab = latch(1);
        const seen = await deadline(
          Promise.all([
            pool.apply(rendezvous, [sab, "__xpoolInit"]),
            pool.apply(rendezvous, [sab, "__xpoolInit"]),
          ]),
          30,
          "rendezvous",
        );
        assert.deepEqual(seen, ["hello", "hello"]);
      });
    },
  );

  test(
    "Pool initializer runs once per worker before its first task",
    T,
    async () => {
      await withPool({
        processes: 1,
        initializer: () => {
          // deno-lint-ignore no-explicit-any
          const g = globalThis as any;
          g.__xpoolInitCount = (g.__xpoolInitCount ?? 0) + 1;
        },
      }, async (pool) => {
        const counts = await deadline(
          // deno-lint-ignore no-explicit-any
          pool.map((_x: number) => (globalThis as any).__xpoolInitCount, [
            1,
            2,
            3,
            4,
          ], 1),
          20,
          "map",
        );
        assert.deepEqual(counts, [1, 1, 1, 1]);
      });
    },
  );

  test(
    "Pool initializer may be async and is awaited before tasks",
    T,
    async () => {
      await withPool({
        initializer: async (value: number) => {
          await new Promise((resolve) => setTimeout(resolve, 100));
          // deno-lint-ignore no-explicit-any
          (globalThis as any).__xpoolAsyncInit = value;
        },
        initargs: [99],
      }, async (pool) => {
        const values = await deadline(
          // deno-lint-ignore no-explicit-any
          pool.map((_x: number) => (globalThis as any).__xpoolAsyncInit, [
            1,
            2,
            3,
            4,
          ], 1),
          20,
          "map",
        );
        assert.deepEqual(values, [99, 99, 99, 99]);
      });
    },
  );

  test("Pool initializer runs in replacement workers too", T, async () => {
    await withPool({
      processes: 1,
      maxtasksperchild: 1,
      initializer: (value: string) => {
        // deno-lint-ignore no-explicit-any
        const g = globalThis as any;
        g.__xpoolReplaced = value;
        g.__xpoolReplacedCount = (g.__xpoolReplacedCount ?? 0) + 1;
      },
      initargs: ["again"],
    }, async (pool) => {
      const seen = await deadline(
        pool.map(
          (_x: number) => {
            // deno-lint-ignore no-explicit-any
            const g = globalThis as any;
            return [
              g.__xpoolReplaced,
              g.__xpoolReplacedCount,
              currentProcess().name,
            ];
          },
          [1, 2, 3],
          1,
        ),
        30,
        "map",
      );
      assert.deepEqual(seen.map((s) => s.slice(0, 2)), [["again", 1], [
        "again",
        1,
      ], ["again", 1]]);
      assert.equal(new Set(seen.map((s) => s[2])).size, 3, "three workers");
    });
  });

  test(
    "Pool initializer that throws rejects pending and later tasks and nothing hangs",
    T,
    async () => {
      await withPool({
        initializer: () => {
          throw new Error("init exploded");
        },
      }, async (pool) => {
        const pending: Promise<unknown>[] = [
          pool.apply(() => 1),
          pool.map((x: number) => x, [1, 2, 3]),
          pool.apply_async(() => 2).get(),
        ].map((p: Promise<unknown>) => observe(p));
        for (const promise of pending) {
          const error = await deadline(rejection(promise), 30, "pending task");
          assert.match(error.message, /initializer/i);
          assert.match(
            `${error.message} ${
              String((error.cause as Error | undefined)?.message)
            }`,
            /init exploded/,
          );
        }
        const later = await deadline(
          rejection(pool.apply(() => 3)),
          30,
          "later task",
        );
        assert.match(later.message, /initializer/i);
      });
    },
  );

  test(
    "Pool initializer that rejects asynchronously fails tasks clearly",
    T,
    async () => {
      await withPool({
        initializer: async () => {
          await new Promise((resolve) => setTimeout(resolve, 10));
          throw new TypeError("async init failed");
        },
      }, async (pool) => {
        const error = await deadline(
          rejection(pool.apply(() => 1)),
          30,
          "task",
        );
        assert.match(error.message, /initializer/i);
        const imapError = await deadline(
          rejection(pool.imap((x: number) => x, [1]).next()),
          30,
          "imap",
        );
        assert.match(imapError.message, /initializer/i);
      });
    },
  );

  test(
    "Pool with a failed initializer can be closed and joined",
    T,
    async () => {
      await withPool({
        initializer: () => {
          throw new Error("nope");
        },
      }, async (pool) => {
        await deadline(rejection(pool.apply(() => 1)), 30, "task");
        pool.close();
        await deadline(pool.join(), 20, "join");
      });
    },
  );

  test("Pool initializer may be a moduleTask", T, async () => {
    await withPool({
      initializer: moduleTask(fixture("tasks.ts"), "setStateSlowly"),
      initargs: [{ from: "initializer" }],
    }, async (pool) => {
      const state = await deadline(
        pool.map(
          moduleTask<Tasks["getState"]>(fixture("tasks.ts"), "getState"),
          [0, 1, 2, 3],
          1,
        ),
        30,
        "map",
      );
      assert.deepEqual(state, Array(4).fill({ from: "initializer" }));
    });
  });

  test(
    "Pool initializer that is a moduleTask of a missing module fails tasks clearly",
    T,
    async () => {
      await withPool({
        initializer: moduleTask(fixture("does_not_exist.ts"), "init"),
      }, async (pool) => {
        const error = await deadline(
          rejection(pool.apply(() => 1)),
          30,
          "task",
        );
        assert.match(error.message, /initializer/i);
      });
    },
  );

  test(
    "new Pool() refuses a method-shorthand or native initializer with TypeError",
    T,
    async () => {
      const holder = {
        init() {
          return 1;
        },
      };
      const method = await constructionError(() =>
        new Pool({ processes: 1, initializer: holder.init })
      );
      assert.ok(method instanceof TypeError, String(method));
      const native = await constructionError(() =>
        new Pool({ processes: 1, initializer: Math.max })
      );
      assert.ok(native instanceof TypeError, String(native));
    },
  );
});
