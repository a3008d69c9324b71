import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "../mod.ts";
import { runExitScript } from "./_child.ts";
import { deadline, poolOptions, rejection, settle, T } from "./_util.ts";

const hasAsyncDispose = typeof Symbol.asyncDispose === "symbol";

describe("Pool[Symbol.asyncDispose]()", () => {
  test("Pool[Symbol.asyncDispose]() closes and joins gracefully", {
    ...T,
    skip: !hasAsyncDispose,
  }, async () => {
    const pool = new Pool(poolOptions());
    try {
      assert.equal(typeof pool[Symbol.asyncDispose], "function");
      const running = pool.apply(async (ms: number) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return "finished";
      }, [300]);
      const mapped = pool.map((x: number) => x + 1, [1, 2, 3]);
      await deadline(pool[Symbol.asyncDispose](), 30, "asyncDispose");
      // Graceful: queued work completed (Python's `with` would terminate instead).
      const settled = await Promise.all([settle(running), settle(mapped)]);
      assert.deepEqual(settled, [
        { ok: true, value: "finished" },
        { ok: true, value: [2, 3, 4] },
      ]);
      const error = await deadline(rejection(pool.apply(() => 1)), 10, "apply");
      assert.match(error.message, /Pool not running/);
      await deadline(pool.join(), 10, "join after dispose");
    } finally {
      await deadline(pool.terminate(), 20, "terminate");
    }
  });

  test("Pool[Symbol.asyncDispose]() after terminate() resolves", {
    ...T,
    skip: !hasAsyncDispose,
  }, async () => {
    const pool = new Pool(poolOptions());
    try {
      await deadline(pool.terminate(), 20, "terminate");
      await deadline(pool[Symbol.asyncDispose](), 20, "asyncDispose");
    } finally {
      await deadline(pool.terminate(), 20, "terminate");
    }
  });

  test("Pool[Symbol.asyncDispose]() lets the process exit", {
    ...T,
    skip: !hasAsyncDispose,
  }, async () => {
    const result = await runExitScript("dispose", 45);
    assert.equal(result.timedOut, false, `child hung: ${result.stderr}`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /exit_script done: dispose/);
  });
});
