/**
 * Delivery on a cluster pool (CLUSTER_SPEC.md "Semantics") with worker
 * hosts as separate processes on other runtimes than the caller's (the
 * in-process cases are in delivery_test.ts): a long task keeps its lease
 * past ackWait, a task that SIGKILLs every host it reaches rejects with
 * WorkerLostError after maxDeliver deliveries, and terminate() purges
 * queued tasks and stops running ones on a host process.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { WorkerLostError } from "../../mod.ts";
import { noNatsServer, startNats } from "./_nats.ts";
import {
  availableRuntimes,
  callerRuntime,
  type Host,
  type HostOptions,
  startHost,
} from "./_hosts.ts";
import {
  bounded,
  clusterPool,
  incTask,
  killHostTask,
  recordTask,
  runLog,
  Stage,
  until,
} from "./_cluster.ts";
import { sleep } from "./_proc.ts";

const T = { timeout: 90_000, skip: noNatsServer };

/** Host runtimes other than the caller's first, rotated by `seed`. */
function runtimes(count: number, seed: number) {
  const all = availableRuntimes();
  const start = (all.indexOf(callerRuntime) + 1 + seed) % all.length;
  return Array.from({ length: count }, (_, i) => all[(start + i) % all.length]);
}

async function host(
  stage: Stage,
  options: Omit<HostOptions, "runtime"> & { runtime: HostOptions["runtime"] },
): Promise<Host> {
  const h = await startHost(options);
  stage.watch(h.name, h);
  stage.defer(() => h.stop(10));
  return h;
}

test(
  "a task longer than ackWait keeps its lease (in-progress acks): it runs once",
  T,
  async () => {
    const stage = new Stage();
    await stage.run(async () => {
      const server = await startNats();
      stage.watch("nats-server", server);
      stage.defer(() => server.close());
      const log = runLog();
      stage.defer(() => log.remove());
      stage.watch("runs", log);
      // Two hosts: a redelivery would find the idle one.
      for (const [i, runtime] of runtimes(2, 1).entries()) {
        await host(stage, {
          runtime,
          name: `lease-${i + 1}`,
          servers: server.url,
          processes: 1,
          args: ["--ack-wait", "1"],
        });
      }
      const pool = clusterPool(stage, { servers: server.url, ackWait: 1 });
      const r = await bounded(
        pool.apply(recordTask, [{ x: 5, file: log.file, ms: 4000 }]),
        30,
        "a 4 s task with ackWait 1 s",
      );
      assert.equal(r.y, 25);
      const starts = log.runs().filter((run) => run.phase === "start");
      assert.equal(starts.length, 1, `runs: ${JSON.stringify(log.runs())}`);
    });
  },
);

test(
  "a task that kills its host every time rejects with WorkerLostError after maxDeliver deliveries (once a host asks for work)",
  T,
  async () => {
    const stage = new Stage();
    await stage.run(async () => {
      const server = await startNats();
      stage.watch("nats-server", server);
      stage.defer(() => server.close());
      const log = runLog();
      stage.defer(() => log.remove());
      stage.watch("runs", log);
      const flags = ["--ack-wait", "1", "--max-deliver", "2"];
      const victims: Host[] = [];
      for (const [i, runtime] of runtimes(2, 2).entries()) {
        victims.push(
          await host(stage, {
            runtime,
            name: `doomed-${i + 1}`,
            servers: server.url,
            processes: 1,
            args: flags,
          }),
        );
      }
      const pool = clusterPool(stage, {
        servers: server.url,
        ackWait: 1,
        maxDeliver: 2,
      });
      const lost = pool.apply(killHostTask, [{ x: 7, file: log.file }]).then(
        () => undefined,
        (e) => e,
      );
      for (const v of victims) {
        const exit = await bounded(
          v.exited,
          30,
          `${v.name} killed by the task`,
        );
        assert.equal(exit.signal, "SIGKILL", v.name);
      }
      // JetStream finds the deliveries used up (and sends the advisory the
      // pool listens to) when a consumer next asks for work: a host that
      // comes later.
      const [runtime] = runtimes(1, 0);
      await host(stage, {
        runtime,
        name: "survivor",
        servers: server.url,
        args: flags,
      });
      const error = await bounded(lost, 30, "the task's WorkerLostError");
      assert.ok(error instanceof WorkerLostError, String(error));
      assert.match(error.message, /deliver/i);
      assert.match(error.message, /\b2\b/, "says how many deliveries");
      const starts = log.runs().filter((r) => r.phase === "start");
      assert.equal(starts.length, 2, `runs: ${JSON.stringify(log.runs())}`);
      // The task is gone from the stream: the survivor runs the next task,
      // not it.
      assert.equal(await bounded(pool.apply(incTask, [1]), 30, "apply"), 2);
      await sleep(1500);
      assert.equal(log.runs().filter((r) => r.phase === "start").length, 2);
    });
  },
);

test(
  "terminate(): results reject at once, queued tasks are purged, running ones stopped; the host serves on",
  T,
  async () => {
    const stage = new Stage();
    await stage.run(async () => {
      const server = await startNats();
      stage.watch("nats-server", server);
      stage.defer(() => server.close());
      const log = runLog();
      stage.defer(() => log.remove());
      stage.watch("runs", log);
      const [runtime] = runtimes(1, 1);
      const h = await host(stage, {
        runtime,
        name: "term",
        servers: server.url,
        processes: 2,
      });
      const pool = clusterPool(stage, { servers: server.url });
      const results = Array.from(
        { length: 8 },
        (_, x) =>
          pool.apply_async(recordTask, [{ x, file: log.file, ms: 3000 }]),
      );
      const settled = results.map((r) =>
        r.get().then(() => "fulfilled", () => "rejected")
      );
      await until(
        () => log.runs().filter((r) => r.phase === "start").length >= 2,
        30,
        "two tasks running",
      );
      await bounded(pool.terminate(), 10, "terminate()");
      assert.deepEqual(
        await bounded(Promise.all(settled), 5, "results after terminate()"),
        Array(8).fill("rejected"),
      );
      const before = log.runs();
      // The running tasks would end 3 s after they started: they were stopped.
      await sleep(3500);
      const after = log.runs();
      assert.equal(
        after.filter((r) => r.phase === "end").length,
        0,
        `runs: ${JSON.stringify(after)}`,
      );
      assert.equal(
        after.filter((r) => r.phase === "start").length,
        before.filter((r) => r.phase === "start").length,
        "a purged task started after terminate()",
      );
      // The host serves the next pool (and the purged tasks stay gone).
      const next = clusterPool(stage, { servers: server.url });
      assert.equal(await bounded(next.apply(incTask, [1]), 30, "apply"), 2);
      assert.equal(h.proc.running, true);
      await sleep(500);
      assert.equal(
        log.runs().filter((r) => r.phase === "start").length,
        before.filter((r) => r.phase === "start").length,
      );
    });
  },
);
