import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentProcess } from "../mod.ts";
import { deadline, T, withPool } from "./_util.ts";

const nameOf = (_x: unknown) => currentProcess().name;

describe("Pool maxtasksperchild", () => {
  test(
    "Pool maxtasksperchild 1 runs each task on a new worker",
    T,
    async () => {
      await withPool({ processes: 1, maxtasksperchild: 1 }, async (pool) => {
        const names: string[] = [];
        for (let i = 0; i < 3; i++) {
          names.push(await deadline(pool.apply(nameOf, [i]), 20, `task ${i}`));
        }
        for (const name of names) assert.match(name, /^PoolWorker-\d+$/);
        assert.equal(new Set(names).size, 3, names.join(", "));
      });
    },
  );

  test(
    "Pool maxtasksperchild 2 retires a worker after two tasks",
    T,
    async () => {
      await withPool({ processes: 1, maxtasksperchild: 2 }, async (pool) => {
        const names: string[] = [];
        for (let i = 0; i < 4; i++) {
          names.push(await deadline(pool.apply(nameOf, [i]), 20, `task ${i}`));
        }
        assert.equal(names[0], names[1]);
        assert.equal(names[2], names[3]);
        assert.notEqual(names[1], names[2]);
      });
    },
  );

  test("Pool maxTasksPerChild is an alias of maxtasksperchild", T, async () => {
    await withPool({ processes: 1, maxTasksPerChild: 1 }, async (pool) => {
      const a = await deadline(pool.apply(nameOf, [0]), 20, "first");
      const b = await deadline(pool.apply(nameOf, [1]), 20, "second");
      assert.notEqual(a, b);
    });
  });

  test("Pool maxtasksperchild counts a chunk as one task", T, async () => {
    await withPool({ processes: 1, maxtasksperchild: 1 }, async (pool) => {
      const names = await deadline(
        pool.map(nameOf, [0, 1, 2, 3], 2),
        30,
        "map",
      );
      assert.equal(names[0], names[1]);
      assert.equal(names[2], names[3]);
      assert.notEqual(names[0], names[2]);
    });
  });

  test(
    "Pool maxtasksperchild gives a replacement worker fresh globals",
    T,
    async () => {
      await withPool({ processes: 1, maxtasksperchild: 1 }, async (pool) => {
        const counts = await deadline(
          pool.map(
            (_x: number) => {
              // deno-lint-ignore no-explicit-any
              const g = globalThis as any;
              g.__xpoolTaskCount = (g.__xpoolTaskCount ?? 0) + 1;
              return g.__xpoolTaskCount;
            },
            [1, 2, 3],
            1,
          ),
          30,
          "map",
        );
        assert.deepEqual(counts, [1, 1, 1]);
      });
    },
  );

  test(
    "Pool maxtasksperchild keeps a long map correct and unhung",
    T,
    async () => {
      await withPool({ maxtasksperchild: 2 }, async (pool) => {
        const xs = Array.from({ length: 24 }, (_, i) => i);
        const results = await deadline(
          pool.map((x: number) => x * x, xs, 1),
          60,
          "map",
        );
        assert.deepEqual(results, xs.map((x) => x * x));
        const more = await deadline(
          Promise.all(
            xs.slice(0, 6).map((x) => pool.apply((y: number) => 100 - y, [x])),
          ),
          30,
          "applies",
        );
        assert.deepEqual(more, [100, 99, 98, 97, 96, 95]);
      });
    },
  );

  test(
    "Pool maxtasksperchild with imap keeps order across retirements",
    T,
    async () => {
      await withPool({ maxtasksperchild: 1 }, async (pool) => {
        const out: number[] = [];
        await deadline(
          (async () => {
            for await (
              const value of pool.imap((x: number) => x + 1, [0, 1, 2, 3, 4, 5])
            ) {
              out.push(value);
            }
          })(),
          60,
          "imap",
        );
        assert.deepEqual(out, [1, 2, 3, 4, 5, 6]);
      });
    },
  );
});
