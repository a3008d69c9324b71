import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runFixture } from "./_child.ts";
import { T } from "./_util.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const posix = (g.process?.platform ?? g.Deno?.build?.os) !== "win32";

/**
 * Checks the joined output of console_flood.ts: every `line t:i` exactly
 * once, each task's lines in order, all of them (and its long line) before
 * `result t`, and the child ended well.
 */
function checkFlood(
  stdout: string,
  tasks: number,
  lines: number,
  long: number,
): void {
  const out = stdout.split("\n");
  assert.ok(
    out.includes("child exit 0"),
    `child did not exit 0: ${stdout.slice(-2000)}`,
  );
  assert.ok(out.includes("flood done"), "child did not finish");
  for (let t = 0; t < tasks; t++) {
    const seen: number[] = [];
    let longAt = -1;
    let resultAt = -1;
    out.forEach((text, at) => {
      const line = /^line (\d+):(\d+) \.{60}$/.exec(text);
      if (line && Number(line[1]) === t) {
        assert.equal(resultAt, -1, `task ${t}: ${text} after its result`);
        seen.push(Number(line[2]));
      }
      if (text.startsWith(`long ${t} `)) {
        assert.equal(longAt, -1, `task ${t}: long line printed twice`);
        assert.equal(text, `long ${t} ${"#".repeat(long)}`);
        longAt = at;
      }
      if (text === `result ${t}`) resultAt = at;
    });
    assert.deepEqual(
      seen,
      Array.from({ length: lines }, (_, i) => i),
      `task ${t}: lines lost, repeated or out of order`,
    );
    assert.notEqual(resultAt, -1, `task ${t}: no result printed`);
    if (long > 0) {
      assert.ok(longAt !== -1 && longAt < resultAt, `task ${t}: long line`);
    }
  }
}

describe("Worker console output", () => {
  test(
    "console.log/console.error lines of workers all arrive, once, in order, before each result, through a pipe whose reader pauses",
    { ...T, skip: posix ? false : "needs sh" },
    async () => {
      const tasks = 4;
      const lines = 500;
      const result = await runFixture(
        "console_flood.ts",
        {
          XPOOL_FLOOD_TASKS: String(tasks),
          XPOOL_FLOOD_LINES: String(lines),
          XPOOL_FLOOD_PROCESSES: "2",
        },
        50,
        { pausedPipeSeconds: 1 },
      );
      assert.equal(result.timedOut, false, `child hung: ${result.stderr}`);
      checkFlood(result.stdout, tasks, lines, 0);
    },
  );

  test(
    "a worker's line longer than the pipe holds arrives whole (written in parts), before the result",
    { ...T, skip: posix ? false : "needs sh" },
    async () => {
      // One worker: lines of two workers written in parts may interleave
      // (as for any two processes sharing a pipe); one worker's never do.
      const long = 200_000;
      const result = await runFixture(
        "console_flood.ts",
        {
          XPOOL_FLOOD_TASKS: "2",
          XPOOL_FLOOD_LINES: "50",
          XPOOL_FLOOD_PROCESSES: "1",
          XPOOL_FLOOD_LONG: String(long),
        },
        50,
        { pausedPipeSeconds: 1 },
      );
      assert.equal(result.timedOut, false, `child hung: ${result.stderr}`);
      checkFlood(result.stdout, 2, 50, long);
    },
  );
});
