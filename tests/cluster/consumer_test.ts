/**
 * A host's explicit ackWait/maxDeliver update the shared consumer that a
 * pool or another host created first (issue 13), with one stderr line.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { openQueue } from "../../src/cluster/_queue.ts";
import { settings } from "../../src/cluster/_settings.ts";
import { noNatsServer, withCluster } from "./_setup.ts";

test(
  "a host's --ack-wait and --max-deliver update an existing consumer",
  { timeout: 60_000, skip: noNatsServer },
  async () => {
    await withCluster(async (c) => {
      await c.host(); // creates the consumer with the defaults (30 s, 5)
      const lines: string[] = [];
      const write = console.error;
      console.error = (...a: unknown[]) => void lines.push(a.join(" "));
      try {
        await c.host({ ackWait: 3, maxDeliver: 2 });
      } finally {
        console.error = write;
      }
      assert.equal(lines.length, 1, lines.join("\n"));
      assert.match(
        lines[0],
        /updated from ackWait 30 s, maxDeliver 5 to ackWait 3 s, maxDeliver 2/,
      );
      const queue = await openQueue(settings("test", { servers: c.url }));
      try {
        assert.equal(queue.ackWaitMs, 3000);
        assert.equal(queue.maxDeliver, 2);
      } finally {
        await queue.nc.close();
      }
    }, 0);
  },
);
