import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { cpuCount, currentProcess, moduleTask, Pool } from "../mod.ts";
import type { ProcessInfo } from "../mod.ts";
import { deadline, fixture, latch, poolOptions, T, withPool } from "./_util.ts";

/** Two tasks that each wait for the other, so they must run on two workers. */
const meetAndName = (sab: SharedArrayBuffer) => {
  const cells = new Int32Array(sab);
  Atomics.add(cells, 0, 1);
  Atomics.notify(cells, 0);
  const start = Date.now();
  while (Atomics.load(cells, 0) < 2 && Date.now() - start < 10_000) {
    Atomics.wait(cells, 0, Atomics.load(cells, 0), 50);
  }
  const { name, id } = currentProcess();
  return { name, id };
};

describe("currentProcess()", () => {
  test("currentProcess() on the main side is MainProcess with id 0", T, () => {
    const info = currentProcess();
    assert.equal(info.name, "MainProcess");
    assert.equal(info.id, 0);
  });

  test("currentProcess() in a worker names it PoolWorker-<id>", T, async () => {
    await withPool({}, async (pool) => {
      const info = await deadline(
        pool.apply(() => {
          const { name, id } = currentProcess();
          return { name, id };
        }),
        20,
        "apply",
      );
      assert.match(info.name, /^PoolWorker-\d+$/);
      assert.ok(Number.isInteger(info.id) && info.id >= 1, `id ${info.id}`);
      assert.equal(info.name, `PoolWorker-${info.id}`);
    });
  });

  test(
    "currentProcess() differs between two workers running at once",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const sab = latch(1);
        const [a, b] = await deadline(
          Promise.all([
            pool.apply(meetAndName, [sab]),
            pool.apply(meetAndName, [sab]),
          ]),
          30,
          "rendezvous",
        );
        assert.notEqual(a.name, b.name);
        assert.notEqual(a.id, b.id);
      });
    },
  );

  test(
    "currentProcess() works in a module task that imports it",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const who = moduleTask<() => ProcessInfo>(
          fixture("tasks.ts"),
          "whoAmI",
        );
        const info = await deadline(pool.apply(who), 20, "apply");
        assert.match(info.name, /^PoolWorker-\d+$/);
        assert.notEqual(info.id, 0);
      });
    },
  );

  test(
    "currentProcess() on the main side is unchanged while a pool runs",
    T,
    async () => {
      await withPool({}, async (pool) => {
        await deadline(pool.apply(() => 1), 20, "apply");
        assert.equal(currentProcess().name, "MainProcess");
      });
    },
  );
});

describe("cpuCount()", () => {
  test("cpuCount() is a positive integer", T, () => {
    const n = cpuCount();
    assert.ok(Number.isInteger(n) && n >= 1, `cpuCount() = ${n}`);
  });

  test("new Pool() defaults processes to cpuCount()", T, async () => {
    const { processes: _ignored, ...rest } = poolOptions();
    const pool = new Pool(rest);
    try {
      assert.equal(pool.processes, cpuCount());
      assert.equal(await deadline(pool.apply(() => 1), 20, "apply"), 1);
    } finally {
      await deadline(pool.terminate(), 20, "terminate");
    }
  });
});
