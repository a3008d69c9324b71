import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AsyncResult, currentProcess, RemoteError } from "../mod.ts";
import {
  deadline,
  latch,
  needsStealing,
  readLatch,
  rejection,
  sleep,
  T,
  withPool,
} from "./_util.ts";

/** Sleeps `(n - i) * step` ms so later items finish first. */
const reversedDelay = async (
  { i, n, step }: { i: number; n: number; step: number },
) => {
  await new Promise((resolve) => setTimeout(resolve, (n - i) * step));
  return i;
};

/** Returns the name of the worker running it (currentProcess is bound in workers). */
const workerName = (_x: unknown) => currentProcess().name;

describe("Pool.map()", () => {
  test("Pool.map() resolves to the results in input order", T, async () => {
    await withPool({}, async (pool) => {
      const results = await deadline(
        pool.map((x: number) => x * 2, [1, 2, 3, 4, 5]),
        20,
        "map",
      );
      assert.deepEqual(results, [2, 4, 6, 8, 10]);
    });
  });

  test(
    "Pool.map() keeps input order when later items finish first",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const n = 8;
        const items = Array.from({ length: n }, (_, i) => ({ i, n, step: 40 }));
        const results = await deadline(
          pool.map(reversedDelay, items, 1),
          30,
          "map",
        );
        assert.deepEqual(results, items.map((item) => item.i));
      });
    },
  );

  test(
    "Pool.map() accepts a bare chunksize number and { chunksize }",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const xs = Array.from({ length: 10 }, (_, i) => i);
        const expected = xs.map((x) => x + 1);
        const inc = (x: number) => x + 1;
        assert.deepEqual(
          await deadline(pool.map(inc, xs, 3), 20, "map"),
          expected,
        );
        assert.deepEqual(
          await deadline(pool.map(inc, xs, { chunksize: 3 }), 20, "map"),
          expected,
        );
        assert.deepEqual(
          await deadline(pool.map(inc, xs, { chunksize: 100 }), 20, "map"),
          expected,
        );
      });
    },
  );

  test(
    "Pool.map() sends chunksize items to one worker as one task",
    T,
    async () => {
      // With maxtasksperchild 1 every task gets a fresh worker, so worker names
      // show where chunk boundaries are.
      await withPool({ maxtasksperchild: 1 }, async (pool) => {
        const names = await deadline(
          pool.map(workerName, [0, 1, 2, 3, 4, 5], 3),
          30,
          "map",
        );
        assert.equal(names[0], names[1]);
        assert.equal(names[1], names[2]);
        assert.equal(names[3], names[4]);
        assert.equal(names[4], names[5]);
        assert.notEqual(names[0], names[3]);
      });
    },
  );

  test(
    "Pool.map() uses Python's default chunksize ceil(len / (4 * processes))",
    T,
    async () => {
      // processes 1, 12 items: chunksize 3, so 4 tasks on 4 successive workers.
      await withPool({ processes: 1, maxtasksperchild: 1 }, async (pool) => {
        const names = await deadline(
          pool.map(workerName, Array.from({ length: 12 }, (_, i) => i)),
          40,
          "map",
        );
        const groups = [0, 3, 6, 9].map((start) =>
          names.slice(start, start + 3)
        );
        for (const group of groups) {
          assert.equal(
            new Set(group).size,
            1,
            `one worker per chunk: ${names}`,
          );
        }
        assert.equal(new Set(names).size, 4, `4 chunks: ${names}`);
      });
    },
  );

  test("Pool.map() resolves an empty iterable to [] at once", T, async () => {
    await withPool({}, async (pool) => {
      const results = await deadline(pool.map((x: number) => x, []), 5, "map");
      assert.deepEqual(results, []);
    });
  });

  test("Pool.map() accepts an AsyncIterable", T, async () => {
    await withPool({}, async (pool) => {
      async function* source() {
        for (let i = 0; i < 6; i++) {
          await sleep(1);
          yield i;
        }
      }
      const results = await deadline(
        pool.map((x: number) => x * 10, source()),
        20,
        "map",
      );
      assert.deepEqual(results, [0, 10, 20, 30, 40, 50]);
    });
  });

  test("Pool.map() accepts any Iterable: Set and generator", T, async () => {
    await withPool({}, async (pool) => {
      function* gen() {
        yield "a";
        yield "b";
      }
      assert.deepEqual(
        await deadline(
          pool.map((x: number) => -x, new Set([1, 2, 3])),
          20,
          "map",
        ),
        [-1, -2, -3],
      );
      assert.deepEqual(
        await deadline(pool.map((s: string) => s + s, gen()), 20, "map"),
        ["aa", "bb"],
      );
    });
  });

  test("Pool.map() awaits async task functions", T, async () => {
    await withPool({}, async (pool) => {
      const results = await deadline(
        pool.map(async (x: number) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          return x + 0.5;
        }, [1, 2, 3]),
        20,
        "map",
      );
      assert.deepEqual(results, [1.5, 2.5, 3.5]);
    });
  });

  test(
    "Pool.map() handles a large input with the default chunksize",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const xs = Array.from({ length: 5000 }, (_, i) => i);
        const results = await deadline(
          pool.map((x: number) => x % 7, xs),
          40,
          "map",
        );
        assert.deepEqual(results, xs.map((x) => x % 7));
      });
    },
  );

  test(
    "Pool.map() with a failing item rejects only after every chunk finished",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const sab = latch(1);
        const items = Array.from({ length: 6 }, (_, i) => ({ i, sab }));
        const error = await deadline(
          rejection(
            pool.map(
              async ({ i, sab }: { i: number; sab: SharedArrayBuffer }) => {
                const cells = new Int32Array(sab);
                if (i === 0) {
                  Atomics.add(cells, 0, 1);
                  throw new Error("item 0 failed");
                }
                await new Promise((resolve) => setTimeout(resolve, 150));
                Atomics.add(cells, 0, 1);
                return i;
              },
              items,
              1,
            ),
          ),
          30,
          "map",
        );
        assert.ok(error instanceof RemoteError);
        assert.equal(error.message, "item 0 failed");
        assert.equal(
          readLatch(sab),
          6,
          "all other chunks ran to the end first",
        );
      });
    },
  );

  test("Pool.map() rejects with the first failure to arrive", T, async () => {
    await withPool({}, async (pool) => {
      const sab = latch(1);
      // Two items on two workers: item 0 fails well after item 1 failed.
      const items = [{ i: 0, sab }, { i: 1, sab }];
      const error = await deadline(
        rejection(
          pool.map(
            async ({ i, sab }: { i: number; sab: SharedArrayBuffer }) => {
              const cells = new Int32Array(sab);
              if (i === 0) {
                const seen = Atomics.wait(cells, 0, 0, 10_000) !== "timed-out";
                await new Promise((resolve) => setTimeout(resolve, 300));
                throw new Error(
                  seen
                    ? "slow failure"
                    : "slow failure (items did not run concurrently)",
                );
              }
              Atomics.store(cells, 0, 1);
              Atomics.notify(cells, 0);
              throw new Error("fast failure");
            },
            items,
            1,
          ),
        ),
        30,
        "map",
      );
      assert.equal(error.message, "fast failure");
    });
  });

  test(
    "Pool.map() runs queued items on an idle worker while another worker is blocked",
    { ...T, skip: needsStealing },
    async () => {
      // As in Python, where idle workers pull from a shared queue: item 0
      // blocks until item 5 has run, so items 1-5 must not wait behind it.
      await withPool({}, async (pool) => {
        const sab = latch(1);
        const items = Array.from({ length: 6 }, (_, i) => ({ i, sab }));
        const results = await deadline(
          pool.map(
            ({ i, sab }: { i: number; sab: SharedArrayBuffer }) => {
              const cells = new Int32Array(sab);
              if (i === 0) {
                return Atomics.wait(cells, 0, 0, 5_000) !== "timed-out";
              }
              if (i === 5) {
                Atomics.store(cells, 0, 1);
                Atomics.notify(cells, 0);
              }
              return i;
            },
            items,
            1,
          ),
          30,
          "map",
        );
        assert.deepEqual(
          results,
          [true, 1, 2, 3, 4, 5],
          "item 0 saw item 5 run while it waited",
        );
      });
    },
  );

  test("Pool.map() rejects when the input iterable throws", T, async () => {
    await withPool({}, async (pool) => {
      function* broken() {
        yield 1;
        yield 2;
        throw new Error("input broke");
      }
      const error = await deadline(
        rejection(pool.map((x: number) => x, broken())),
        20,
        "map",
      );
      assert.match(error.message, /input broke/);
      assert.equal(await deadline(pool.apply(() => "ok"), 20, "apply"), "ok");
    });
  });
});

describe("Pool.map_async()", () => {
  test(
    "Pool.map_async() returns an AsyncResult of the whole list",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = pool.map_async((x: number) => x * 2, [1, 2, 3], 2);
        assert.ok(result instanceof AsyncResult);
        assert.deepEqual(await deadline(result.get(), 20, "get"), [2, 4, 6]);
        assert.deepEqual(await deadline(result, 20, "await"), [2, 4, 6]);
      });
    },
  );

  test(
    "Pool.map_async() calls callback with the whole list before settling",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const events: unknown[] = [];
        const result = pool.map_async((x: number) => x + 1, [1, 2, 3], {
          chunksize: 1,
          callback: (list) => events.push(["callback", list]),
        });
        const value = await deadline(result.get(), 20, "get");
        events.push(["settled", value]);
        assert.deepEqual(events, [["callback", [2, 3, 4]], ["settled", [
          2,
          3,
          4,
        ]]]);
      });
    },
  );

  test(
    "Pool.map_async() calls error_callback once for several failing items",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const errors: unknown[] = [];
        let callbacks = 0;
        const result = pool.map_async(
          (x: number) => {
            if (x % 2 === 1) throw new Error(`odd ${x}`);
            return x;
          },
          [0, 1, 2, 3, 4, 5, 6, 7],
          {
            chunksize: 1,
            error_callback: (e) => errors.push(e),
            callback: () => callbacks++,
          },
        );
        const error = await deadline(rejection(result.get()), 20, "get");
        await sleep(200);
        assert.equal(errors.length, 1);
        assert.equal(errors[0], error);
        assert.match(error.message, /^odd [1357]$/);
        assert.equal(callbacks, 0);
        assert.equal(result.successful(), false);
      });
    },
  );

  test(
    "Pool.mapAsync() is an alias of map_async() and takes errorCallback",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const ok = pool.mapAsync((x: number) => x * x, [3, 4]);
        assert.ok(ok instanceof AsyncResult);
        assert.deepEqual(await deadline(ok, 20, "mapAsync"), [9, 16]);

        const seen: unknown[] = [];
        const bad = pool.mapAsync(
          (_x: number) => {
            throw new RangeError("nope");
          },
          [1],
          { errorCallback: (e) => seen.push(e) },
        );
        const error = await deadline(rejection(bad.get()), 20, "get");
        assert.equal(seen.length, 1);
        assert.equal(seen[0], error);
        assert.equal(error.name, "RangeError");
      });
    },
  );

  test(
    "Pool.map_async() of an empty iterable is ready with []",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = pool.map_async((x: number) => x, []);
        await deadline(result.wait(5), 6, "wait");
        assert.equal(result.ready(), true);
        assert.deepEqual(await result.get(0), []);
      });
    },
  );
});

describe("Pool.starmap()", () => {
  test(
    "Pool.starmap() spreads each argument list into the function",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const results = await deadline(
          pool.starmap((a: number, b: number) => a * b, [[1, 2], [3, 4], [
            5,
            6,
          ]]),
          20,
          "starmap",
        );
        assert.deepEqual(results, [2, 12, 30]);
      });
    },
  );

  test(
    "Pool.starmap() accepts a chunksize and an AsyncIterable",
    T,
    async () => {
      await withPool({}, async (pool) => {
        async function* pairs() {
          for (let i = 0; i < 5; i++) yield [i, i] as [number, number];
        }
        const results = await deadline(
          pool.starmap((a: number, b: number) => a + b, pairs(), 2),
          20,
          "starmap",
        );
        assert.deepEqual(results, [0, 2, 4, 6, 8]);
        const again = await deadline(
          pool.starmap((a: string, b: string) => a + b, [["x", "y"]], {
            chunksize: 1,
          }),
          20,
          "starmap",
        );
        assert.deepEqual(again, ["xy"]);
      });
    },
  );

  test("Pool.starmap() resolves an empty iterable to []", T, async () => {
    await withPool({}, async (pool) => {
      assert.deepEqual(
        await deadline(pool.starmap((a: number) => a, []), 5, "starmap"),
        [],
      );
    });
  });

  test(
    "Pool.starmap_async() and starmapAsync() return AsyncResults",
    T,
    async () => {
      await withPool({}, async (pool) => {
        let called: unknown;
        const a = pool.starmap_async((x: number, y: number) => x - y, [[5, 1], [
          9,
          3,
        ]], {
          callback: (list) => (called = list),
        });
        assert.ok(a instanceof AsyncResult);
        assert.deepEqual(await deadline(a.get(), 20, "get"), [4, 6]);
        assert.deepEqual(called, [4, 6]);
        const b = pool.starmapAsync((x: string) => x.length, [["abc"], ["de"]]);
        assert.ok(b instanceof AsyncResult);
        assert.deepEqual(await deadline(b, 20, "starmapAsync"), [3, 2]);
      });
    },
  );
});
