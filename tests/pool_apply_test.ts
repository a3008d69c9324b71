import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { RemoteError } from "../mod.ts";
import { deadline, rejection, T, withPool } from "./_util.ts";

describe("Pool.apply()", () => {
  test("Pool.apply() resolves to the function's return value", T, async () => {
    await withPool({}, async (pool) => {
      const result = await deadline(
        pool.apply((a: number, b: number) => a + b, [2, 3]),
        20,
        "apply",
      );
      assert.equal(result, 5);
    });
  });

  test("Pool.apply() returns a Promise", T, async () => {
    await withPool({}, async (pool) => {
      const promise = pool.apply(() => 1);
      assert.ok(promise instanceof Promise);
      assert.equal(await deadline(promise, 20, "apply"), 1);
    });
  });

  test(
    "Pool.apply() calls the function with no arguments when args is omitted",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const count = await deadline(
          pool.apply((...rest: unknown[]) => rest.length),
          20,
          "apply",
        );
        assert.equal(count, 0);
      });
    },
  );

  test("Pool.apply() awaits an async function's result", T, async () => {
    await withPool({}, async (pool) => {
      const result = await deadline(
        pool.apply(async (x: number) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return x * 3;
        }, [7]),
        20,
        "apply",
      );
      assert.equal(result, 21);
    });
  });

  test(
    "Pool.apply() passes kwds as one trailing argument object",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = await deadline(
          pool.apply(
            function (
              a: number,
              b: number,
              kw: { scale: number; label: string },
            ) {
              return {
                sum: (a + b) * kw.scale,
                label: kw.label,
                arity: arguments.length,
              };
            },
            [1, 2],
            { kwds: { scale: 10, label: "x" } },
          ),
          20,
          "apply",
        );
        assert.deepEqual(result, { sum: 30, label: "x", arity: 3 });
      });
    },
  );

  test(
    "Pool.apply() passes kwds as the only argument when args is empty",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = await deadline(
          pool.apply((kw: { name: string }) => `hello ${kw.name}`, [], {
            kwds: { name: "pool" },
          }),
          20,
          "apply",
        );
        assert.equal(result, "hello pool");
      });
    },
  );

  test(
    "Pool.apply() resolves undefined for a function returning nothing",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = await deadline(pool.apply(() => {}), 20, "apply");
        assert.equal(result, undefined);
      });
    },
  );

  test(
    "Pool.apply() rejects with a RemoteError when the task throws",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.apply(() => {
            throw new TypeError("bad");
          })),
          20,
          "apply",
        );
        assert.ok(error instanceof RemoteError);
        assert.equal(error.name, "TypeError");
        assert.equal(error.message, "bad");
      });
    },
  );

  test(
    "Pool.apply() runs many concurrent calls with the right results",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const inputs = Array.from({ length: 40 }, (_, i) => i);
        const results = await deadline(
          Promise.all(inputs.map((i) => pool.apply((x: number) => x * x, [i]))),
          30,
          "40 applies",
        );
        assert.deepEqual(results, inputs.map((i) => i * i));
      });
    },
  );

  test("Pool.apply() keeps working after a task failed", T, async () => {
    await withPool({ processes: 1 }, async (pool) => {
      await rejection(pool.apply(() => {
        throw new Error("first");
      }));
      assert.equal(
        await deadline(pool.apply(() => "second"), 20, "apply"),
        "second",
      );
    });
  });

  test(
    "Pool.apply() rejects with TypeError when fn is not a function",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          // deno-lint-ignore no-explicit-any
          rejection(pool.apply(42 as any)),
          20,
          "apply",
        );
        assert.ok(error instanceof TypeError, String(error));
      });
    },
  );
});
