import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "../mod.ts";
import { runExitScript } from "./_child.ts";
import {
  deadline,
  isDenoWeb,
  observe,
  poolOptions,
  rejection,
  settle,
  sleep,
  T,
  withPool,
} from "./_util.ts";

const slow = async (ms: number, value: unknown) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
};

/** Asserts every submission method refuses work with "Pool not running". */
async function assertRefusesWork(pool: Pool): Promise<void> {
  const f = (x: number) => x;
  for (
    const [label, promise] of [
      ["apply", pool.apply(f, [1])],
      ["map", pool.map(f, [1])],
      ["starmap", pool.starmap(f, [[1]])],
    ] as const
  ) {
    const error = await deadline(rejection(promise, label), 10, label);
    assert.match(error.message, /Pool not running/, label);
    // The message names the method called (apply, not apply_async).
    assert.ok(error.message.includes(`cannot call ${label}()`), error.message);
  }
  for (
    const [label, call] of [
      ["apply_async", () => pool.apply_async(f, [1])],
      ["map_async", () => pool.map_async(f, [1])],
      ["starmap_async", () => pool.starmap_async(f, [[1]])],
      ["imap", () => pool.imap(f, [1])],
      ["imap_unordered", () => pool.imap_unordered(f, [1])],
    ] as const
  ) {
    assert.throws(call, /Pool not running/, label);
    assert.throws(call, (e: Error) => e.message.includes(`${label}()`), label);
  }
}

describe("Pool.close() and Pool.join()", () => {
  test(
    "Pool.join() before close() rejects with 'Pool is still running'",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const error = await deadline(rejection(pool.join()), 10, "join");
        assert.match(error.message, /Pool is still running/);
        assert.equal(
          await deadline(pool.apply(() => 1), 20, "apply"),
          1,
          "pool unaffected",
        );
      });
    },
  );

  test(
    "Pool.close() lets queued work finish and join() waits for it",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const pending = [1, 2, 3, 4, 5].map((i) => pool.apply(slow, [100, i]));
        const mapped = pool.map((x: number) => x * 2, [1, 2, 3]);
        pool.close();
        await deadline(pool.join(), 30, "join");
        const settled = await Promise.all(pending.map((p) => settle(p)));
        assert.deepEqual(
          settled,
          [1, 2, 3, 4, 5].map((value) => ({ ok: true, value })),
        );
        assert.deepEqual(await mapped, [2, 4, 6]);
      });
    },
  );

  test("Pool.close() refuses new work with 'Pool not running'", T, async () => {
    await withPool({}, async (pool) => {
      pool.close();
      await assertRefusesWork(pool);
      await deadline(pool.join(), 20, "join");
    });
  });

  test("Pool.close() can be called twice and join() twice", T, async () => {
    await withPool({}, async (pool) => {
      await deadline(pool.apply(() => 1), 20, "apply");
      pool.close();
      pool.close();
      await deadline(pool.join(), 20, "join");
      await deadline(pool.join(), 20, "second join");
    });
  });

  test(
    "Pool.close() on a pool that never ran a task lets join() resolve",
    T,
    async () => {
      await withPool({}, async (pool) => {
        pool.close();
        await deadline(pool.join(), 20, "join");
      });
    },
  );

  test("Pool.close() lets a running imap finish", T, async () => {
    await withPool({}, async (pool) => {
      const it = pool.imap((x: number) => x + 1, [1, 2, 3, 4]);
      pool.close();
      const out: number[] = [];
      await deadline(
        (async () => {
          for await (const value of it) out.push(value);
        })(),
        20,
        "imap",
      );
      assert.deepEqual(out, [2, 3, 4, 5]);
      await deadline(pool.join(), 20, "join");
    });
  });
});

describe("Pool.terminate()", () => {
  test(
    "Pool.terminate() rejects all pending work with an AbortError",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const applied = observe(pool.apply(slow, [5_000, "never"]));
        const queued = observe(pool.apply(slow, [10, "queued"]));
        const asyncResult = pool.apply_async(slow, [10, "async"]);
        const mapped = observe(pool.map((x: number) => x, [1, 2, 3]));
        const it = pool.imap((x: number) => x, [1, 2, 3]);
        const next = observe(it.next());
        await sleep(100);
        await deadline(pool.terminate(), 20, "terminate");
        for (
          const [label, promise] of [
            ["apply (running)", applied],
            ["apply (queued)", queued],
            ["apply_async", asyncResult.get()],
            ["map", mapped],
            ["imap next", next],
          ] as const
        ) {
          const error = await deadline(rejection(promise, label), 10, label);
          assert.equal(error.name, "AbortError", `${label}: ${error}`);
          assert.match(error.message, /terminate/i, label);
        }
        assert.equal(asyncResult.ready(), true);
        assert.equal(asyncResult.successful(), false);
      });
    },
  );

  test(
    "Pool.terminate() calls error_callback of pending results",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const seen: unknown[] = [];
        const result = pool.apply_async(slow, [5_000, 1], {
          error_callback: (error) => seen.push(error),
        });
        await sleep(50);
        await deadline(pool.terminate(), 20, "terminate");
        const error = await deadline(rejection(result.get()), 10, "get");
        assert.equal(error.name, "AbortError");
        // Python never calls it here; we settle the result, so the callback fires.
        assert.deepEqual(seen, [error]);
      });
    },
  );

  test(
    "Pool.terminate() refuses new work with 'Pool not running'",
    T,
    async () => {
      await withPool({}, async (pool) => {
        await deadline(pool.terminate(), 20, "terminate");
        await assertRefusesWork(pool);
      });
    },
  );

  test(
    "Pool.terminate() can be called twice and join() resolves after it",
    T,
    async () => {
      await withPool({}, async (pool) => {
        await deadline(pool.apply(() => 1), 20, "apply");
        await deadline(pool.terminate(), 20, "terminate");
        await deadline(pool.terminate(), 20, "second terminate");
        await deadline(pool.join(), 20, "join");
      });
    },
  );

  test(
    "Pool.terminate() after close() rejects the queued work",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const running = observe(pool.apply(slow, [5_000, 1]));
        const queued = observe(pool.apply(slow, [5_000, 2]));
        pool.close();
        await sleep(50);
        await deadline(pool.terminate(), 20, "terminate");
        for (const promise of [running, queued]) {
          const error = await deadline(rejection(promise), 10, "pending");
          assert.equal(error.name, "AbortError");
        }
        await deadline(pool.join(), 20, "join");
      });
    },
  );

  test(
    "Pool.terminate() while an imap is consuming an infinite input",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const it = pool.imap(
          (x: number) => x,
          (function* () {
            for (let i = 0;; i++) yield i;
          })(),
        );
        assert.deepEqual(await deadline(it.next(), 20, "next"), {
          value: 0,
          done: false,
        });
        await deadline(pool.terminate(), 20, "terminate");
        // Later next() calls settle (done or rejected), never hang.
        await deadline(settle(it.next()), 10, "next after terminate");
        await deadline(settle(it.next()), 10, "next after terminate");
      });
    },
  );
});

describe("Pool process exit", () => {
  test("Pool.close() and join() let the process exit", T, async () => {
    const result = await runExitScript("close-join", 45);
    assert.equal(result.timedOut, false, `child hung: ${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /exit_script done: close-join/);
  });

  test("an idle Pool that was never closed lets the process exit", {
    ...T,
    skip: isDenoWeb
      ? "a Deno web Worker cannot be unref'd: an idle pool keeps the process alive there"
      : false,
  }, async () => {
    const result = await runExitScript("forget", 45);
    assert.equal(result.timedOut, false, `child hung: ${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /exit_script done: forget/);
  });

  test("a busy Pool keeps the process alive until its results are in", {
    ...T,
    skip: isDenoWeb
      ? "a Deno web Worker cannot be unref'd: an idle pool keeps the process alive there"
      : false,
  }, async () => {
    const result = await runExitScript("busy-forget", 45);
    assert.equal(result.timedOut, false, `child hung: ${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /exit_script callback: late/);
  });

  test("Pool.terminate() lets the process exit", T, async () => {
    const result = await runExitScript("terminate", 45);
    assert.equal(result.timedOut, false, `child hung: ${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /exit_script done: terminate/);
  });
});

describe("Pool construction", () => {
  test("new Pool() then terminate() without any task settles", T, async () => {
    const pool = new Pool(poolOptions());
    try {
      assert.equal(pool.processes, 2);
    } finally {
      await deadline(pool.terminate(), 20, "terminate");
    }
  });
});
