/**
 * A host gives back tasks it holds but has not started when they would
 * wait (src/cluster/_give_back.ts): with two hosts of one thread each, a
 * slow task on one and tiny tasks pulled by that host behind it, the tiny
 * tasks run on the other host, each once, while the slow one still runs.
 * The slow task waits for a file the test writes (no fixed times); what is
 * asserted is where things ran, not how fast.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bounded,
  incTask,
  noNatsServer,
  recordTask,
  runLog,
  untilFileTask,
  withCluster,
} from "./_setup.ts";
import { until } from "./_cluster.ts";

const T = { timeout: 120_000, skip: noNatsServer };

test(
  "2 hosts × 1 thread: tiny tasks pulled behind a slow one are given back and run on the other host, each once",
  T,
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "xpool-give-"));
    const log = runLog();
    try {
      await withCluster(async (c) => {
        // A give-back counts as a delivery, and a task given back may come
        // back to the same host (one of its pull requests still open): with
        // maxDeliver 30 a task may be given back up to 28 times.
        await c.host({ processes: 1, maxDeliver: 30 });
        await c.host({ processes: 1, maxDeliver: 30 });
        const pool = c.pool({ maxDeliver: 30 }, { processes: 4 });
        // Tiny tasks first: each host learns they are tiny and then pulls
        // them by the dozen (see _pace.ts).
        const warm = Array.from({ length: 400 }, (_, i) => i);
        assert.deepEqual(
          await bounded(pool.map_async(incTask, warm, 1).get(60), 60, "warm"),
          warm.map((x) => x + 1),
        );
        // The slow task, then tiny ones in the same burst: the host that
        // takes the slow one pulls tiny ones behind it.
        const go = join(dir, "go");
        const slow = pool.apply_async(untilFileTask, [
          { x: -1, file: go, log: log.file },
        ]);
        const xs = Array.from({ length: 200 }, (_, i) => i);
        const calls = new Map<number, number>();
        const tiny = xs.map((x) =>
          pool.apply_async(recordTask, [{ x, file: log.file }], {
            callback: (v) => calls.set(v.x, (calls.get(v.x) ?? 0) + 1),
          })
        );
        const values = await bounded(
          Promise.all(tiny.map((r) => r.get(60))),
          60,
          "the tiny tasks, with the slow one still running",
        );
        await until(
          () => log.runs().some((r) => r.x === -1),
          30,
          "the slow task's start in the run log",
        );
        const slowHost = log.runs().find((r) => r.x === -1)!.host;
        const [other] = c.hosts.map((h) => h.name).filter((n) =>
          n !== slowHost
        );
        assert.equal(slow.ready(), false, "the slow task cannot have ended");
        // Its host's one thread runs the slow task: every tiny one ran on
        // the other host (those the slow host held were given back).
        assert.deepEqual(
          values.map((v) => v.by.split("/")[0]),
          xs.map(() => other),
        );
        assert.deepEqual(values.map((v) => v.x), xs);
        // None started on the slow host (a task is given back only if no
        // worker there started it), each started on the other one; each
        // result settled once (a task may run twice underneath: at least
        // once, exactly once for the caller).
        const starts = log.runs().filter((r) => r.phase === "start");
        assert.deepEqual(
          [...new Set(starts.filter((r) => r.x >= 0).map((r) => r.host))],
          [other],
          log.output(),
        );
        assert.deepEqual(
          [...new Set(starts.map((r) => r.x))].sort((a, b) => a - b),
          [-1, ...xs],
          log.output(),
        );
        assert.deepEqual([...calls.values()], xs.map(() => 1));
        writeFileSync(go, "");
        assert.equal(await bounded(slow.get(60), 60, "the slow task"), -1);
        const stats = pool.stats();
        assert.equal(stats.completed, warm.length + xs.length + 1);
        assert.equal(stats.failed, 0);
      }, 0);
    } finally {
      log.remove();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
