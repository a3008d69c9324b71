/**
 * signal and timeout through a cluster (issue 13): the call rejects at
 * once, its task is stopped on the host, and the pool goes on.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../../mod.ts";
import { until } from "./_cluster.ts";
import {
  bounded,
  noNatsServer,
  recordTask,
  runLog,
  withCluster,
} from "./_setup.ts";

const T = { timeout: 120_000, skip: noNatsServer };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  "timeout rejects with TimeoutError and stops the task on the host",
  T,
  async () => {
    await withCluster(async (c) => {
      const log = runLog();
      try {
        const pool = c.pool();
        const started = performance.now();
        const error = await bounded(
          pool.apply(recordTask, [{ x: 1, file: log.file, ms: 4000 }], {
            timeout: 1,
          }).catch((e) => e),
          30,
          "apply with timeout",
        );
        assert.ok(error instanceof TimeoutError, String(error));
        assert.ok(performance.now() - started < 3500, "rejected on time");
        assert.equal(
          await bounded(pool.apply((x: number) => x, [5]), 30, "after"),
          5,
        );
        await sleep(3500);
        assert.deepEqual(
          log.runs().filter((r) => r.phase === "end"),
          [],
          "the task was stopped on the host",
        );
      } finally {
        log.remove();
      }
    });
  },
);

test(
  "an aborted signal rejects map() and stops its tasks on the host",
  T,
  async () => {
    await withCluster(async (c) => {
      const log = runLog();
      try {
        const pool = c.pool();
        const controller = new AbortController();
        const args = Array.from(
          { length: 6 },
          (_, x) => ({ x, file: log.file, ms: 3000 }),
        );
        const result = pool.map(recordTask, args, {
          chunksize: 1,
          signal: controller.signal,
        }).catch((e) => e);
        await until(() => log.runs().length >= 2, 30, "two tasks started");
        controller.abort();
        const error = await bounded(result, 10, "map after abort");
        assert.equal((error as Error).name, "AbortError");
        assert.deepEqual(
          await bounded(pool.map((x: number) => x * 2, [1, 2]), 30, "after"),
          [2, 4],
        );
        await sleep(3500);
        assert.deepEqual(
          log.runs().filter((r) => r.phase === "end"),
          [],
          "its tasks were stopped on the host",
        );
      } finally {
        log.remove();
      }
    });
  },
);
