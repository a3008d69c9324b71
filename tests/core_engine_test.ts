/**
 * The engine without real workers: ordering, chunking, pipelining,
 * retirement, worker death, initializer failure and termination, through
 * the fake in-thread adapter. Fast and deterministic.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { APPLY_SINK, AsyncResult, MapSink } from "../src/async_result.ts";
import { chunkArray, defaultChunksize } from "../src/core/_chunking.ts";
import { sourceSpec } from "../src/core/_function_source.ts";
import { MODE_CALL, MODE_MAP, WireError } from "../src/core/_wire.ts";
import type { WorkerAdapter } from "../src/core/adapter.ts";
import { Engine } from "../src/core/_engine.ts";
import { Deque } from "../src/core/_deque.ts";
import { WorkerLostError } from "../mod.ts";
import { FakeAdapter, type FakeBehaviour, knownFids } from "./fake_adapter.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;

function setup(
  behaviour: FakeBehaviour = {},
  options: {
    processes?: number;
    maxTasks?: number;
    initializer?: Fn;
    sharedMemory?: boolean;
  } = {},
) {
  const adapter = new FakeAdapter(behaviour, options.sharedMemory ?? true);
  const engine = new Engine({
    processes: options.processes ?? 2,
    adapter,
    initializer: options.initializer
      ? sourceSpec(options.initializer, "initializer")
      : undefined,
    initargs: [],
    maxTasks: options.maxTasks ?? Infinity,
  });
  const apply = <R>(fn: Fn, args: unknown[]): AsyncResult<R> => {
    const result = new AsyncResult<R>();
    engine.submit(
      engine.fid(sourceSpec(fn, "task")),
      MODE_CALL,
      args,
      APPLY_SINK,
      result,
    );
    return result;
  };
  const map = <R>(fn: Fn, items: unknown[], chunksize: number) => {
    const result = new AsyncResult<R[]>();
    const sink = new MapSink(
      result as AsyncResult<unknown[]>,
      items.length,
      chunksize,
    );
    const fid = engine.fid(sourceSpec(fn, "task"));
    chunkArray(items, chunksize).forEach((chunk, i) =>
      engine.submit(fid, MODE_MAP, chunk, sink, i)
    );
    return result;
  };
  return { adapter, engine, apply, map };
}

describe("core", () => {
  test("defaultChunksize() follows Python: ceil(len / (4 * processes))", () => {
    assert.equal(defaultChunksize(0, 2), 0);
    assert.equal(defaultChunksize(1, 2), 1);
    assert.equal(defaultChunksize(8, 2), 1);
    assert.equal(defaultChunksize(9, 2), 2);
    assert.equal(defaultChunksize(100, 2), 13);
    assert.equal(defaultChunksize(1_000_000, 2), 125_000);
  });

  test("Deque keeps FIFO order across shift, unshift and growth", () => {
    const q = new Deque<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    for (let i = 0; i < 3000; i++) assert.equal(q.shift(), i);
    q.unshift(2999);
    assert.equal(q.size, 2001);
    assert.equal(q.shift(), 2999);
    assert.deepEqual(q.drain().slice(0, 2), [3000, 3001]);
    assert.equal(q.size, 0);
    assert.equal(q.shift(), undefined);
  });

  test("Engine map results keep input order when later chunks finish first", async () => {
    const { engine, map } = setup({
      delay: (p) => 40 - (p as number[])[0] * 4,
    });
    try {
      const items = Array.from({ length: 10 }, (_, i) => i);
      const result = map<number>((x: number) => x * 10, items, 1);
      assert.deepEqual(await result.get(5), items.map((x) => x * 10));
    } finally {
      await engine.terminate();
    }
  });

  test("Engine spreads slow tasks evenly: one in flight per worker at first", async () => {
    const { adapter, engine, apply } = setup({ delay: () => 20 });
    try {
      const results = Array.from(
        { length: 6 },
        (_, i) => apply((x: number) => x, [i]),
      );
      await Promise.all(results);
      assert.equal(adapter.workers.length, 2);
      assert.ok(adapter.workers.every((w) => w.tasks === 3), "3 tasks each");
    } finally {
      await engine.terminate();
    }
  });

  test("Engine batches tiny tasks into few messages once it has measured them", async () => {
    const { adapter, engine, apply } = setup();
    try {
      await apply((x: number) => x, [0]); // warm up: measures task time
      const results = Array.from(
        { length: 2000 },
        (_, i) => apply((x: number) => x + 1, [i]),
      );
      const values = await Promise.all(results);
      assert.equal(values[1999], 2000);
      const batches = adapter.workers.reduce((n, w) => n + w.batches, 0);
      assert.ok(
        batches < 200,
        `expected batching, got ${batches} messages for 2001 tasks`,
      );
    } finally {
      await engine.terminate();
    }
  });

  test("Engine retires a worker after maxTasks and starts a replacement", async () => {
    const { adapter, engine, apply } = setup({}, { processes: 1, maxTasks: 2 });
    try {
      for (let i = 0; i < 5; i++) {
        assert.equal(await apply((x: number) => x, [i]), i);
      }
      assert.equal(adapter.workers.length, 3);
      assert.ok(
        adapter.workers.slice(0, 2).every((w) => !w.alive && w.tasks === 2),
      );
    } finally {
      await engine.terminate();
    }
  });

  test("Engine rejects only the task a dying worker ran and reruns the rest elsewhere", async () => {
    const { adapter, engine, apply } = setup({
      dieOn: (p) => (p as number[])[0] === 3,
      delay: () => 2,
    }, { processes: 1 });
    try {
      const results = Array.from(
        { length: 6 },
        (_, i) => apply((x: number) => x, [i]),
      );
      const settled = await Promise.allSettled(results);
      assert.equal(settled[3].status, "rejected");
      const reason = (settled[3] as PromiseRejectedResult).reason;
      assert.ok(reason instanceof WorkerLostError, String(reason));
      assert.match(reason.message, /PoolWorker-1/);
      assert.deepEqual(
        settled.filter((_, i) => i !== 3).map((s) =>
          (s as PromiseFulfilledResult<number>).value
        ),
        [0, 1, 2, 4, 5],
      );
      assert.ok(adapter.workers.length >= 2, "a replacement worker started");
    } finally {
      await engine.terminate();
    }
  });

  test("Engine runs again, once, the finished tasks whose results a dying worker had not posted", async () => {
    const { adapter, engine, apply } = setup({
      dieOn: (p) => (p as unknown[])[0] === "kill",
      dieSilently: true,
    }, { processes: 1 });
    try {
      const results = [0, 1, 2, "kill", 4].map((x) =>
        apply((v: unknown) => v, [x])
      );
      const settled = await Promise.allSettled(results);
      const reason = (settled[3] as PromiseRejectedResult).reason;
      assert.ok(reason instanceof WorkerLostError, String(reason));
      assert.match(reason.message, /died while running this task/);
      assert.deepEqual(
        settled.filter((_, i) => i !== 3).map((s) =>
          s.status === "fulfilled" ? s.value : String(s.reason)
        ),
        [0, 1, 2, 4],
      );
      // Some ran twice: their first results died with the worker.
      assert.ok(adapter.workers.reduce((n, w) => n + w.ran, 0) > 5);

      // Lost a second time: then it rejects (no endless reruns).
      const twice = [5, "kill", "kill"].map((x) =>
        apply((v: unknown) => v, [x])
      );
      const again = await Promise.allSettled(twice);
      assert.equal(again[0].status, "rejected");
      const lost = (again[0] as PromiseRejectedResult).reason;
      assert.ok(lost instanceof WorkerLostError, String(lost));
      assert.match(lost.message, /before sending this task's result/);
      assert.equal(again[1].status, "rejected");
      assert.equal(again[2].status, "rejected");
    } finally {
      await engine.terminate();
    }
  });

  test("Engine stops after an initializer failure: every task rejects, no restart loop", async () => {
    const { adapter, engine, apply } = setup({ initFails: true }, {
      initializer: () => {},
    });
    try {
      const first = await Promise.allSettled([
        apply(() => 1, []),
        apply(() => 2, []),
      ]);
      for (const s of first) {
        assert.equal(s.status, "rejected");
        assert.match(
          String((s as PromiseRejectedResult).reason.message),
          /initializer/,
        );
      }
      const later = await Promise.allSettled([apply(() => 3, [])]);
      assert.match(
        String((later[0] as PromiseRejectedResult).reason.message),
        /initializer/,
      );
      assert.equal(adapter.workers.length, 2, "no replacement workers");
    } finally {
      await engine.terminate();
    }
  });

  test("Engine stops when workers die during start-up", async () => {
    const { adapter, engine, apply } = setup({ startFails: true });
    try {
      const [s] = await Promise.allSettled([apply(() => 1, [])]);
      assert.equal(s.status, "rejected");
      assert.ok((s as PromiseRejectedResult).reason instanceof WorkerLostError);
      assert.ok(adapter.workers.length <= 2);
    } finally {
      await engine.terminate();
    }
  });

  test("Engine terminate() rejects queued and running tasks with AbortError", async () => {
    const { engine, apply } = setup({ delay: () => 10_000 }, { processes: 1 });
    const results = [
      apply(() => 1, []),
      apply(() => 2, []),
      apply(() => 3, []),
    ];
    await new Promise((r) => setTimeout(r, 20));
    await engine.terminate();
    const settled = await Promise.allSettled(results);
    for (const s of settled) {
      assert.equal(s.status, "rejected");
      assert.equal((s as PromiseRejectedResult).reason.name, "AbortError");
    }
  });

  test("Engine close() lets queued work finish, then join() resolves and workers stop", async () => {
    const { adapter, engine, apply } = setup({ delay: () => 5 });
    const results = Array.from(
      { length: 5 },
      (_, i) => apply((x: number) => x * 2, [i]),
    );
    engine.close();
    await engine.join();
    assert.deepEqual(await Promise.all(results), [0, 2, 4, 6, 8]);
    assert.ok(adapter.workers.every((w) => !w.alive));
  });

  test("Engine rejects a task whose arguments cannot be cloned; the others run", async () => {
    const { engine, apply } = setup();
    try {
      const bad = apply((f: unknown) => typeof f, [() => 1]);
      const good = apply((x: number) => x, [7]);
      await assert.rejects(bad.get(5), /structured clone/);
      assert.equal(await good.get(5), 7);
    } finally {
      await engine.terminate();
    }
  });

  test("Engine refs busy workers and unrefs idle ones", async () => {
    const { adapter, engine, apply } = setup({ delay: () => 20 });
    try {
      const pending = apply(() => 1, []);
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(adapter.workers.filter((w) => w.refd).length, 1);
      await pending;
      assert.ok(
        adapter.workers.every((w) => !w.refd),
        "idle workers are unref'd",
      );
    } finally {
      await engine.terminate();
    }
  });

  test("Engine takes back tasks queued behind a stuck worker and runs them on an idle one", async () => {
    const { adapter, engine, apply } = setup({
      delay: (p) => ((p as number[])[0] === -1 ? 3000 : 0),
    });
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => apply((x: number) => x, [i])),
      );
      const slow = apply((x: number) => x, [-1]);
      const quick = Array.from(
        { length: 20 },
        (_, i) => apply((x: number) => x * 2, [i]),
      );
      const values = await Promise.race([
        Promise.all(quick),
        new Promise((r) => setTimeout(() => r("stuck"), 1500)),
      ]);
      assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => i * 2));
      assert.equal(slow.ready(), false, "the slow task is still running");
      const ran = adapter.workers.reduce((n, w) => n + w.tasks, 0);
      assert.ok(
        ran > 41,
        `tasks were sent again after being taken back (${ran} sends)`,
      );
    } finally {
      await engine.terminate();
    }
  });

  test("Engine still uses a slow-starting worker whose first tasks were taken back", async () => {
    const { adapter, engine, apply } = setup({
      startDelay: (name) => (name === "PoolWorker-2" ? 100 : 0),
      delay: (p) => ((p as number[])[0] >= 100 ? 30 : 0),
    });
    try {
      // Tiny tasks: worker 1 finishes its share and takes worker 2's.
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => apply((x: number) => x, [i])),
      );
      await new Promise((r) => setTimeout(r, 150)); // worker 2 is up now
      const before = adapter.workers[1].ran;
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => apply((x: number) => x, [100 + i])),
      );
      assert.ok(adapter.workers[1].alive);
      const later = adapter.workers[1].ran - before;
      assert.ok(later >= 2, `worker 2 ran ${later} of the 6 later tasks`);
    } finally {
      await engine.terminate();
    }
  });

  test("Engine unrefs a worker whose every task was taken back while it was starting", async () => {
    const { adapter, engine, apply } = setup({
      startDelay: (name) => (name === "PoolWorker-2" ? 3000 : 0),
    });
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => apply((x: number) => x, [i])),
      );
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(adapter.workers[1].ran, 0, "worker 2 is still starting");
      assert.deepEqual(
        adapter.workers.map((w) => w.refd),
        [false, false],
        "no idle worker may keep the process alive",
      );
    } finally {
      await engine.terminate();
    }
  });

  test("MapSink rejects with the first failure only after every chunk finished", async () => {
    const { engine, map } = setup({
      delay: (p) => ((p as number[])[0] === 0 ? 50 : 1),
    });
    try {
      let settledEarly = false;
      const result = map<number>(
        (x: number) => {
          if (x === 3) throw new Error("three");
          return x;
        },
        [0, 1, 2, 3, 4, 5],
        1,
      );
      setTimeout(() => {
        settledEarly = result.ready();
      }, 25);
      await assert.rejects(result.get(5), /three/);
      assert.equal(settledEarly, false, "waited for the slow chunk");
    } finally {
      await engine.terminate();
    }
  });

  test("Engine without shared memory: a task that kills its worker rejects alone, no restart loop", async () => {
    const { adapter, engine, apply } = setup({
      dieOn: (p) => (p as number[])[0] === 7,
      delay: (p) => ((p as number[])[0] % 3 === 0 ? 1 : 0),
    }, { processes: 2, sharedMemory: false });
    try {
      const results = Array.from(
        { length: 40 },
        (_, i) => apply((x: number) => x * 2, [i]),
      );
      const settled = await Promise.allSettled(results);
      const reason = (settled[7] as PromiseRejectedResult).reason;
      assert.ok(reason instanceof WorkerLostError, String(reason));
      assert.match(reason.message, /died while running this task/);
      for (let i = 0; i < 40; i++) {
        if (i === 7) continue;
        assert.deepEqual(settled[i], { status: "fulfilled", value: i * 2 });
      }
      await new Promise((r) => setTimeout(r, 50));
      // 2 workers and one replacement for the one that died; no loop.
      assert.equal(adapter.workers.length, 3);
      assert.equal(engine.spawned, 3);
    } finally {
      await engine.terminate();
    }
  });

  test("Engine without shared memory: several killers each reject, spawns stay bounded", async () => {
    const { adapter, engine, map } = setup({
      dieOn: (p) => (p as number[])[0] % 10 === 5,
    }, { processes: 2, sharedMemory: false });
    try {
      const results = Array.from(
        { length: 50 },
        (_, i) => map<number>((x: number) => x, [i], 1),
      );
      const settled = await Promise.allSettled(results);
      const lost = settled.filter((s) => s.status === "rejected");
      assert.equal(lost.length, 5);
      for (const s of lost) {
        assert.ok(
          (s as PromiseRejectedResult).reason instanceof WorkerLostError,
        );
      }
      assert.ok(
        adapter.workers.length <= 2 + 5,
        `${adapter.workers.length} spawned`,
      );
    } finally {
      await engine.terminate();
    }
  });

  test("Engine breaks with a WireError on a result for the wrong task, instead of hanging", async () => {
    // A transport that answers every task with a sequence number off by 1000.
    const adapter: WorkerAdapter = {
      name: "garbled",
      sharedMemory: false,
      spawn(_options, events) {
        return {
          post(data) {
            const msg = data as { type: string; tasks?: unknown[] };
            queueMicrotask(() => {
              if (msg.type === "init") events.message({ type: "ready" });
              if (msg.type === "tasks") {
                events.message({
                  type: "results",
                  results: [(msg.tasks![0] as number) + 1000, 0, "x"],
                });
              }
            });
          },
          terminate: () => Promise.resolve(),
        };
      },
    };
    const engine = new Engine({
      processes: 1,
      adapter,
      initargs: [],
      maxTasks: Infinity,
    });
    try {
      const results = [1, 2, 3].map(() => {
        const result = new AsyncResult<unknown>();
        engine.submit(
          engine.fid(sourceSpec(() => 1, "task")),
          MODE_CALL,
          [],
          APPLY_SINK,
          result,
        );
        return result;
      });
      for (const result of results) {
        await assert.rejects(result.get(5), (e) => e instanceof WireError);
      }
      assert.ok(engine.broken instanceof WireError);
      assert.match(engine.broken.message, /protocol error/);
    } finally {
      await engine.terminate();
    }
  });

  test("Engine keeps the function registry bounded over 20,000 distinct functions, workers told to forget", async () => {
    const { adapter, engine } = setup({}, { processes: 2 });
    try {
      // The spec without sourceSpec's checks (they compile each function).
      const describe = (fn: unknown) => ({
        kind: "source" as const,
        source: String(fn),
      });
      for (let wave = 0; wave < 20; wave++) {
        const results: AsyncResult<number>[] = [];
        for (let j = 0; j < 1000; j++) {
          const i = wave * 1000 + j;
          const fn = new Function("x", `return x + ${i};`);
          const result = new AsyncResult<number>();
          engine.submit(
            engine.registry.fidFor(fn, describe),
            MODE_CALL,
            [1],
            APPLY_SINK,
            result,
          );
          results.push(result);
        }
        const values = await Promise.all(results.map((r) => r.get(30)));
        for (let j = 0; j < 1000; j++) {
          assert.equal(values[j], wave * 1000 + j + 1);
        }
        assert.ok(
          engine.registry.size <= 4096 + 1000,
          `${engine.registry.size}`,
        );
      }
      for (const worker of adapter.workers) {
        assert.ok(knownFids(worker) <= 4096 + 1000, `${knownFids(worker)}`);
      }
    } finally {
      await engine.terminate();
    }
  });
});
