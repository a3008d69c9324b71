import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "../mod.ts";
import type { Context, PoolOptions } from "../mod.ts";
import {
  constructionError,
  context,
  deadline,
  hasContext,
  poolOptions,
  rejection,
  runtime,
  T,
  withPool,
} from "./_util.ts";

/** `new Pool(options)` with the suite's context, expected to throw. */
function badPool(options: PoolOptions): Promise<unknown> {
  return constructionError(() => new Pool({ ...poolOptions(), ...options }));
}

describe("new Pool() options", () => {
  test("new Pool(n) takes the worker count as a bare number", {
    ...T,
    skip: context === undefined
      ? false
      : "a bare number cannot carry XPOOL_TEST_CONTEXT",
  }, async () => {
    const pool = new Pool(3);
    try {
      assert.equal(pool.processes, 3);
      assert.equal(await deadline(pool.apply(() => "ok"), 20, "apply"), "ok");
    } finally {
      await deadline(pool.terminate(), 20, "terminate");
    }
  });

  test("new Pool({ processes }) sets pool.processes", T, async () => {
    await withPool({ processes: 3 }, (pool) => {
      assert.equal(pool.processes, 3);
    });
  });

  test("new Pool() makes pool.processes read-only", T, async () => {
    await withPool({}, (pool) => {
      try {
        // deno-lint-ignore no-explicit-any
        (pool as any).processes = 9;
      } catch {
        // a getter without setter throws in strict mode: fine
      }
      assert.equal(pool.processes, 2);
    });
  });

  test(
    "new Pool() throws RangeError for processes 0, negative or not an integer",
    T,
    async () => {
      for (
        const processes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]
      ) {
        const error = await badPool({ processes });
        assert.ok(
          error instanceof RangeError,
          `processes ${processes}: ${error}`,
        );
      }
      for (const processes of [0, 1.5]) {
        const error = await constructionError(() => new Pool(processes));
        assert.ok(
          error instanceof RangeError,
          `new Pool(${processes}): ${error}`,
        );
      }
    },
  );

  test(
    "new Pool() throws RangeError for a bad maxtasksperchild",
    T,
    async () => {
      for (const maxtasksperchild of [0, -2, 1.5]) {
        const error = await badPool({ maxtasksperchild });
        assert.ok(
          error instanceof RangeError,
          `maxtasksperchild ${maxtasksperchild}: ${error}`,
        );
      }
      const alias = await badPool({ maxTasksPerChild: 0 });
      assert.ok(alias instanceof RangeError, `maxTasksPerChild 0: ${alias}`);
    },
  );

  test("new Pool() accepts maxtasksperchild undefined", T, async () => {
    await withPool({ maxtasksperchild: undefined }, async (pool) => {
      assert.equal(await deadline(pool.apply(() => 1), 20, "apply"), 1);
    });
  });

  test("new Pool() throws for an unknown context", T, async () => {
    const error = await constructionError(() =>
      new Pool({ processes: 1, context: "thread" as Context })
    );
    assert.ok(error instanceof Error, String(error));
    assert.match((error as Error).message, /thread/);
  });

  for (const ctx of ["web", "bun", "node"] as const) {
    if (hasContext(ctx)) {
      test(
        `new Pool({ context: "${ctx}" }) runs tasks on ${runtime}`,
        T,
        async () => {
          const pool = new Pool({ processes: 1, context: ctx });
          try {
            assert.equal(
              await deadline(
                pool.apply((x: number) => x + 1, [1]),
                20,
                "apply",
              ),
              2,
            );
            assert.deepEqual(
              await deadline(
                pool.map((x: number) => x * 2, [1, 2, 3]),
                20,
                "map",
              ),
              [2, 4, 6],
            );
          } finally {
            await deadline(pool.terminate(), 20, "terminate");
          }
        },
      );
    } else {
      test(
        `new Pool({ context: "${ctx}" }) throws at construction on ${runtime}`,
        T,
        async () => {
          const error = await constructionError(() =>
            new Pool({ processes: 1, context: ctx })
          );
          assert.ok(error instanceof Error, String(error));
          assert.match((error as Error).message, new RegExp(ctx));
        },
      );
    }
  }

  test(
    "new Pool({ context: undefined }) uses the default adapter",
    T,
    async () => {
      const pool = new Pool({ processes: 1, context: undefined });
      try {
        assert.equal(await deadline(pool.apply(() => 5), 20, "apply"), 5);
      } finally {
        await deadline(pool.terminate(), 20, "terminate");
      }
    },
  );
});

describe("chunksize validation", () => {
  const bad = [0, -1, 1.5];

  test(
    "Pool.map() and starmap() reject a chunksize that is not a positive integer",
    T,
    async () => {
      await withPool({}, async (pool) => {
        for (const chunksize of bad) {
          const bare = await deadline(
            rejection(pool.map((x: number) => x, [1], chunksize)),
            10,
            "map",
          );
          assert.ok(
            bare instanceof RangeError,
            `map chunksize ${chunksize}: ${bare}`,
          );
          const object = await deadline(
            rejection(pool.map((x: number) => x, [1], { chunksize })),
            10,
            "map",
          );
          assert.ok(
            object instanceof RangeError,
            `map { chunksize: ${chunksize} }: ${object}`,
          );
          const star = await deadline(
            rejection(pool.starmap((x: number) => x, [[1]], chunksize)),
            10,
            "starmap",
          );
          assert.ok(
            star instanceof RangeError,
            `starmap chunksize ${chunksize}: ${star}`,
          );
        }
        assert.deepEqual(
          await deadline(pool.map((x: number) => x, [1, 2]), 20, "map"),
          [1, 2],
        );
      });
    },
  );

  test(
    "Pool.map_async(), starmap_async(), imap() and imap_unordered() throw RangeError at the call",
    T,
    async () => {
      await withPool({}, (pool) => {
        const f = (x: number) => x;
        for (const chunksize of bad) {
          assert.throws(() => pool.map_async(f, [1], chunksize), RangeError);
          assert.throws(
            () => pool.map_async(f, [1], { chunksize }),
            RangeError,
          );
          assert.throws(() => pool.mapAsync(f, [1], chunksize), RangeError);
          assert.throws(
            () => pool.starmap_async(f, [[1]], chunksize),
            RangeError,
          );
          assert.throws(() => pool.imap(f, [1], chunksize), RangeError);
          assert.throws(() => pool.imap(f, [1], { chunksize }), RangeError);
          assert.throws(
            () => pool.imap_unordered(f, [1], chunksize),
            RangeError,
          );
        }
      });
    },
  );
});
