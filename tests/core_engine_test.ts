/**
 * The engine on the REAL worker loop: ordering, chunking, pipelining,
 * stealing, retirement, worker death (loud and silent, with and without
 * shared memory), initializer and start-up failure, termination, protocol
 * slips and the bounded registry, through the in-thread adapter
 * (tests/_thread_adapter.ts: `serveWorker`'s loop over a MessageChannel, no
 * threads started).
 *
 * Written against the engine of issue 11: `new Engine({ processes, adapter,
 * initializer?, initargs, maxTasks })`, `engine.fid(spec)`,
 * `engine.submit(fid, mode, payload, sink, ctx)`, `engine.spawned`,
 * `engine.broken`, `engine.registry.fidFor(fn, describe)` and `.size`.
 *
 * Tasks are sent as source, so they reach the adapter's hooks through
 * globals: `sleep(ms)` (the adapter's timer, cleared when the worker goes)
 * and `die(code)` (the worker dies in the middle of the task).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AsyncResult } from "../src/async_result.ts";
import { APPLY_SINK, MapSink } from "../src/_result_sinks.ts";
import { chunkArray, defaultChunksize } from "../src/core/_chunking.ts";
import { sourceSpec } from "../src/core/_function_source.ts";
import {
  MODE_CALL,
  MODE_MAP,
  oneResult,
  putResult,
  resultCount,
  type ResultsMessage,
  WireError,
} from "../src/core/_wire.ts";
import type {
  SpawnOptions,
  WorkerAdapter,
  WorkerEvents,
  WorkerHandle,
} from "../src/core/adapter.ts";
import { Engine } from "../src/core/_engine.ts";
import { WorkerLostError } from "../mod.ts";
import { ThreadAdapter, type ThreadOptions } from "./_thread_adapter.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;

const T = { timeout: 30_000 };

function setup(
  behaviour: ThreadOptions = {},
  options: { processes?: number; maxTasks?: number; initializer?: Fn } = {},
) {
  const adapter = new ThreadAdapter(behaviour);
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

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The real loop behind a transport that garbles what it carries back: every
 * result's sequence number arrives off by 1000 (a result for the wrong task).
 */
class GarbledAdapter implements WorkerAdapter {
  readonly name = "garbled";
  readonly sharedMemory = false;
  readonly inner = new ThreadAdapter({ sharedMemory: false });

  spawn(options: SpawnOptions, events: WorkerEvents): WorkerHandle {
    return this.inner.spawn(options, {
      exit: (info) => events.exit(info),
      message: (data) => {
        const msg = data as ResultsMessage;
        if (msg?.type !== "results") return events.message(data);
        const results: unknown[] = [];
        for (let k = 0; k < resultCount(msg.results); k++) {
          const [seq, status, payload] = oneResult(msg.results, k);
          putResult(results, (seq as number) + 1000, status as number, payload);
        }
        events.message({ ...msg, results });
      },
    });
  }
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
});

describe("engine on the real worker loop", () => {
  test(
    "map results keep input order when later chunks finish first",
    T,
    async () => {
      const { engine, map } = setup();
      try {
        const items = Array.from({ length: 10 }, (_, i) => i);
        const result = map<number>(
          async (x: number) => {
            await (globalThis as any)[Symbol.for("xpool.sleep")](40 - x * 4);
            return x * 10;
          },
          items,
          1,
        );
        assert.deepEqual(await result.get(5), items.map((x) => x * 10));
      } finally {
        await engine.terminate();
      }
    },
  );

  test(
    "slow tasks spread evenly: one in flight per worker at first",
    T,
    async () => {
      const { adapter, engine, apply } = setup();
      try {
        const results = Array.from(
          { length: 6 },
          (_, i) =>
            apply(async (x: number) => {
              await (globalThis as any)[Symbol.for("xpool.sleep")](20);
              return x;
            }, [i]),
        );
        await Promise.all(results);
        assert.equal(adapter.workers.length, 2);
        assert.ok(
          adapter.workers.every((w) => w.tasks === 3),
          "3 tasks each",
        );
      } finally {
        await engine.terminate();
      }
    },
  );

  test("tiny tasks go in few messages once measured", T, async () => {
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
      assert.ok(batches < 200, `${batches} messages for 2001 tasks`);
    } finally {
      await engine.terminate();
    }
  });

  test(
    "a worker retires after maxTasks and a replacement starts",
    T,
    async () => {
      const { adapter, engine, apply } = setup({}, {
        processes: 1,
        maxTasks: 2,
      });
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
    },
  );

  test(
    "only the task a dying worker ran rejects; the rest run elsewhere",
    T,
    async () => {
      const { adapter, engine, apply } = setup({}, { processes: 1 });
      try {
        const results = Array.from(
          { length: 6 },
          (_, i) =>
            apply(async (x: number) => {
              await (globalThis as any)[Symbol.for("xpool.sleep")](2);
              if (x === 3) (globalThis as any)[Symbol.for("xpool.die")](1);
              return x;
            }, [i]),
        );
        const settled = await Promise.allSettled(results);
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
    },
  );

  test(
    "a silent death: the killer rejects, finished tasks whose results died run again",
    T,
    async () => {
      // Payloads 16..23 share one task shape (one size step): the loop batches
      // their results, so a silent death can take finished results with it.
      const { adapter, engine, apply } = setup({ dieSilently: true }, {
        processes: 1,
      });
      const task = (v: number) => {
        if (v === 19) (globalThis as any)[Symbol.for("xpool.die")](1);
        return v;
      };
      try {
        await Promise.all(
          Array.from({ length: 200 }, (_, i) => apply(task, [16 + (i % 3)])),
        );
        const results = [16, 17, 18, 19, 20].map((x) => apply(task, [x]));
        const settled = await Promise.allSettled(results);
        const reason = (settled[3] as PromiseRejectedResult).reason;
        assert.ok(reason instanceof WorkerLostError, String(reason));
        assert.match(reason.message, /died while running this task/);
        assert.deepEqual(
          settled.filter((_, i) => i !== 3).map((s) =>
            s.status === "fulfilled" ? s.value : String(s.reason)
          ),
          [16, 17, 18, 20],
        );
        // Some ran twice: their first results died with the worker.
        const ran = adapter.workers.reduce((n, w) => n + w.ran, 0);
        assert.ok(ran > 205, `${ran} tasks run for 205 submitted`);
        // A task whose result a worker lost twice rejects: no endless reruns.
        const twice = [21, 19, 19].map((x) => apply(task, [x]));
        const again = await Promise.allSettled(twice);
        assert.equal(again[1].status, "rejected");
        assert.equal(again[2].status, "rejected");
        if (again[0].status === "rejected") {
          assert.ok(again[0].reason instanceof WorkerLostError);
          assert.match(again[0].reason.message, /before sending/);
        } else assert.equal(again[0].value, 21);
        assert.ok(adapter.workers.length >= 3);
      } finally {
        await engine.terminate();
      }
    },
  );

  test(
    "an initializer failure: every task rejects, no restart loop",
    T,
    async () => {
      const { adapter, engine, apply } = setup({}, {
        initializer: () => {
          throw new Error("init boom");
        },
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
    },
  );

  test("workers that die during start-up stop the engine", T, async () => {
    const { adapter, engine, apply } = setup({ startFails: () => true });
    try {
      const [s] = await Promise.allSettled([apply(() => 1, [])]);
      assert.equal(s.status, "rejected");
      assert.ok((s as PromiseRejectedResult).reason instanceof WorkerLostError);
      assert.ok(adapter.workers.length <= 2);
    } finally {
      await engine.terminate();
    }
  });

  test(
    "terminate() rejects queued and running tasks with AbortError",
    T,
    async () => {
      const { adapter, engine, apply } = setup({}, { processes: 1 });
      const slow = async () => {
        await (globalThis as any)[Symbol.for("xpool.sleep")](10_000);
      };
      const results = [apply(slow, []), apply(slow, []), apply(slow, [])];
      await wait(20);
      await engine.terminate();
      const settled = await Promise.allSettled(results);
      for (const s of settled) {
        assert.equal(s.status, "rejected");
        assert.equal((s as PromiseRejectedResult).reason.name, "AbortError");
      }
      assert.ok(adapter.workers.every((w) => !w.alive));
    },
  );

  test(
    "close() lets queued work finish, then join() resolves and workers stop",
    T,
    async () => {
      const { adapter, engine, apply } = setup();
      const results = Array.from(
        { length: 5 },
        (_, i) =>
          apply(async (x: number) => {
            await (globalThis as any)[Symbol.for("xpool.sleep")](5);
            return x * 2;
          }, [i]),
      );
      engine.close();
      await engine.join();
      assert.deepEqual(await Promise.all(results), [0, 2, 4, 6, 8]);
      assert.ok(adapter.workers.every((w) => !w.alive));
    },
  );

  test(
    "a task whose arguments cannot be cloned rejects; the others run",
    T,
    async () => {
      const { engine, apply } = setup();
      try {
        const bad = apply((f: unknown) => typeof f, [() => 1]);
        const good = apply((x: number) => x, [7]);
        const error: Error = await bad.get(5).then(
          () => assert.fail("resolved"),
          (e: Error) => e,
        );
        assert.match(
          error.message,
          /structured clone|clone|could not be cloned/i,
        );
        // Bun's messages end in a period: not doubled before "; pass ..."
        assert.doesNotMatch(error.message, /\.;/);
        assert.equal(await good.get(5), 7);
      } finally {
        await engine.terminate();
      }
    },
  );

  test("busy workers are ref'd, idle ones unref'd", T, async () => {
    const { adapter, engine, apply } = setup();
    try {
      const pending = apply(async () => {
        await (globalThis as any)[Symbol.for("xpool.sleep")](20);
        return 1;
      }, []);
      await wait(5);
      assert.equal(adapter.workers.filter((w) => w.refd).length, 1);
      await pending;
      assert.ok(adapter.workers.every((w) => !w.refd), "idle: unref'd");
    } finally {
      await engine.terminate();
    }
  });

  test(
    "tasks queued behind a stuck worker are taken back and run elsewhere",
    T,
    async () => {
      const { adapter, engine, apply } = setup();
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const task = async (x: number) => {
          if (x === -1) {
            // Cleared by terminate(): long, so a loaded machine cannot
            // finish it before the quick tasks.
            await (globalThis as any)[Symbol.for("xpool.sleep")](60_000);
          }
          return x;
        };
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => apply(task, [i])),
        );
        const slow = apply(task, [-1]);
        const quick = Array.from(
          { length: 20 },
          (_, i) => apply((x: number) => x * 2, [i]),
        );
        const values = await Promise.race([
          Promise.all(quick),
          new Promise((r) => timer = setTimeout(() => r("stuck"), 20_000)),
        ]);
        assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => i * 2));
        assert.equal(slow.ready(), false, "the slow task is still running");
        const sent = adapter.workers.reduce((n, w) => n + w.tasks, 0);
        assert.ok(sent > 41, `taken back and sent again (${sent} sends)`);
      } finally {
        clearTimeout(timer);
        await engine.terminate();
      }
    },
  );

  test(
    "a slow-starting worker whose first tasks were taken back is used later",
    T,
    async () => {
      const { adapter, engine, apply } = setup({
        startDelay: (name) => (name === "PoolWorker-2" ? 100 : 0),
      });
      try {
        const task = async (x: number) => {
          if (x >= 100) {
            await (globalThis as any)[Symbol.for("xpool.sleep")](30);
          }
          return x;
        };
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => apply(task, [i])),
        );
        await wait(150); // worker 2 is up now
        const before = adapter.workers[1].ran;
        await Promise.all(
          Array.from({ length: 6 }, (_, i) => apply(task, [100 + i])),
        );
        assert.ok(adapter.workers[1].alive);
        const later = adapter.workers[1].ran - before;
        assert.ok(later >= 2, `worker 2 ran ${later} of the 6 later tasks`);
      } finally {
        await engine.terminate();
      }
    },
  );

  test(
    "a worker whose every task was taken back while starting is unref'd",
    T,
    async () => {
      const { adapter, engine, apply } = setup({
        startDelay: (name) => (name === "PoolWorker-2" ? 60_000 : 0), // cleared
      });
      try {
        await Promise.all(
          Array.from({ length: 40 }, (_, i) => apply((x: number) => x, [i])),
        );
        await wait(100);
        assert.equal(adapter.workers[1].ran, 0, "worker 2 is still starting");
        assert.deepEqual(adapter.workers.map((w) => w.refd), [false, false]);
      } finally {
        await engine.terminate();
      }
    },
  );

  test(
    "MapSink rejects with the first failure only after every chunk finished",
    T,
    async () => {
      const { engine, map } = setup();
      try {
        let settledEarly = false;
        const result = map<number>(
          async (x: number) => {
            await (globalThis as any)[Symbol.for("xpool.sleep")](
              x === 0 ? 50 : 1,
            );
            if (x === 3) throw new Error("three");
            return x;
          },
          [0, 1, 2, 3, 4, 5],
          1,
        );
        const timer = setTimeout(() => settledEarly = result.ready(), 25);
        await assert.rejects(result.get(5), /three/);
        clearTimeout(timer);
        assert.equal(settledEarly, false, "waited for the slow chunk");
      } finally {
        await engine.terminate();
      }
    },
  );

  test(
    "without shared memory: a task that kills its worker rejects alone, no restart loop",
    T,
    async () => {
      const { adapter, engine, apply } = setup({ sharedMemory: false });
      try {
        const results = Array.from(
          { length: 40 },
          (_, i) =>
            apply(async (x: number) => {
              if (x % 3 === 0) {
                await (globalThis as any)[Symbol.for("xpool.sleep")](1);
              }
              if (x === 7) {
                (globalThis as any)[Symbol.for("xpool.die")](1);
              }
              return x * 2;
            }, [i]),
        );
        const settled = await Promise.allSettled(results);
        const reason = (settled[7] as PromiseRejectedResult).reason;
        assert.ok(reason instanceof WorkerLostError, String(reason));
        assert.match(reason.message, /died while running this task/);
        for (let i = 0; i < 40; i++) {
          if (i === 7) continue;
          assert.deepEqual(settled[i], { status: "fulfilled", value: i * 2 });
        }
        await wait(50);
        assert.equal(adapter.workers.length, 3, "one replacement, no loop");
        assert.equal(engine.spawned, 3);
      } finally {
        await engine.terminate();
      }
    },
  );

  for (const silent of [false, true]) {
    test(
      `without shared memory, ${
        silent ? "silent" : "loud"
      } deaths: each killer rejects alone, spawns stay bounded`,
      T,
      async () => {
        const { adapter, engine, map } = setup({
          sharedMemory: false,
          dieSilently: silent,
        });
        try {
          const results = Array.from({ length: 50 }, (_, i) =>
            map<number>(
              (x: number) => {
                if (x % 10 === 5) {
                  (globalThis as any)[Symbol.for("xpool.die")](1);
                }
                return x;
              },
              [i],
              1,
            ));
          const settled = await Promise.allSettled(results);
          for (let i = 0; i < 50; i++) {
            if (i % 10 !== 5) {
              assert.deepEqual(settled[i], { status: "fulfilled", value: [i] });
              continue;
            }
            const s = settled[i];
            assert.equal(s.status, "rejected", `killer ${i}`);
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
      },
    );
  }

  test(
    "a result for the wrong task breaks the engine with a WireError, instead of hanging",
    T,
    async () => {
      const adapter = new GarbledAdapter();
      const engine = new Engine({
        processes: 1,
        adapter,
        initargs: [],
        maxTasks: Infinity,
      });
      try {
        const fid = engine.fid(sourceSpec(() => 1, "task"));
        const results = [1, 2, 3].map(() => {
          const result = new AsyncResult<unknown>();
          engine.submit(fid, MODE_CALL, [], APPLY_SINK, result);
          return result;
        });
        for (const result of results) {
          await assert.rejects(result.get(5), (e) => e instanceof WireError);
        }
        assert.ok(engine.broken instanceof WireError);
        assert.match(engine.broken.message, /protocol error/);
        assert.ok(adapter.inner.workers[0].ran >= 1, "the real loop ran it");
      } finally {
        await engine.terminate();
      }
    },
  );

  test(
    "the function registry stays bounded over 10,000 functions; workers forget",
    T,
    async () => {
      const { adapter, engine } = setup();
      try {
        // The spec without sourceSpec's checks (they compile each function).
        const describe = (fn: unknown) => ({
          kind: "source" as const,
          source: String(fn),
        });
        for (let wave = 0; wave < 10; wave++) {
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
          const values = await Promise.all(results.map((r) => r.get(50)));
          for (let j = 0; j < 1000; j++) {
            assert.equal(values[j], wave * 1000 + j + 1);
          }
          assert.ok(
            engine.registry.size <= 4096 + 1000,
            `${engine.registry.size}`,
          );
        }
        for (const worker of adapter.workers) {
          assert.ok(worker.functions <= 4096 + 1000, `${worker.functions}`);
        }
      } finally {
        await engine.terminate();
      }
    },
  );
});
