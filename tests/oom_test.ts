import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runFixture } from "./_child.ts";
import { effectiveContext, runtime, T } from "./_util.ts";

// Every case runs in a child process with a bounded heap (256 MB) or
// address space, so a task that allocates forever hurts nobody.

/** Node, and Deno's worker_threads: the worker dies alone. */
const survives = runtime === "node" ||
  (runtime === "deno" && effectiveContext === "node");
const denoWeb = runtime === "deno" && effectiveContext === "web";
// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const posix = (g.process?.platform ?? g.Deno?.build?.os) !== "win32";

describe("A task that runs out of memory", () => {
  test(
    "rejects with WorkerLostError saying out of memory (arrays, strings after an await, one map() item), and the pool goes on",
    { ...T, skip: survives ? false : "this runtime/context cannot survive it" },
    async () => {
      let result = await runFixture("oom_child.ts", {}, 50, { heapMb: 256 });
      // Node's own worker heap limit can lose its race with a fast-growing
      // heap and abort the whole process ("FATAL ERROR: Reached heap limit",
      // seen once in ~12 runs on a loaded machine, and twice in a row in
      // CI before the young generation was bounded): two more tries then.
      for (
        let retry = 0;
        retry < 2 && /FATAL ERROR: Reached heap limit/.test(result.stderr);
        retry++
      ) {
        result = await runFixture("oom_child.ts", {}, 50, { heapMb: 256 });
      }
      assert.equal(result.timedOut, false, `child hung: ${result.stdout}`);
      const lines = result.stdout.trim().split("\n");
      const report = `stdout:\n${result.stdout}\nstderr:\n${
        result.stderr.slice(-1500)
      }`;
      for (const mode of ["sync", "async", "map"]) {
        const line = lines.find((l) => l.startsWith(`oom ${mode} `));
        assert.match(
          line ?? "",
          new RegExp(`^oom ${mode} rejected WorkerLostError: .*out of memory`),
          report,
        );
      }
      assert.equal(lines.at(-1), "oom pool ok", report);
      assert.equal(result.code, 0, report);
    },
  );

  test(
    "on Deno's web context ends the whole process (measured: V8 'Fatal JavaScript out of memory', exit 133); the node context survives",
    { ...T, skip: denoWeb ? false : "Deno web context only" },
    async () => {
      const result = await runFixture(
        "oom_child.ts",
        { XPOOL_OOM_MODES: "sync" },
        50,
        { heapMb: 256 },
      );
      assert.equal(result.timedOut, false, `child hung: ${result.stdout}`);
      assert.ok(result.stdout.includes("oom warm"), result.stdout);
      assert.ok(!result.stdout.includes("oom pool ok"), result.stdout);
      assert.ok(
        result.code === 133 || result.signal === "SIGTRAP",
        `code ${result.code} signal ${result.signal}`,
      );
      assert.match(result.stderr, /Fatal JavaScript out of memory/);
    },
  );

  test(
    "on Bun (no heap limit) under ulimit -v: the task rejects with RangeError 'Out of memory' and the pool goes on, or JavaScriptCore aborts the process (Bun's crash), never a hang",
    {
      ...T,
      skip: runtime === "bun" && posix ? false : "Bun only (needs sh)",
    },
    async () => {
      // JavaScriptCore has no heap limit (Bun ignores resourceLimits and
      // --max-old-space-size): unbounded, the process grows until the OS
      // ends it. Bounded by address space, an allocation fails with a
      // catchable RangeError; measured 15 of 15 runs, but 4 of them then
      // crashed (SIGSEGV/SIGABRT) while the pool or process shut down.
      const run = () =>
        runFixture(
          "oom_child.ts",
          { XPOOL_OOM_MODES: "sync" },
          50,
          { addressSpaceMb: 1000 },
        );
      let result = await run();
      // JavaScriptCore may also abort the whole process on the exhausted
      // address space ("MemoryExhaustion: Crash intentionally") after the
      // task rejected, before the pool's next tasks (seen once in CI):
      // two more tries then.
      for (
        let retry = 0;
        retry < 2 && !result.stdout.includes("oom pool ok") &&
        /MemoryExhaustion|Bun has crashed/.test(result.stderr);
        retry++
      ) {
        result = await run();
      }
      const report =
        `code ${result.code} signal ${result.signal}\n${result.stdout}\n${
          result.stderr.slice(-1500)
        }`;
      assert.equal(result.timedOut, false, `child hung: ${report}`);
      // The task rejects with the RangeError, or JavaScriptCore aborts the
      // whole process first (Bun's, not the pool's: 1 of 8 runs on the code
      // of 2c00133 and 3 of 8 now at 1 GB under load, 6 of 6 in a loaded CI
      // run; README "Worker resource limits").
      const rejected = result.stdout.includes(
        "oom sync rejected RangeError: Out of memory",
      );
      if (!rejected) {
        assert.doesNotMatch(result.stdout, /oom sync (rejected|fulfilled)/);
        assert.match(result.stderr, /MemoryExhaustion|Bun has crashed/, report);
      }
      // Then the pool goes on, or JavaScriptCore aborts the whole process on
      // the exhausted address space; nothing else.
      if (!result.stdout.includes("oom pool ok")) {
        assert.match(result.stderr, /MemoryExhaustion|Bun has crashed/, report);
      }
      assert.ok(
        result.code === 0 || result.code === 134 || result.code === 139 ||
          result.signal !== null,
        report,
      );
    },
  );
});
