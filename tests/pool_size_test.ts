/**
 * How many workers a pool may have, and starting many: a count above
 * `Pool.MAX_PROCESSES` is refused at once (it used to start threads until
 * memory ran out), and starting workers never blocks the caller for the
 * whole pool (a worker's start blocks its caller: ~2 ms on Bun, ~11 ms on
 * Node, ~35–85 ms on Deno).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentProcess, Pool } from "../mod.ts";
import type {
  SpawnOptions,
  WorkerEvents,
  WorkerHandle,
} from "../src/core/adapter.ts";
import { Engine } from "../src/core/_engine.ts";
import { ThreadAdapter } from "./_thread_adapter.ts";
import {
  constructionError,
  deadline,
  latch,
  poolOptions,
  sleep,
  T,
  until,
  withPool,
} from "./_util.ts";

/**
 * The in-thread adapter (the real worker loop) whose every worker start
 * blocks its caller for `ms`.
 */
class SlowStartAdapter extends ThreadAdapter {
  spawns = 0;
  #ms: number;

  constructor(ms: number) {
    super();
    this.#ms = ms;
  }

  override spawn(options: SpawnOptions, events: WorkerEvents): WorkerHandle {
    const end = performance.now() + this.#ms;
    while (performance.now() < end) {
      // blocks, as new Worker() does
    }
    this.spawns++;
    return super.spawn(options, events);
  }
}

function engine(adapter: SlowStartAdapter, processes: number): Engine {
  return new Engine({
    processes,
    adapter,
    initargs: [],
    maxTasks: Infinity,
  });
}

describe("Pool.MAX_PROCESSES", () => {
  test("Pool.MAX_PROCESSES is 1024", () => {
    assert.equal(Pool.MAX_PROCESSES, 1024);
  });

  test(
    "new Pool(n) above Pool.MAX_PROCESSES throws a RangeError naming the maximum, at once",
    T,
    async () => {
      const max = Pool.MAX_PROCESSES;
      assert.equal(typeof max, "number");
      for (
        const n of [
          max + 1,
          2 * max,
          1e9, // the example: started threads until out of memory
          2 ** 31,
          Number.MAX_SAFE_INTEGER,
          1e308,
        ]
      ) {
        for (
          const make of [
            () => new Pool(n),
            () => new Pool({ ...poolOptions(), processes: n }),
          ]
        ) {
          const error = await constructionError(make);
          assert.ok(error instanceof RangeError, `new Pool(${n}): ${error}`);
          assert.match(
            error.message,
            /'processes' must be at most Pool\.MAX_PROCESSES \(1024\)/,
          );
          assert.ok(error.message.includes(`received ${n};`), error.message);
        }
      }
    },
  );
});

describe("starting many workers", () => {
  test(
    "the engine starts workers in slices, letting the event loop run between them",
    T,
    async () => {
      const adapter = new SlowStartAdapter(3);
      const n = 40;
      const e = engine(adapter, n);
      const atReturn = adapter.spawns;
      let atFirstTick = -1;
      const tick = new Promise<void>((resolve) =>
        setTimeout(() => {
          atFirstTick = adapter.spawns;
          resolve();
        }, 0)
      );
      try {
        assert.ok(atReturn >= 1, "the first worker starts at once");
        assert.ok(atReturn < n, `the constructor started all ${n} workers`);
        await deadline(tick, 10, "a timer set after construction");
        assert.ok(atFirstTick < n, "a timer ran only once all had started");
        await until(() => adapter.spawns === n, 20, "all workers started");
        assert.deepEqual(
          adapter.workers.map((w) => w.name),
          Array.from({ length: n }, (_, i) => `PoolWorker-${i + 1}`),
        );
      } finally {
        await deadline(e.terminate(), 20, "terminate");
      }
    },
  );

  test(
    "terminate() while workers are starting starts no more",
    T,
    async () => {
      const adapter = new SlowStartAdapter(3);
      const e = engine(adapter, 40);
      await deadline(e.terminate(), 20, "terminate");
      const started = adapter.spawns;
      assert.ok(started < 40, `${started} started`);
      await sleep(100);
      assert.equal(adapter.spawns, started, "started after terminate()");
      assert.ok(adapter.workers.every((w) => !w.alive), "all stopped");
    },
  );

  test(
    "close() while workers are starting starts no more, and join() resolves",
    T,
    async () => {
      const adapter = new SlowStartAdapter(3);
      const e = engine(adapter, 40);
      e.close();
      await deadline(e.join(), 20, "join");
      const started = adapter.spawns;
      await sleep(100);
      assert.equal(adapter.spawns, started, "started after close()");
      await deadline(e.terminate(), 20, "terminate");
    },
  );

  test(
    "new Pool(16) runs 16 tasks at once, one in each worker",
    T,
    async () => {
      const n = 16;
      await withPool({ processes: n }, async (pool) => {
        const counter = latch();
        // Each task waits until all n have started: only n live workers pass.
        const names = await deadline(
          pool.map(
            ([sab, total]: [SharedArrayBuffer, number]) => {
              const cells = new Int32Array(sab);
              Atomics.add(cells, 0, 1);
              Atomics.notify(cells, 0);
              const end = Date.now() + 20_000;
              for (let seen; (seen = Atomics.load(cells, 0)) < total;) {
                if (Date.now() > end) throw new Error(`only ${seen} started`);
                Atomics.wait(cells, 0, seen, 100);
              }
              return currentProcess().name;
            },
            Array.from(
              { length: n },
              () => [counter, n] as [SharedArrayBuffer, number],
            ),
            1,
          ),
          45,
          "map",
        );
        assert.deepEqual(
          [...names].sort((a, b) =>
            a.localeCompare(b, "en", { numeric: true })
          ),
          Array.from({ length: n }, (_, i) => `PoolWorker-${i + 1}`),
        );
      });
    },
  );
});
