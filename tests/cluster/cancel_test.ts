/**
 * Stopping one task of a cluster slot that runs several at once (on
 * different host threads): aborting it, or its `timeout`, stops just that
 * task. The slot's other running task is neither restarted nor blamed, and
 * a time limit counts from when the task started on a host, whichever of
 * the slot's tasks it is. Tasks wait for files the test writes and log
 * their starts (no wall-clock asserts).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { TimeoutError } from "../../mod.ts";
import {
  bounded,
  noNatsServer,
  runLog,
  untilFileTask,
  withCluster,
} from "./_setup.ts";
import { until } from "./_cluster.ts";

const T = { timeout: 120_000, skip: noNatsServer };

/** How many times task `x` started, per the run log. */
function starts(log: ReturnType<typeof runLog>, x: number): number {
  return log.runs().filter((r) => r.phase === "start" && r.x === x).length;
}

test(
  "one slot: aborting a running task stops it alone; the slot's other running task runs once",
  T,
  async () => {
    const log = runLog();
    try {
      await withCluster(async (c) => {
        // One slot, one host with 2 threads: A and B run at once.
        const pool = c.pool({}, { processes: 1 });
        const dir = join(log.file, "..");
        const goA = join(dir, "goA"), goB = join(dir, "goB");
        const controller = new AbortController();
        const a = pool.apply_async(
          untilFileTask,
          [{ x: 1, file: goA, log: log.file }],
          { signal: controller.signal },
        );
        const b = pool.apply_async(untilFileTask, [
          { x: 2, file: goB, log: log.file },
        ]);
        await until(
          () => starts(log, 1) === 1 && starts(log, 2) === 1,
          30,
          `A and B running (${log.output()})`,
        );
        const reason = new Error("stop A");
        controller.abort(reason);
        const error = await bounded(
          a.get(30).then(() => undefined, (e: unknown) => e),
          30,
          "A's rejection",
        );
        assert.equal(error, reason);
        writeFileSync(goB, "");
        assert.equal(await bounded(b.get(30), 30, "B"), 2);
        assert.equal(starts(log, 2), 1, `B started once (${log.output()})`);
        assert.equal(starts(log, 1), 1, `A started once (${log.output()})`);
        writeFileSync(goA, ""); // in case A still ran somewhere
        assert.equal(
          await bounded(pool.apply(untilFileTask, [{ x: 3 }]), 30, "after"),
          3,
        );
        const stats = pool.stats();
        assert.equal(stats.completed, 2);
        assert.equal(stats.failed, 1);
      });
    } finally {
      log.remove();
    }
  },
);

test(
  "one slot: the timeout of its second running task counts from that task's start",
  T,
  async () => {
    const log = runLog();
    try {
      await withCluster(async (c) => {
        const pool = c.pool({}, { processes: 1 });
        const dir = join(log.file, "..");
        const goA = join(dir, "goA"), never = join(dir, "never");
        const a = pool.apply_async(untilFileTask, [
          { x: 1, file: goA, log: log.file },
        ]);
        await until(
          () => starts(log, 1) === 1,
          30,
          `A running (${log.output()})`,
        );
        const b = pool.apply_async(
          untilFileTask,
          [{ x: 2, file: never, log: log.file }],
          { timeout: 0.5 },
        );
        const error = await bounded(
          b.get(30).then(() => undefined, (e: unknown) => e),
          20,
          `B's TimeoutError while A runs (${log.output()})`,
        );
        assert.ok(error instanceof TimeoutError, `got ${error}`);
        assert.equal(starts(log, 2), 1, `B started once (${log.output()})`);
        assert.equal(a.ready(), false, "A cannot have ended");
        writeFileSync(goA, "");
        assert.equal(await bounded(a.get(30), 30, "A"), 1);
        assert.equal(starts(log, 1), 1, `A started once (${log.output()})`);
      });
    } finally {
      log.remove();
    }
  },
);
