/**
 * What a cluster pool refuses (issue 13): a source function sent to a host
 * without allowSource, and clients with wrong credentials (user/password,
 * token): nothing runs, the error says why, no reconnect loop.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { noNatsServer, startNats } from "./_nats.ts";
import { availableRuntimes, callerRuntime, startHost } from "./_hosts.ts";
import {
  bounded,
  clusterPool,
  incTask,
  recordTask,
  runLog,
  Stage,
} from "./_cluster.ts";
import { sleep } from "./_proc.ts";

const T = { timeout: 90_000, skip: noNatsServer };

/** A runtime other than the caller's (hosts of every kind across tests). */
function otherRuntime(seed: number) {
  const all = availableRuntimes().filter((r) => r !== callerRuntime);
  return all.length ? all[seed % all.length] : callerRuntime;
}

test(
  "a source function sent to a host without allowSource rejects, naming the host and the fix; moduleTask runs",
  T,
  async () => {
    const stage = new Stage();
    await stage.run(async () => {
      const server = await startNats();
      stage.watch("nats-server", server);
      stage.defer(() => server.close());
      const host = await startHost({
        runtime: otherRuntime(0),
        name: "no-source",
        servers: server.url,
        processes: 1,
      });
      stage.watch(host.name, host);
      stage.defer(() => host.stop(10));
      const pool = clusterPool(stage, { servers: server.url });
      const error = await bounded(
        pool.apply((x: number) => x + 1, [1]).then(
          (v) => {
            throw new Error(`a source function ran: ${v}`);
          },
          (e) => e,
        ),
        30,
        "source task on a host without allowSource",
      );
      assert.ok(error instanceof Error, String(error));
      assert.match(error.message, /source/i);
      assert.match(error.message, /no-source/, "names the host");
      assert.match(
        error.message,
        /--allow-source|allowSource/,
        "names the fix",
      );
      assert.match(error.message, /moduleTask/, "names the alternative");
      // The host lives on and runs module tasks.
      assert.equal(
        await bounded(pool.apply(incTask, [1]), 30, "moduleTask"),
        2,
      );
      assert.equal(host.proc.running, true);
    });
  },
);

test(
  "wrong user/password: a host exits non-zero at once on every runtime, a caller's tasks reject, nothing runs, no reconnect loop",
  T,
  async () => {
    const stage = new Stage();
    await stage.run(async () => {
      const server = await startNats({
        users: [{ user: "alice", pass: "s3cret" }],
      });
      stage.watch("nats-server", server);
      stage.defer(() => server.close());
      const log = runLog();
      stage.defer(() => log.remove());
      stage.watch("runs", log);
      // A host with the right password serves (and would run anything sent).
      const good = await startHost({
        runtime: otherRuntime(1),
        name: "good",
        servers: server.url,
        processes: 1,
        args: ["--user", "alice", "--pass", "s3cret"],
      });
      stage.watch(good.name, good);
      stage.defer(() => good.stop(10));
      // Hosts with a wrong password, one per runtime: each exits non-zero
      // with one line naming the server's refusal, in bounded time.
      const bad = await Promise.all(
        availableRuntimes().map((runtime) =>
          startHost({
            runtime,
            name: `bad-${runtime}`,
            servers: server.url,
            args: ["--user", "alice", "--pass", "wrong"],
            waitReady: false,
          })
        ),
      );
      for (const h of bad) {
        stage.watch(h.name, h);
        stage.defer(() => h.stop(3));
      }
      for (const h of bad) {
        const exit = await bounded(h.exited, 30, `${h.name} exiting`);
        assert.notEqual(exit.code, 0, `${h.name} exit code`);
        assert.notEqual(exit.code, null, `${h.name} exited by itself`);
        assert.match(h.proc.stderr(), /Authorization Violation/, h.name);
        assert.doesNotMatch(h.proc.stdout(), /^serving /m, h.name);
      }
      // A caller with the wrong password: every task rejects with the
      // server's message; nothing reaches the good host.
      const pool = clusterPool(stage, {
        servers: server.url,
        user: "alice",
        pass: "wrong",
      });
      const first = await bounded(
        pool.apply(recordTask, [{ x: 1, file: log.file }]).then(
          () => undefined,
          (e) => e,
        ),
        30,
        "a task of a caller with a wrong password",
      );
      assert.ok(first instanceof Error, "the task rejected");
      assert.match(first.message, /Authorization Violation/);
      const second = await bounded(
        pool.apply(recordTask, [{ x: 2, file: log.file }]).then(
          () => undefined,
          (e) => e,
        ),
        30,
        "a second task",
      );
      assert.ok(second instanceof Error, "the second task rejected too");
      // No reconnect loop: the server sees no new authentication attempts.
      const attempts = () =>
        (server.output().match(/authentication error/g) ?? []).length;
      const before = attempts();
      await sleep(3000);
      assert.ok(
        attempts() - before <= 1,
        `${
          attempts() - before
        } more authentication errors in 3 s: a reconnect loop`,
      );
      assert.deepEqual(log.runs(), [], "nothing ran");
      assert.equal(good.proc.running, true);
    });
  },
);

test(
  "token: a host and a caller with the token work; a caller with a wrong token runs nothing",
  T,
  async () => {
    const stage = new Stage();
    await stage.run(async () => {
      const server = await startNats({ token: "t0ken-right" });
      stage.watch("nats-server", server);
      stage.defer(() => server.close());
      const log = runLog();
      stage.defer(() => log.remove());
      stage.watch("runs", log);
      const host = await startHost({
        runtime: otherRuntime(2),
        name: "token-host",
        servers: server.url,
        processes: 1,
        args: ["--token", "t0ken-right"],
      });
      stage.watch(host.name, host);
      stage.defer(() => host.stop(10));
      const right = clusterPool(stage, {
        servers: server.url,
        token: "t0ken-right",
      });
      assert.equal(await bounded(right.apply(incTask, [6]), 30, "apply"), 7);
      const wrong = clusterPool(stage, { servers: server.url, token: "nope" });
      const error = await bounded(
        wrong.apply(recordTask, [{ x: 1, file: log.file }]).then(
          () => undefined,
          (e) => e,
        ),
        30,
        "a task of a caller with a wrong token",
      );
      assert.ok(error instanceof Error, "the task rejected");
      assert.match(error.message, /Authorization Violation/);
      assert.deepEqual(log.runs(), [], "nothing ran");
    });
  },
);
