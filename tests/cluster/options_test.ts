/**
 * Option and connection errors of the cluster name the fix and never show
 * a password (issue 13).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "../../mod.ts";
import { natsCluster, serveWorkers } from "../../src/cluster/mod.ts";
import { bounded } from "./_cluster.ts";
import { CLI, noRuntime, ROOT, runtimePath } from "./_hosts.ts";
import { freePort } from "./_nats.ts";
import { startProc } from "./_proc.ts";
import { noNatsServer, withCluster } from "./_setup.ts";

test("natsCluster() names a misspelt option and a wrong URL scheme", () => {
  assert.throws(
    () => natsCluster({ servers: "nats://h:4222", ackwait: 3 } as never),
    (e: Error) =>
      e instanceof TypeError && /'ackwait'.*did you mean 'ackWait'/.test(
        e.message,
      ),
  );
  assert.throws(
    () => natsCluster({ servers: "http://u:secret@h:4222" }),
    (e: Error) =>
      e instanceof TypeError && /nats:\/\/, tls:\/\//.test(e.message) &&
      !e.message.includes("secret"),
  );
  natsCluster({ servers: "tls://h:4222,h2:4222", user: "a", pass: "b" });
});

test(
  "a connection error hides the password and says what to check",
  { timeout: 60_000 },
  async () => {
    const url = `nats://pool:secret@127.0.0.1:${await freePort()}`;
    const pool = new Pool({ context: natsCluster({ servers: url }) });
    try {
      const error = await bounded(
        pool.apply(() => 1).catch((e) => e),
        30,
        "apply",
      );
      const message = String(error?.message);
      assert.ok(!message.includes("secret"), message);
      assert.match(message, /nats:\/\/pool:\*\*\*@127/);
      assert.match(message, /check 'servers' and the credentials/);
    } finally {
      await bounded(pool.terminate(), 20, "terminate()");
    }
  },
);

test(
  "the host command refuses --user without --pass and a missing --creds file",
  { timeout: 60_000, skip: noRuntime("node") },
  async () => {
    for (
      const [flags, expected] of [
        [["--user", "a"], /--user and --pass go together/],
        [
          ["--creds", "/nonexistent/x.creds"],
          /--creds \/nonexistent\/x\.creds: no such file/,
        ],
      ] as const
    ) {
      const proc = startProc(
        runtimePath("node")!,
        [CLI, "--servers", "nats://127.0.0.1:1", ...flags],
        { label: "cli", cwd: ROOT },
      );
      try {
        const exit = await bounded(proc.exited, 30, "the host command");
        assert.equal(exit.code, 2, proc.output());
        assert.match(proc.stderr(), expected);
      } finally {
        if (proc.running) await proc.stop(5);
      }
    }
  },
);

test(
  "options are checked by type at the call, before connecting: allowSource must be a boolean, host options are refused by natsCluster",
  { timeout: 30_000 },
  async () => {
    const servers = "nats://127.0.0.1:1"; // nothing listens: no check may connect
    for (const allowSource of ["false", "0", 1, "true"]) {
      await assert.rejects(
        serveWorkers({ servers, allowSource } as never),
        (e: Error) =>
          e instanceof TypeError &&
          /'allowSource' must be true or false/.test(e.message),
      );
    }
    await assert.rejects(
      serveWorkers({ servers, name: "a/b" }),
      /'name' must be a non-empty string without spaces, '.', '\*', '>' or '\/'/,
    );
    await assert.rejects(
      serveWorkers({ servers, context: "xyz" as never }),
      (e: Error) =>
        e instanceof TypeError &&
        /^Cannot start serveWorkers\(\) as 'context' must be/.test(e.message),
    );
    for (const key of ["allowSource", "context"]) {
      assert.throws(
        () =>
          natsCluster({ servers, [key]: key === "context" ? "node" : true }),
        (e: Error) =>
          e instanceof TypeError &&
          new RegExp(`'${key}' is an option of the hosts`).test(e.message),
      );
    }
    for (const key of ["user", "pass", "token", "name"]) {
      assert.throws(
        () => natsCluster({ servers, [key]: 5 }),
        (e: Error) =>
          e instanceof TypeError &&
          new RegExp(`'${key}' must be a string`).test(e.message),
      );
    }
    assert.throws(
      () => natsCluster({ servers, pass: 5 as never }),
      (e: Error) => !e.message.includes("5"),
      "a password is not shown, even a wrong one",
    );
    for (const timeout of [1, -1, 0, 99, Infinity]) {
      assert.throws(
        () => natsCluster({ servers, timeout }),
        (e: Error) =>
          e instanceof RangeError &&
          /'timeout' must be milliseconds from 100/.test(e.message),
      );
    }
    assert.throws(
      () => natsCluster({ servers, reconnectTimeWait: "1" as never }),
      TypeError,
    );
    natsCluster({ servers, timeout: 2000, user: "a", pass: "b", name: "n" });
  },
);

test(
  "a second stream on the same subjects fails with the fix named (its own subjectPrefix)",
  { timeout: 120_000, skip: noNatsServer },
  async () => {
    await withCluster(async (cluster) => {
      await assert.rejects(
        cluster.host({ name: "other", stream: "OTHER" }),
        (e: Error) =>
          /Cannot create stream 'OTHER'.*overlap.*own subjectPrefix/.test(
            e.message,
          ),
      );
      const host = await cluster.host({
        name: "other",
        stream: "OTHER",
        subjectPrefix: "other",
      });
      const pool = cluster.pool({ stream: "OTHER", subjectPrefix: "other" });
      assert.deepEqual(await pool.map((x: number) => x * 2, [1, 2]), [2, 4]);
      assert.equal(host.name, "other");
    });
  },
);
