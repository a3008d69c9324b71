import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { RemoteError, TimeoutError, WorkerLostError } from "../mod.ts";
import { deadline, rejection, T, withPool } from "./_util.ts";

describe("RemoteError", () => {
  test(
    "RemoteError keeps a thrown TypeError's name and message",
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
        assert.ok(error instanceof Error);
        assert.equal(error.name, "TypeError");
        assert.equal(error.message, "bad");
        assert.equal(error.remoteClass, "TypeError");
      });
    },
  );

  test("RemoteError.stack shows the worker-side stack", T, async () => {
    await withPool({}, async (pool) => {
      const error = await deadline(
        rejection(pool.apply(function explodeInWorker() {
          throw new Error("kaboom");
        })),
        20,
        "apply",
      );
      assert.ok(error instanceof RemoteError);
      assert.match(error.stack ?? "", /kaboom/);
      assert.match(error.stack ?? "", /explodeInWorker/);
      assert.match(error.remoteStack, /explodeInWorker/);
    });
  });

  test("RemoteError keeps a custom subclass's name", T, async () => {
    await withPool({}, async (pool) => {
      const error = await deadline(
        rejection(pool.apply(() => {
          class MyErr extends Error {
            constructor(message: string) {
              super(message);
              this.name = "MyErr";
            }
          }
          throw new MyErr("custom");
        })),
        20,
        "apply",
      );
      assert.ok(error instanceof RemoteError);
      assert.equal(error.name, "MyErr");
      assert.equal(error.message, "custom");
      assert.equal(error.remoteClass, "MyErr");
    });
  });

  test(
    "RemoteError.remoteClass names the constructor when name is inherited",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(
          rejection(pool.apply(() => {
            class ParseFailure extends Error {}
            throw new ParseFailure("unparsable");
          })),
          20,
          "apply",
        );
        assert.ok(error instanceof RemoteError);
        assert.equal(error.name, "Error");
        assert.equal(error.remoteClass, "ParseFailure");
      });
    },
  );

  test("RemoteError keeps an Error cause", T, async () => {
    await withPool({}, async (pool) => {
      const error = await deadline(
        rejection(pool.apply(() => {
          throw new Error("outer", { cause: new RangeError("inner") });
        })),
        20,
        "apply",
      );
      assert.equal(error.message, "outer");
      const cause = error.cause as Error;
      assert.ok(cause instanceof Error, `cause is ${String(cause)}`);
      assert.equal(cause.name, "RangeError");
      assert.equal(cause.message, "inner");
    });
  });

  test("RemoteError keeps a plain cloneable cause", T, async () => {
    await withPool({}, async (pool) => {
      const error = await deadline(
        rejection(pool.apply(() => {
          throw new Error("with data", { cause: { code: 7, why: "because" } });
        })),
        20,
        "apply",
      );
      assert.deepEqual(error.cause, { code: 7, why: "because" });
    });
  });

  test("RemoteError copies JSON-safe own properties", T, async () => {
    await withPool({}, async (pool) => {
      const error = await deadline(
        rejection(pool.apply(() => {
          throw Object.assign(new Error("no such file"), {
            code: "ENOENT",
            errno: -2,
            data: { path: "/x" },
          });
        })),
        20,
        "apply",
      );
      const props = error as Error & {
        code?: unknown;
        errno?: unknown;
        data?: unknown;
      };
      assert.equal(props.code, "ENOENT");
      assert.equal(props.errno, -2);
      assert.deepEqual(props.data, { path: "/x" });
    });
  });

  test("RemoteError carries a thrown string", T, async () => {
    await withPool({}, async (pool) => {
      const error = await deadline(
        rejection(pool.apply(() => {
          throw "x";
        })),
        20,
        "apply",
      );
      assert.ok(error instanceof RemoteError);
      assert.equal(error.message, "x");
      assert.equal(error.thrown, "x");
    });
  });

  test("RemoteError carries other thrown values", T, async () => {
    await withPool({}, async (pool) => {
      const number = await deadline(
        rejection(pool.apply(() => {
          throw 42;
        })),
        20,
        "apply",
      );
      assert.ok(number instanceof RemoteError);
      assert.equal(number.message, "42");
      assert.equal(number.thrown, 42);
      const object = await deadline(
        rejection(pool.apply(async () => {
          await Promise.resolve();
          throw { reason: "plain object" };
        })),
        20,
        "apply",
      );
      assert.ok(object instanceof RemoteError);
      assert.deepEqual(object.thrown, { reason: "plain object" });
      const nothing = await deadline(
        rejection(pool.apply(() => Promise.reject(undefined))),
        20,
        "apply",
      );
      assert.ok(nothing instanceof RemoteError);
      assert.equal(nothing.message, "undefined");
    });
  });

  test("RemoteError comes from a rejected async task too", T, async () => {
    await withPool({}, async (pool) => {
      const error = await deadline(
        rejection(pool.apply(async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          throw new SyntaxError("late");
        })),
        20,
        "apply",
      );
      assert.ok(error instanceof RemoteError);
      assert.equal(error.name, "SyntaxError");
      assert.equal(error.message, "late");
    });
  });

  test("RemoteError keeps a DOMException's name", T, async () => {
    await withPool({}, async (pool) => {
      const error = await deadline(
        rejection(pool.apply(() => {
          throw new DOMException("stopped", "AbortError");
        })),
        20,
        "apply",
      );
      assert.ok(error instanceof RemoteError);
      assert.equal(error.name, "AbortError");
      assert.equal(error.message, "stopped");
    });
  });

  test("RemoteError can be constructed directly", T, () => {
    const error = new RemoteError("TypeError", "direct", {
      stack: "TypeError: direct\n    at w",
    });
    assert.equal(error.name, "TypeError");
    assert.equal(error.message, "direct");
    assert.equal(error.remoteClass, "TypeError");
    assert.match(error.remoteStack, /at w/);
  });
});

describe("TimeoutError and WorkerLostError", () => {
  test("TimeoutError is an Error named TimeoutError", T, () => {
    const error = new TimeoutError("slow");
    assert.ok(error instanceof Error);
    assert.equal(error.name, "TimeoutError");
    assert.equal(error.message, "slow");
  });

  test(
    "WorkerLostError is an Error named WorkerLostError with worker details",
    T,
    () => {
      const error = new WorkerLostError("gone", {
        workerName: "PoolWorker-1",
        exitCode: 3,
      });
      assert.ok(error instanceof Error);
      assert.equal(error.name, "WorkerLostError");
      assert.equal(error.workerName, "PoolWorker-1");
      assert.equal(error.exitCode, 3);
    },
  );
});
