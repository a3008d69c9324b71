/**
 * A mix of tiny and slow tasks on a cluster pool: a slot's tasks run on
 * whichever host threads take them, so the result of a tiny task posted to
 * a slot after a slow one comes back as soon as it is ready, not behind the
 * slow one (`WorkerAdapter.unordered`); every result still settles once,
 * and `map` keeps its order. The slow task waits for a file the test
 * writes, not a fixed time.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bounded, noNatsServer, untilFileTask, withCluster } from "./_setup.ts";
import { until } from "./_cluster.ts";

const T = { timeout: 120_000, skip: noNatsServer };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "xpool-mix-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test(
  "one slot: tiny tasks posted after a slow one are answered before it, each once",
  T,
  async () => {
    await withDir(async (dir) => {
      await withCluster(async (c) => {
        // One slot, one host with 2 threads: the slow task holds one thread,
        // the tiny ones run on the other.
        const pool = c.pool({}, { processes: 1 });
        const go = join(dir, "go");
        const slow = pool.apply_async(untilFileTask, [{ x: -1, file: go }]);
        const xs = Array.from({ length: 40 }, (_, i) => i);
        const calls = new Map<number, number>();
        const tiny = xs.map((x) =>
          pool.apply_async(untilFileTask, [{ x }], {
            callback: (v: number) => calls.set(v, (calls.get(v) ?? 0) + 1),
          })
        );
        const values = await bounded(
          Promise.all(tiny.map((r) => r.get(60))),
          60,
          "the tiny tasks, with the slow one still running",
        );
        assert.deepEqual(values, xs);
        assert.equal(slow.ready(), false, "the slow task cannot have ended");
        writeFileSync(go, "");
        assert.equal(await bounded(slow.get(60), 60, "the slow task"), -1);
        assert.deepEqual([...calls.values()], xs.map(() => 1));
        assert.deepEqual([...calls.keys()].sort((a, b) => a - b), xs);
        const stats = pool.stats();
        assert.equal(stats.completed, xs.length + 1);
        assert.equal(stats.failed, 0);
      });
    });
  },
);

test(
  "one slot: imap_unordered yields the tiny tasks first; map keeps its order while its first item waits",
  T,
  async () => {
    await withDir(async (dir) => {
      await withCluster(async (c) => {
        const pool = c.pool({}, { processes: 1 });
        const first = join(dir, "first");
        const items = [
          { x: -1, file: first },
          ...Array.from({ length: 20 }, (_, i) => ({ x: i })),
        ];
        const it = pool.imap_unordered(untilFileTask, items, 1);
        const seen: number[] = [];
        for (let k = 0; k < 20; k++) {
          const next = await bounded(it.next(), 60, `imap_unordered #${k}`);
          assert.equal(next.done, false);
          seen.push(next.value as number);
        }
        assert.deepEqual(
          seen.sort((a, b) => a - b),
          items.slice(1).map((o) => o.x),
        );
        writeFileSync(first, "");
        const last = await bounded(it.next(), 60, "imap_unordered, last");
        assert.equal(last.value, -1);
        assert.equal((await bounded(it.next(), 60, "imap end")).done, true);

        // map: its first item ends only after every other one was answered;
        // the results are still in the order of the items.
        const gate = join(dir, "gate");
        const before = pool.stats().completed;
        const mapped = pool.map_async(
          untilFileTask,
          [{ x: 100, file: gate }, ...items.slice(1)],
          1,
        );
        await until(
          () => pool.stats().completed >= before + 20,
          60,
          "the map's other items answered",
        );
        assert.equal(mapped.ready(), false);
        writeFileSync(gate, "");
        assert.deepEqual(
          await bounded(mapped.get(60), 60, "map"),
          [100, ...items.slice(1).map((o) => o.x)],
        );
      });
    });
  },
);
