/**
 * The cluster test harness itself: NATS servers start, restart on the same
 * port and store, form a three-server cluster, require credentials; nothing
 * stays running.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  monitor,
  noNatsServer,
  probeInfo,
  startNats,
  startNatsCluster,
} from "./_nats.ts";
import { liveProcs, sleep, startProc } from "./_proc.ts";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { createNet, firstLineFrom, ip, noNetns } from "./_netns.ts";

const T = { timeout: 90_000, skip: noNatsServer };

test(
  "nats-server starts on a free port, serves JetStream and stops",
  T,
  async () => {
    const server = await startNats();
    try {
      assert.match(server.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
      const info = JSON.parse(
        (await probeInfo("127.0.0.1", server.port, 5)).slice(5),
      );
      assert.equal(info.jetstream, true);
      assert.equal(
        (await monitor(server, "/jsz")).config.store_dir,
        server.storeDir + "/jetstream",
      );
    } finally {
      await server.close();
    }
    assert.equal(server.running, false);
    await assert.rejects(probeInfo("127.0.0.1", server.port, 2));
  },
);

test(
  "nats-server restarts on the same port and store (after kill -9 too)",
  T,
  async () => {
    const server = await startNats();
    try {
      const pid = server.proc.pid;
      await server.restart();
      assert.notEqual(server.proc.pid, pid);
      await probeInfo("127.0.0.1", server.port, 5);
      await server.restart({ kill: true });
      const jsz = await monitor(server, "/jsz");
      assert.equal(jsz.config.store_dir, server.storeDir + "/jetstream");
      assert.match(
        server.output(),
        /Server is ready[\s\S]*Server is ready[\s\S]*Server is ready/,
      );
    } finally {
      await server.close();
    }
  },
);

test(
  "three nats-servers form a JetStream cluster with a meta leader",
  T,
  async () => {
    const cluster = await startNatsCluster();
    try {
      assert.equal(cluster.urls.length, 3);
      for (const server of cluster.servers) {
        const jsz = await monitor(server, "/jsz");
        assert.equal(jsz.meta_cluster.cluster_size, 3);
        assert.ok(jsz.meta_cluster.leader);
      }
      // Losing one keeps a quorum; it comes back on the same port and store.
      await cluster.servers[0].kill();
      await cluster.servers[0].start();
    } finally {
      await cluster.close();
    }
  },
);

test("a server with users or a token says so in INFO", T, async () => {
  const withUsers = await startNats({
    users: [{ user: "alice", pass: "s3cret" }],
  });
  const withToken = await startNats({ token: "t0ken" });
  try {
    for (const server of [withUsers, withToken]) {
      const info = JSON.parse(
        (await probeInfo("127.0.0.1", server.port, 5)).slice(5),
      );
      assert.equal(info.auth_required, true);
    }
  } finally {
    await withUsers.close();
    await withToken.close();
  }
});

test(
  "a process that never prints its line fails in bounded time and is stopped",
  T,
  async () => {
    const proc = startProc("sleep", ["30"], { label: "sleeper" });
    try {
      await assert.rejects(proc.waitFor(/never/, 0.3), /did not print/);
    } finally {
      const exit = await proc.stop(1);
      assert.equal(exit.signal, "SIGTERM");
    }
    assert.deepEqual(liveProcs(), []);
  },
);

test(
  "namespaces: hosts reach the server over the bridge; a cut link stops them; all removed at the end",
  {
    timeout: 60_000,
    skip: noNatsServer || noNetns(),
  },
  async () => {
    const net = createNet(2);
    let server: Awaited<ReturnType<typeof startNats>> | undefined;
    try {
      server = await startNats({ host: net.serverAddress });
      assert.equal(server.url, `nats://${net.serverAddress}:${server.port}`);
      for (const h of net.hosts) {
        assert.match(
          firstLineFrom(h.name, net.serverAddress, server.port) ?? "",
          /^INFO /,
          `from ${h.name}`,
        );
      }
      net.hosts[0].cut();
      assert.equal(
        firstLineFrom(net.hosts[0].name, net.serverAddress, server.port, 1),
        undefined,
      );
      assert.match(
        firstLineFrom(net.hosts[1].name, net.serverAddress, server.port) ?? "",
        /^INFO /,
      );
      net.hosts[0].restore();
      assert.match(
        firstLineFrom(net.hosts[0].name, net.serverAddress, server.port, 5) ??
          "",
        /^INFO /,
      );
    } finally {
      await server?.close();
      net.close();
    }
    const left = ip("netns", "list") + ip("-o", "link", "show");
    for (const h of net.hosts) {
      assert.ok(!left.includes(h.name), `${h.name} removed`);
      assert.ok(!left.includes(h.link), `${h.link} removed`);
    }
  },
);

test(
  "the NATS client: a file-storage stream survives a server restart; wrong credentials are refused",
  T,
  async () => {
    const server = await startNats();
    const locked = await startNats({
      users: [{ user: "alice", pass: "s3cret" }],
    });
    try {
      const nc = await connect({ servers: server.url, reconnectTimeWait: 100 });
      try {
        const jsm = await jetstreamManager(nc, { timeout: 1000 });
        await jsm.streams.add({
          name: "HARNESS",
          subjects: ["harness.>"],
          storage: StorageType.File,
        });
        const js = jetstream(nc);
        for (let i = 0; i < 10; i++) await js.publish("harness.x", `m${i}`);
        await server.restart({ kill: true });
        // The client reconnects by itself; the messages are still there.
        let messages = -1;
        for (let i = 0; i < 50 && messages !== 10; i++) {
          try {
            messages = (await jsm.streams.info("HARNESS")).state.messages;
          } catch {
            await sleep(100);
          }
        }
        assert.equal(messages, 10);
      } finally {
        await nc.close();
      }
      await assert.rejects(
        connect({
          servers: locked.url,
          user: "alice",
          pass: "wrong",
          reconnect: false,
        }),
        /Authorization Violation/i,
      );
      const ok = await connect({
        servers: locked.url,
        user: "alice",
        pass: "s3cret",
      });
      await ok.close();
    } finally {
      await server.close();
      await locked.close();
    }
  },
);
