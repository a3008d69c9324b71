import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AsyncResult, RemoteError, TimeoutError } from "../mod.ts";
import { deadline, rejection, sleep, T, withPool } from "./_util.ts";

const sleepThenReturn = async (ms: number, value: unknown) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
};

describe("Pool.apply_async()", () => {
  test(
    "Pool.apply_async() returns an AsyncResult that is awaitable",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = pool.apply_async((x: number) => x + 1, [41]);
        assert.ok(result instanceof AsyncResult);
        assert.equal(await deadline(result, 20, "await"), 42);
        assert.equal(await deadline(result.get(), 20, "get"), 42);
        assert.equal(await result.get(), 42, "get() can be called again");
      });
    },
  );

  test("Pool.apply_async() result works with then()", T, async () => {
    await withPool({}, async (pool) => {
      const result = pool.apply_async(() => "then");
      const value = await deadline(
        new Promise((resolve, reject) => result.then(resolve, reject)),
        20,
        "then",
      );
      assert.equal(value, "then");
    });
  });

  test("Pool.apply_async() passes kwds as a trailing argument", T, async () => {
    await withPool({}, async (pool) => {
      const result = pool.apply_async(
        (a: number, kw: { times: number }) => a * kw.times,
        [6],
        { kwds: { times: 7 } },
      );
      assert.equal(await deadline(result.get(), 20, "get"), 42);
    });
  });

  test(
    "Pool.apply_async() calls callback with the result before the result settles",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const events: unknown[] = [];
        const result = pool.apply_async((x: number) => x * 2, [5], {
          callback: (value) => events.push(["callback", value]),
        });
        const value = await deadline(result.get(), 20, "get");
        events.push(["settled", value]);
        assert.deepEqual(events, [["callback", 10], ["settled", 10]]);
      });
    },
  );

  test(
    "Pool.apply_async() calls error_callback with the error before the result settles",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const events: unknown[] = [];
        const result = pool.apply_async(
          () => {
            throw new RangeError("out of range");
          },
          [],
          {
            callback: () => events.push("callback"),
            error_callback: (error) => events.push(["error_callback", error]),
          },
        );
        const error = await deadline(rejection(result.get()), 20, "get");
        events.push(["settled", error]);
        assert.deepEqual(events, [["error_callback", error], [
          "settled",
          error,
        ]]);
        assert.ok(error instanceof RemoteError);
        assert.equal(error.name, "RangeError");
      });
    },
  );

  test(
    "Pool.applyAsync() is an alias of apply_async() and takes errorCallback",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const ok = pool.applyAsync((s: string) => s.toUpperCase(), ["abc"]);
        assert.ok(ok instanceof AsyncResult);
        assert.equal(await deadline(ok, 20, "applyAsync"), "ABC");
        const seen: unknown[] = [];
        const bad = pool.applyAsync(
          () => {
            throw new Error("alias failure");
          },
          [],
          { errorCallback: (error) => seen.push(error) },
        );
        const error = await deadline(rejection(bad.get()), 20, "get");
        assert.deepEqual(seen, [error]);
      });
    },
  );

  test(
    "Pool.apply_async() and map_async() wait for an async callback; its rejection rejects the result (never an unhandled rejection)",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const order: string[] = [];
        const ok = pool.apply_async((x: number) => x + 1, [1], {
          callback: async (value) => {
            await sleep(50);
            order.push(`callback ${value}`);
          },
        });
        await deadline(ok, 20, "apply_async");
        order.push("settled");
        assert.deepEqual(order, ["callback 2", "settled"]);

        const failed = pool.apply_async((x: number) => x, [1], {
          callback: async () => {
            await sleep(10);
            throw new Error("async callback failed");
          },
        });
        const error = await deadline(rejection(failed.get()), 20, "get");
        assert.equal((error as Error).message, "async callback failed");
        assert.equal(failed.successful(), false);

        const bad = pool.map_async(
          (x: number) => {
            if (x === 2) throw new Error("item");
            return x;
          },
          [1, 2],
          { error_callback: () => Promise.reject(new Error("in errback")) },
        );
        const mapError = await deadline(rejection(bad.get()), 20, "map");
        assert.equal((mapError as Error).message, "in errback");

        // A callback's resolved value does not replace the result.
        const slow = pool.apply_async((x: number) => x, [7], {
          callback: () => sleep(100),
        });
        await deadline(slow.wait(), 20, "slow");
        assert.equal(await slow, 7);
      });
    },
  );
});

describe("AsyncResult", () => {
  test(
    "AsyncResult.get(timeout) rejects with TimeoutError while the task keeps running",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = pool.apply_async(sleepThenReturn, [800, "late"]);
        const error = await deadline(
          rejection(result.get(0.05)),
          10,
          "get(0.05)",
        );
        assert.ok(error instanceof TimeoutError, String(error));
        assert.equal(error.name, "TimeoutError");
        assert.equal(result.ready(), false);
        // The task was not cancelled: the value still arrives.
        assert.equal(await deadline(result.get(), 20, "get"), "late");
        assert.equal(result.ready(), true);
      });
    },
  );

  test(
    "AsyncResult.get(timeout) takes seconds, not milliseconds",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = pool.apply_async(sleepThenReturn, [100, "in time"]);
        // 20 ms would time out; 20 s does not.
        assert.equal(await deadline(result.get(20), 25, "get(20)"), "in time");
      });
    },
  );

  test("AsyncResult.get() rejects with the task's error", T, async () => {
    await withPool({}, async (pool) => {
      const result = pool.apply_async(() => {
        throw new TypeError("task failed");
      });
      const error = await deadline(rejection(result.get()), 20, "get");
      assert.ok(error instanceof RemoteError);
      assert.equal(error.name, "TypeError");
      assert.equal(error.message, "task failed");
      const again = await rejection(result.get());
      assert.equal(again, error, "the same error every time");
    });
  });

  test(
    "AsyncResult.wait(timeout) resolves without rejecting when not ready",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = pool.apply_async(sleepThenReturn, [800, "x"]);
        const waited = await deadline(result.wait(0.05), 10, "wait(0.05)");
        assert.equal(waited, undefined);
        assert.equal(result.ready(), false);
        await deadline(result.wait(), 20, "wait()");
        assert.equal(result.ready(), true);
      });
    },
  );

  test("AsyncResult.wait() resolves for a failed task", T, async () => {
    await withPool({}, async (pool) => {
      const result = pool.apply_async(() => {
        throw new Error("fails");
      });
      await deadline(result.wait(), 20, "wait");
      assert.equal(result.ready(), true);
      assert.equal(result.successful(), false);
      await sleep(50); // an unobserved rejection would surface here
    });
  });

  test(
    "AsyncResult: a failure nobody reads is not an unhandled rejection",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = pool.apply_async(() => {
          throw new Error("unread");
        });
        const failedMap = pool.map_async(() => {
          throw new Error("unread map");
        }, [1, 2]);
        // Poll without attaching any handler.
        for (
          let i = 0;
          i < 400 && !(result.ready() && failedMap.ready());
          i++
        ) {
          await sleep(25);
        }
        assert.equal(result.successful(), false);
        assert.equal(failedMap.successful(), false);
        await sleep(50); // an unhandled rejection would surface here
        await assert.rejects(result.get(), /unread/);
      });
    },
  );

  test(
    "AsyncResult is a Promise that Promise.resolve and await take as is",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = pool.apply_async((x: number) => x * 3, [3]);
        assert.ok(result instanceof Promise);
        assert.ok(result instanceof AsyncResult);
        assert.ok(!(Promise.resolve(9) instanceof AsyncResult));
        assert.ok(!({} instanceof AsyncResult));
        // A plain promise underneath: the shape await and Promise.all take
        // on their fast path.
        assert.equal(Object.getPrototypeOf(result), Promise.prototype);
        assert.equal(Promise.resolve(result), result);
        const chained = result.then((v) => v + 1);
        assert.equal(Object.getPrototypeOf(chained), Promise.prototype);
        assert.equal(await deadline(chained, 20, "then"), 10);
        assert.deepEqual(
          await deadline(Promise.all([result, result.get()]), 20, "all"),
          [9, 9],
        );
        assert.equal(await result.finally(() => {}), 9);
        assert.equal(await result.catch(() => 0), 9);
      });
    },
  );

  test("AsyncResult.ready() turns true once the task is done", T, async () => {
    await withPool({}, async (pool) => {
      const result = pool.apply_async(sleepThenReturn, [200, 1]);
      assert.equal(result.ready(), false);
      await deadline(result.get(), 20, "get");
      assert.equal(result.ready(), true);
    });
  });

  test("AsyncResult.successful() throws while not ready", T, async () => {
    await withPool({}, async (pool) => {
      const result = pool.apply_async(sleepThenReturn, [300, 1]);
      assert.throws(() => result.successful(), Error);
      await deadline(result.get(), 20, "get");
      assert.equal(result.successful(), true);
    });
  });

  test("AsyncResult.successful() is false after a failure", T, async () => {
    await withPool({}, async (pool) => {
      const result = pool.apply_async(() => {
        throw new Error("x");
      });
      await deadline(rejection(result.get()), 20, "get");
      assert.equal(result.ready(), true);
      assert.equal(result.successful(), false);
    });
  });
});
