/**
 * At-least-once underneath, exactly once for the caller (issue 13): a
 * duplicate task message runs twice and settles once; a task whose
 * deliveries run out rejects with WorkerLostError; terminate() purges the
 * queue and stops running tasks; tasks wait for a host; no server, no loop.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Pool, WorkerLostError } from "../../mod.ts";
import { natsCluster } from "../../src/cluster/mod.ts";
import { until } from "./_cluster.ts";
import { freePort } from "./_nats.ts";
import {
  bounded,
  noNatsServer,
  recordTask,
  runLog,
  withCluster,
} from "./_setup.ts";

const T = { timeout: 120_000, skip: noNatsServer };

/** A plain NATS client for the test's own look at the stream. */
async function raw(url: string) {
  const nc = await connect({ servers: url });
  const jsm = await jetstreamManager(nc);
  return { nc, jsm, js: jetstream(nc) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  "a task message published twice runs twice and settles once",
  T,
  async () => {
    await withCluster(async (c) => {
      const log = runLog();
      const client = await raw(c.url);
      try {
        const pool = c.pool();
        const result = pool.apply_async(recordTask, [{
          x: 7,
          file: log.file,
          ms: 1500,
        }]);
        await until(() => log.runs().length > 0, 30, "the task started");
        const info = await client.jsm.streams.info("XPOOL");
        const stored = await client.jsm.streams.getMessage("XPOOL", {
          seq: info.state.last_seq,
        });
        assert.ok(stored, "the running task is still in the stream");
        await client.js.publish(stored.subject, stored.data); // a duplicate
        assert.deepEqual(
          await bounded(result.get(30), 31, "the result"),
          { x: 7, y: 49, by: (await result.get()).by },
        );
        await until(
          () => log.runs().filter((r) => r.phase === "end").length === 2,
          30,
          "both runs ended",
        );
        // The second result was dropped: the pool goes on, in order.
        assert.deepEqual(
          await bounded(
            pool.map((x: number) => x + 1, [1, 2, 3], 1),
            30,
            "map",
          ),
          [2, 3, 4],
        );
        await until(
          () => log.runs().filter((r) => r.phase === "end").length === 2,
          5,
          "no third run",
        );
      } finally {
        await client.nc.close();
        log.remove();
      }
    });
  },
);

test(
  "a task delivered maxDeliver times without a result rejects with WorkerLostError",
  T,
  async () => {
    await withCluster(async (c) => {
      const pool = c.pool({
        ackWait: 1,
        maxDeliver: 2,
        stream: "XPOOL_MD",
        subjectPrefix: "xmd",
      });
      const result = pool.apply((x: number) => x, [1]).catch((e) => e);
      const client = await raw(c.url);
      let stop = false;
      const hole = (async () => {
        // A "host" that takes tasks and never answers nor acks.
        let consumer;
        for (let i = 0; i < 100 && !consumer && !stop; i++) {
          consumer = await client.js.consumers.get("XPOOL_MD", "hosts")
            .catch(() => undefined);
          if (!consumer) await sleep(100);
        }
        let taken = 0;
        while (!stop && consumer) {
          try {
            const batch = await consumer.fetch({
              max_messages: 1,
              expires: 2000,
            });
            for await (const _ of batch) taken++;
          } catch {
            // missed heartbeats and the like: ask again
          }
        }
        return taken;
      })();
      try {
        const error = await bounded(result, 30, "the lost task");
        assert.ok(error instanceof WorkerLostError, String(error));
        assert.match(error.message, /delivered 2 times/);
        stop = true;
        assert.ok((await bounded(hole, 10, "the black hole")) >= 2);
        // The pool removes the lost task from the stream (just after).
        let messages = -1;
        for (let i = 0; i < 50 && messages !== 0; i++) {
          const info = await client.jsm.streams.info("XPOOL_MD");
          messages = info.state.messages;
          if (messages !== 0) await sleep(100);
        }
        assert.equal(messages, 0, "the lost task left the stream");
      } finally {
        stop = true;
        await hole.catch(() => {});
        await client.nc.close();
      }
    }, 0);
  },
);

test(
  "terminate() purges queued tasks and stops running ones on the host",
  T,
  async () => {
    await withCluster(async (c) => {
      const log = runLog();
      const client = await raw(c.url);
      try {
        const pool = c.pool({}, { processes: 4 });
        const results = Array.from(
          { length: 24 },
          (_, x) =>
            pool.apply_async(recordTask, [{ x, file: log.file, ms: 3000 }]),
        );
        const settled = results.map((r) => r.get().then(() => "ok", (e) => e));
        await until(() => log.runs().length >= 2, 30, "two tasks started");
        const before = await client.jsm.streams.info("XPOOL");
        // Each of the 4 slots holds one slow task (its window): two run on
        // the host, the others wait in the stream.
        assert.ok(
          before.state.messages >= 3,
          `${before.state.messages} queued`,
        );
        await bounded(pool.terminate(), 20, "terminate()");
        for (const outcome of await Promise.all(settled)) {
          assert.equal((outcome as Error).name, "AbortError");
        }
        const after = await client.jsm.streams.info("XPOOL");
        assert.equal(after.state.messages, 0, "purged");
        await sleep(3500);
        const ended = log.runs().filter((r) => r.phase === "end");
        assert.deepEqual(ended, [], "the running tasks were stopped");
        assert.equal(log.runs().length, 2, "nothing else started");
      } finally {
        await client.nc.close();
        log.remove();
      }
    });
  },
);

test("tasks wait in the stream until a host serves", T, async () => {
  await withCluster(async (c) => {
    const pool = c.pool();
    let settled = false;
    const result = pool.map((x: number) => x * 2, [1, 2, 3]);
    result.then(() => settled = true, () => settled = true);
    await sleep(1000);
    assert.equal(settled, false);
    await c.host();
    assert.deepEqual(await bounded(result, 30, "map"), [2, 4, 6]);
  }, 0);
});

test(
  "no server: every task rejects with the connection error, once",
  T,
  async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    const pool = new Pool({ context: natsCluster({ servers: url }) });
    try {
      const first = await bounded(
        pool.apply(() => 1).catch((e) => e),
        30,
        "apply",
      );
      assert.match(String(first?.message), /cannot connect to nats:\/\/127/);
      const second = await bounded(
        pool.apply(() => 1).catch((e) => e),
        30,
        "apply again",
      );
      assert.match(String(second?.message), /cannot connect/);
    } finally {
      await bounded(pool.terminate(), 20, "terminate()");
    }
  },
);
