import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { deadline, latch, rejection, T, withPool } from "./_util.ts";

describe("Arguments and results cross by structured clone", () => {
  test("Pool.apply() round-trips structured-cloneable values", T, async () => {
    await withPool({}, async (pool) => {
      const value = {
        map: new Map<string, number>([["a", 1]]),
        set: new Set([1, 2]),
        date: new Date(0),
        regexp: /ab+c/gi,
        big: 2n ** 70n,
        bytes: new Uint8Array([1, 2, 3]),
        nested: { list: [1, "two", null, undefined, Number.NaN] },
      };
      const back = await deadline(
        pool.apply((v: unknown) => v, [value]),
        20,
        "apply",
      );
      assert.deepEqual(back, value);
    });
  });

  test("Pool.apply() sends class instances as plain objects", T, async () => {
    await withPool({}, async (pool) => {
      class Point {
        constructor(x: number, y: number) {
          this.x = x;
          this.y = y;
        }
        x: number;
        y: number;
      }
      const result = await deadline(
        pool.apply((p: { x: number; y: number }) => ({
          plain: Object.getPrototypeOf(p) === Object.prototype,
          sum: p.x + p.y,
        }), [new Point(1, 2)]),
        20,
        "apply",
      );
      assert.deepEqual(result, { plain: true, sum: 3 });
    });
  });

  test(
    "Pool.apply() rejects an argument holding a function and the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.apply((o: unknown) => typeof o, [{ f: () => 1 }])),
          20,
          "apply",
        );
        assert.match(`${error.name} ${error.message}`, /clon/i);
        assert.equal(
          await deadline(pool.apply((x: number) => x * 2, [4]), 20, "apply"),
          8,
        );
      });
    },
  );

  test(
    "Pool.apply() rejects a symbol argument and the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.apply((s: unknown) => String(s), [Symbol("s")])),
          20,
          "apply",
        );
        assert.match(`${error.name} ${error.message}`, /clon/i);
        assert.equal(await deadline(pool.apply(() => "ok"), 20, "apply"), "ok");
      });
    },
  );

  test(
    "Pool.apply_async() with an unclonable argument fails that task only",
    T,
    async () => {
      await withPool({}, async (pool) => {
        let failure: unknown;
        try {
          const result = pool.apply_async((o: unknown) => o, [{ f: () => 1 }]);
          failure = await deadline(rejection(result.get()), 20, "get");
        } catch (thrown) {
          failure = thrown; // refusing at the call is acceptable too
        }
        assert.ok(failure instanceof Error, String(failure));
        assert.match(`${failure.name} ${failure.message}`, /clon/i);
        assert.equal(
          await deadline(pool.apply_async(() => 3).get(), 20, "get"),
          3,
        );
      });
    },
  );

  test(
    "Pool.map() with an unclonable item rejects and the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.map((x: unknown) => typeof x, [1, () => 2, 3], 1)),
          20,
          "map",
        );
        assert.match(`${error.name} ${error.message}`, /clon/i);
        assert.deepEqual(
          await deadline(pool.map((x: number) => x, [1, 2]), 20, "map"),
          [1, 2],
        );
      });
    },
  );

  test(
    "Pool.apply() rejects a function result with a clear error and the pool goes on",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const error = await deadline(
          rejection(pool.apply(() => () => 1)),
          20,
          "apply",
        );
        assert.match(`${error.name} ${error.message}`, /clon/i);
        assert.equal(
          await deadline(pool.apply(() => "after"), 20, "apply"),
          "after",
        );
      });
    },
  );

  test(
    "Pool.apply() rejects a symbol result with a clear error and the pool goes on",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const error = await deadline(
          rejection(pool.apply(() => Symbol("r"))),
          20,
          "apply",
        );
        assert.match(`${error.name} ${error.message}`, /clon/i);
        assert.equal(await deadline(pool.apply(() => 7), 20, "apply"), 7);
      });
    },
  );

  test(
    "Pool.map() with an unclonable result for one item rejects and the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(
            pool.map(
              (x: number) => (x === 2 ? new WeakMap() : x),
              [1, 2, 3],
              1,
            ),
          ),
          20,
          "map",
        );
        assert.match(`${error.name} ${error.message}`, /clon/i);
        const it = pool.imap((x: number) => (x === 2 ? (() => x) : x), [
          1,
          2,
          3,
        ]);
        assert.deepEqual(await deadline(it.next(), 20, "next"), {
          value: 1,
          done: false,
        });
        await deadline(rejection(it.next()), 20, "next");
        assert.deepEqual(await deadline(it.next(), 20, "next"), {
          value: 3,
          done: false,
        });
      });
    },
  );

  test(
    "Pool.apply() transfers ArrayBuffers listed in transfer",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const buffer = new ArrayBuffer(16);
        new Uint8Array(buffer)[0] = 9;
        const result = await deadline(
          pool.apply((b: ArrayBuffer) => [b.byteLength, new Uint8Array(b)[0]], [
            buffer,
          ], {
            transfer: [buffer],
          }),
          20,
          "apply",
        );
        assert.deepEqual(result, [16, 9]);
        assert.equal(buffer.byteLength, 0, "the caller's buffer is detached");
      });
    },
  );

  test(
    "Pool.apply() with something not transferable in transfer rejects naming 'transfer'",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        for (const item of [new Map(), new Date(0)]) {
          const buffer = new ArrayBuffer(8);
          const error = await deadline(
            pool.apply((b: ArrayBuffer) => b.byteLength, [buffer], {
              transfer: [buffer, item as never],
            }).then(() => undefined, (e: unknown) => e),
            20,
            "apply",
          );
          assert.ok(error instanceof TypeError, `${item}: ${error}`);
          assert.match(error.message, /'transfer'/);
          assert.match(error.message, /transferable/);
        }
        // the pool goes on
        assert.equal(
          await deadline(pool.apply((x: number) => x + 1, [1]), 20, "apply"),
          2,
        );
      });
    },
  );

  test(
    "Pool.apply() shares a SharedArrayBuffer with the worker",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const sab = latch(1);
        await deadline(
          pool.apply((s: SharedArrayBuffer) => {
            Atomics.store(new Int32Array(s), 0, 1234);
          }, [sab]),
          20,
          "apply",
        );
        assert.equal(Atomics.load(new Int32Array(sab), 0), 1234);
      });
    },
  );
});
