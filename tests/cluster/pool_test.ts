/**
 * The Pool API through a NATS cluster (issue 13), on loopback: a server and
 * a host started by each test, the pool's results as on one machine.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  currentProcess,
  RemoteError,
  reportProgress,
  WorkerLostError,
} from "../../mod.ts";
import { bounded, incTask, noNatsServer, withCluster } from "./_setup.ts";

const T = { timeout: 120_000, skip: noNatsServer };

test("apply, map, starmap, map_async: values and order", T, async () => {
  await withCluster(async (c) => {
    const pool = c.pool();
    assert.equal(
      await bounded(
        pool.apply((a: number, b: number) => a + b, [1, 2]),
        30,
        "apply",
      ),
      3,
    );
    const xs = Array.from({ length: 300 }, (_, i) => i);
    assert.deepEqual(
      await bounded(pool.map((x: number) => x * x, xs), 30, "map"),
      xs.map((x) => x * x),
    );
    assert.deepEqual(
      await bounded(pool.map((x: number) => -x, xs, 7), 30, "map chunksize 7"),
      xs.map((x) => -x),
    );
    assert.deepEqual(
      await bounded(
        pool.starmap((a: number, b: number) => a * b, xs.map((x) => [x, 2])),
        30,
        "starmap",
      ),
      xs.map((x) => x * 2),
    );
    let called: number[] | undefined;
    const result = pool.map_async((x: number) => x + 1, [1, 2, 3], {
      callback: (values: number[]) => called = values,
    });
    assert.deepEqual(await bounded(result.get(30), 31, "map_async"), [2, 3, 4]);
    assert.deepEqual(called, [2, 3, 4]);
    // Many small apply calls at once spread over the slots, each in order.
    const many = await bounded(
      Promise.all(xs.map((x) => pool.apply((v: number) => v * 3, [x]))),
      60,
      "300 apply calls",
    );
    assert.deepEqual(many, xs.map((x) => x * 3));
  });
});

test("values cross as structured clone copies them", T, async () => {
  await withCluster(async (c) => {
    const pool = c.pool();
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const value = {
      u: undefined,
      nan: NaN,
      negZero: -0,
      big: 2n ** 70n,
      date: new Date(1_700_000_000_123),
      re: /a+b/gi,
      map: new Map<unknown, unknown>([[1, "one"], ["k", { deep: [1, 2] }]]),
      set: new Set([1, "two", 3n]),
      buffer: new Uint8Array([9, 8, 7]).buffer,
      view: new DataView(new Uint8Array([1, 2, 3]).buffer),
      typed: [
        new Int8Array([-1]),
        new Uint8Array([255]),
        new Uint8ClampedArray([7]),
        new Int16Array([-300]),
        new Uint16Array([60000]),
        new Int32Array([-70000]),
        new Uint32Array([4000000000]),
        new Float32Array([1.5]),
        new Float64Array([Math.PI]),
        new BigInt64Array([-5n]),
        new BigUint64Array([5n]),
      ],
      cyclic,
      nested: [[{ a: [null, undefined, "é"] }]],
    };
    const back = await bounded(
      pool.apply((v: unknown) => v, [value]),
      30,
      "identity",
    ) as typeof value;
    assert.deepEqual(back, value);
    assert.ok(Object.is(back.negZero, -0));
    assert.ok(back.buffer instanceof ArrayBuffer);
    assert.ok(back.view instanceof DataView);
    assert.equal(back.cyclic.self, back.cyclic);
    // Arguments that cannot be carried reject that task alone.
    await assert.rejects(
      bounded(
        pool.apply((f: unknown) => typeof f, [() => 1]),
        30,
        "a function",
      ),
      TypeError,
    );
    assert.equal(await bounded(pool.apply(() => 5), 30, "after"), 5);
  });
});

test("imap, imap with buffersize, imap_unordered", T, async () => {
  await withCluster(async (c) => {
    const pool = c.pool();
    const xs = Array.from({ length: 100 }, (_, i) => i);
    const ordered: number[] = [];
    for await (const y of pool.imap((x: number) => x * 2, xs, 3)) {
      ordered.push(y as number);
    }
    assert.deepEqual(ordered, xs.map((x) => x * 2));
    let pulled = 0;
    function* input() {
      for (const x of xs.slice(0, 40)) {
        pulled++;
        yield x;
      }
    }
    let taken = 0;
    let ahead = 0;
    const it = pool.imap((x: number) => x + 1, input(), { buffersize: 2 });
    for await (const y of it) {
      assert.equal(y, taken + 1);
      taken++;
      ahead = Math.max(ahead, pulled - taken);
    }
    assert.equal(taken, 40);
    assert.ok(ahead <= 3, `input read ${ahead} items ahead (buffersize 2)`);
    const unordered: number[] = [];
    for await (const y of pool.imap_unordered((x: number) => x + 1, xs)) {
      unordered.push(y as number);
    }
    assert.deepEqual(unordered.sort((a, b) => a - b), xs.map((x) => x + 1));
  });
});

test("errors, callbacks and onProgress", T, async () => {
  await withCluster(async (c) => {
    const pool = c.pool();
    const error = await bounded(
      pool.apply(() => {
        class MyError extends Error {
          code = 42;
          constructor(message: string) {
            super(message, { cause: new RangeError("inner") });
            this.name = "MyError";
          }
        }
        throw new MyError("boom");
      }).catch((e) => e),
      30,
      "a throwing task",
    );
    assert.ok(error instanceof RemoteError, String(error));
    assert.equal(error.name, "MyError");
    assert.equal(error.message, "boom");
    assert.equal(error.remoteClass, "MyError");
    assert.equal((error as unknown as { code: number }).code, 42);
    assert.ok(error.cause instanceof RemoteError);
    assert.equal((error.cause as Error).name, "RangeError");
    const thrown = await pool.apply(() => {
      throw "plain";
    }).catch((e) => e);
    assert.equal((thrown as RemoteError).thrown, "plain");
    await assert.rejects(
      bounded(
        pool.map(
          (x: number) => {
            if (x === 7) throw new TypeError(`bad ${x}`);
            return x;
          },
          Array.from({ length: 20 }, (_, i) => i),
          4,
        ),
        30,
        "map with a failure",
      ),
      (e: Error) => e.name === "TypeError" && e.message === "bad 7",
    );
    const { promise, resolve } = Promise.withResolvers<unknown>();
    pool.apply_async(
      () => {
        throw new Error("via callback");
      },
      [],
      { error_callback: resolve },
    );
    assert.equal(
      ((await bounded(promise, 30, "error_callback")) as Error).message,
      "via callback",
    );
    const seen: unknown[] = [];
    const value = await bounded(
      pool.apply(
        async () => {
          for (let i = 1; i <= 3; i++) {
            reportProgress(i);
            await new Promise((r) => setTimeout(r, 5));
          }
          return "done";
        },
        [],
        { onProgress: (v) => seen.push(v) },
      ),
      30,
      "onProgress",
    );
    assert.equal(value, "done");
    assert.deepEqual(seen, [1, 2, 3]);
    const mapSeen: unknown[] = [];
    await bounded(
      pool.map(
        (x: number) => {
          reportProgress(x);
          return x;
        },
        [1, 2, 3],
        { chunksize: 1, onProgress: (v) => mapSeen.push(v) },
      ),
      30,
      "map onProgress",
    );
    assert.deepEqual(mapSeen.sort(), [1, 2, 3]);
  });
});

test(
  "initializer, maxtasksperchild, currentProcess, moduleTask",
  T,
  async () => {
    await withCluster(async (c) => {
      const pool = c.pool({}, {
        initializer: (tag: string) => {
          (globalThis as Record<string, unknown>).tag = tag;
        },
        initargs: ["set-by-init"],
        maxtasksperchild: 2,
        processes: 2,
      });
      const names = await bounded(
        pool.map(
          () =>
            `${
              (globalThis as Record<string, unknown>).tag
            } ${currentProcess().name}`,
          Array.from({ length: 12 }, (_, i) => i),
          1,
        ),
        60,
        "map",
      );
      const counts = new Map<string, number>();
      for (const line of names) {
        const [tag, name] = line.split(" ");
        assert.equal(tag, "set-by-init");
        assert.match(name, /^fn-a\/PoolWorker-\d+$/);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      for (const [name, n] of counts) {
        assert.ok(n <= 2, `${name} ran ${n} tasks (maxtasksperchild 2)`);
      }
      assert.ok(counts.size >= 6, `${counts.size} workers for 12 tasks`);
      assert.equal(
        await bounded(pool.apply(incTask, [41]), 30, "moduleTask"),
        42,
      );
    });
  },
);

test("an initializer that throws breaks the pool, as locally", T, async () => {
  await withCluster(async (c) => {
    const pool = c.pool({}, {
      initializer: () => {
        throw new Error("no init");
      },
    });
    const error = await bounded(
      pool.apply(() => 1).catch((e) => e),
      30,
      "apply",
    );
    assert.match(String(error?.message), /initializer failed.*no init/);
  });
});

test("a host without allowSource refuses source functions", T, async () => {
  await withCluster(async (c) => {
    await c.host({ allowSource: false, name: "strict" });
    const pool = c.pool();
    const error = await bounded(
      pool.apply(() => 1).catch((e) => e),
      30,
      "apply",
    );
    assert.match(error.message, /Host 'strict' does not run source functions/);
    assert.match(error.message, /--allow-source/);
    assert.match(error.message, /moduleTask/);
    assert.equal(await bounded(pool.apply(incTask, [1]), 30, "moduleTask"), 2);
  }, 0);
});

test(
  "a task that kills its host-local worker rejects with WorkerLostError; the host lives on",
  T,
  async () => {
    await withCluster(async (c) => {
      const pool = c.pool();
      const error = await bounded(
        pool.apply(() => {
          // deno-lint-ignore no-explicit-any
          (globalThis as any).process.exit(3);
        }).catch((e) => e),
        30,
        "a task that exits its worker",
      );
      assert.ok(error instanceof WorkerLostError, String(error));
      assert.match(error.message, /fn-a/, "names the host");
      assert.match(error.workerName, /^fn-a\/PoolWorker-\d+$/);
      assert.deepEqual(
        await bounded(pool.map((x: number) => x + 1, [1, 2, 3]), 30, "after"),
        [2, 3, 4],
      );
    });
  },
);
