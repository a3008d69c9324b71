/**
 * One call's stop does not disturb the others (issue 13): aborting a call,
 * or terminating another pool, leaves every other task to settle, once.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { until } from "./_cluster.ts";
import {
  bounded,
  noNatsServer,
  recordTask,
  runLog,
  withCluster,
} from "./_setup.ts";

const T = { timeout: 120_000, skip: noNatsServer };

const args = (from: number, n: number, file: string, ms: number) =>
  Array.from({ length: n }, (_, i) => ({ x: from + i, file, ms }));

test(
  "aborting a call and terminating another pool lose no task of the others",
  T,
  async () => {
    await withCluster(async (c) => {
      for (let i = 0; i < 5; i++) {
        await c.host({ processes: 1, ackWait: 3 });
      }
      const log = runLog();
      try {
        const pool = c.pool({ processes: 6 });
        const controller = new AbortController();
        const aborted = pool.map(recordTask, args(0, 3, log.file, 3000), {
          chunksize: 1,
          signal: controller.signal,
        }).catch((e) => e);
        const other = pool.map(recordTask, args(100, 3, log.file, 1500), 1);
        const a = c.pool({ processes: 3 });
        const b = c.pool({ processes: 3 });
        const ofA = a.map(recordTask, args(200, 9, log.file, 1500), 1)
          .catch((e) => e);
        const ofB = b.map(recordTask, args(300, 9, log.file, 1500), 1);
        await until(() => log.runs().length >= 5, 30, "tasks started");
        controller.abort();
        await bounded(a.terminate(), 20, "a.terminate()");
        assert.equal(
          ((await bounded(aborted, 10, "aborted")) as Error).name,
          "AbortError",
        );
        assert.deepEqual(
          (await bounded(other, 40, "the other call")).map((r) => r.x),
          [100, 101, 102],
          log.output(),
        );
        assert.deepEqual(
          (await bounded(ofB, 60, "pool b's map")).map((r) => r.x),
          args(300, 9, "", 0).map((r) => r.x),
          log.output(),
        );
        await bounded(ofA, 10, "pool a's map");
      } finally {
        log.remove();
      }
    }, 0);
  },
);
