import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { RemoteError } from "../mod.ts";
import { deadline, fixture, rejection, T, withPool } from "./_util.ts";

/** Makes a task that closes over `secret`: not self-contained. */
function closureOver(secret: number): (x: number) => number {
  return (x: number) => x + secret;
}

function namedDeclaration(a: number, b: number): number {
  return a ** b;
}

async function asyncDeclaration(x: string): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return x.split("").reverse().join("");
}

describe("Task functions sent by source", () => {
  test(
    "Pool.apply() runs arrows, function expressions and declarations",
    T,
    async () => {
      await withPool({}, async (pool) => {
        assert.equal(
          await deadline(pool.apply((x: number) => x + 1, [1]), 20, "arrow"),
          2,
        );
        assert.equal(
          await deadline(
            pool.apply(async (x: number) => await Promise.resolve(x * 5), [2]),
            20,
            "async arrow",
          ),
          10,
        );
        assert.equal(
          await deadline(
            pool.apply(function (x: number) {
              return x - 1;
            }, [10]),
            20,
            "function expression",
          ),
          9,
        );
        assert.equal(
          await deadline(
            pool.apply(function named(x: number): number {
              return x <= 1 ? 1 : x * named(x - 1);
            }, [5]),
            20,
            "recursive named function",
          ),
          120,
        );
        assert.equal(
          await deadline(
            pool.apply(namedDeclaration, [2, 10]),
            20,
            "declaration",
          ),
          1024,
        );
        assert.equal(
          await deadline(
            pool.apply(asyncDeclaration, ["abc"]),
            20,
            "async declaration",
          ),
          "cba",
        );
      });
    },
  );

  test(
    "Pool.apply() runs functions with destructuring and default parameters",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = await deadline(
          pool.apply(
            ({ a, b }: { a: number; b: number }, [c, d]: number[], e = 100) =>
              a + b + c + d + e,
            [{ a: 1, b: 2 }, [3, 4]],
          ),
          20,
          "apply",
        );
        assert.equal(result, 110);
      });
    },
  );

  test("Pool.apply() lets a task use globals", T, async () => {
    await withPool({}, async (pool) => {
      const result = await deadline(
        pool.apply(() => [
          typeof structuredClone,
          Math.max(1, 2),
          JSON.stringify({ a: 1 }),
          typeof setTimeout,
        ]),
        20,
        "apply",
      );
      assert.deepEqual(result, ["function", 2, '{"a":1}', "function"]);
    });
  });

  test("Pool.apply() lets a task use dynamic import()", T, async () => {
    await withPool({}, async (pool) => {
      const result = await deadline(
        pool.apply(async (url: string) => {
          const mod = await import(url);
          return mod.double(21);
        }, [fixture("tasks.ts").href]),
        20,
        "apply",
      );
      assert.equal(result, 42);
    });
  });

  test("Pool.map() reuses one function for many items", T, async () => {
    await withPool({}, async (pool) => {
      const xs = Array.from({ length: 200 }, (_, i) => i);
      const results = await deadline(
        pool.map((x: number) => `#${x}`, xs, 1),
        40,
        "map",
      );
      assert.deepEqual(results, xs.map((x) => `#${x}`));
    });
  });

  test("Pool.apply() tells two different functions apart", T, async () => {
    await withPool({}, async (pool) => {
      const [a, b] = await deadline(
        Promise.all([
          pool.apply((x: number) => x + 1, [1]),
          pool.apply((x: number) => x - 1, [1]),
        ]),
        20,
        "apply",
      );
      assert.deepEqual([a, b], [2, 0]);
    });
  });

  test(
    "Pool.apply() reports a free variable as ReferenceError with a hint about moduleTask",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.apply(closureOver(41), [1])),
          20,
          "apply",
        );
        assert.ok(error instanceof RemoteError, String(error));
        assert.equal(error.name, "ReferenceError");
        assert.match(error.message, /secret/);
        assert.match(error.message, /moduleTask/);
        assert.equal(
          await deadline(pool.apply(() => "next"), 20, "apply"),
          "next",
        );
      });
    },
  );

  test(
    "Pool.apply() rejects a method shorthand with TypeError",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const holder = {
          method(x: number) {
            return x;
          },
          async asyncMethod(x: number) {
            return await Promise.resolve(x);
          },
        };
        for (const fn of [holder.method, holder.asyncMethod]) {
          const error = await deadline(
            rejection(pool.apply(fn, [1])),
            10,
            "apply",
          );
          assert.ok(error instanceof TypeError, String(error));
        }
      });
    },
  );

  test(
    "Pool.apply() rejects bound, native and class functions with TypeError",
    T,
    async () => {
      await withPool({}, async (pool) => {
        class Klass {
          value = 1;
        }
        const bound = ((x: number) => x).bind(null);
        // deno-lint-ignore no-explicit-any
        for (const fn of [bound, Math.max, Array, Klass] as any[]) {
          const error = await deadline(
            rejection(pool.apply(fn, [1])),
            10,
            "apply",
          );
          assert.ok(error instanceof TypeError, `${fn.name}: ${error}`);
          assert.ok(error.message.length > 10, "a clear message");
        }
      });
    },
  );

  test(
    "Pool.apply_async() and imap() throw TypeError at the call for an unsendable function",
    T,
    async () => {
      await withPool({}, (pool) => {
        const holder = {
          method(x: number) {
            return x;
          },
        };
        assert.throws(() => pool.apply_async(holder.method, [1]), TypeError);
        assert.throws(() => pool.map_async(Math.abs, [1]), TypeError);
        assert.throws(
          () => pool.imap(((x: number) => x).bind(null), [1]),
          TypeError,
        );
        // deno-lint-ignore no-explicit-any
        assert.throws(
          () => pool.imap_unordered("x => x" as any, [1]),
          TypeError,
        );
      });
    },
  );

  test(
    "Pool.map() rejects an unsendable function with TypeError",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.map(Math.sqrt, [4])),
          10,
          "map",
        );
        assert.ok(error instanceof TypeError, String(error));
        const star = await deadline(
          rejection(pool.starmap(Math.max, [[1, 2]])),
          10,
          "starmap",
        );
        assert.ok(star instanceof TypeError, String(star));
      });
    },
  );
});
