/**
 * `Engine.withdraw(pick)` (what a cluster host uses to give back tasks it
 * holds): it takes back the tasks no worker has started, queued or sent to
 * a worker that has not claimed them (through the gate), and never the one
 * a worker runs; the tasks taken are settled nowhere, and the others run
 * on. On the REAL worker loop through the in-thread adapter; the running
 * task waits for a promise the test resolves (no fixed times).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { AsyncResult } from "../src/async_result.ts";
import { APPLY_SINK } from "../src/_result_sinks.ts";
import { sourceSpec } from "../src/core/_function_source.ts";
import { MODE_CALL } from "../src/core/_wire.ts";
import { Engine } from "../src/core/_engine.ts";
import { ThreadAdapter } from "./_thread_adapter.ts";
import { deadline } from "./_util.ts";

const T = { timeout: 30_000 };
/** In-thread workers share this realm: the slow task reads these. */
const HOOKS = Symbol.for("xpool.test.withdraw");
const g = globalThis as Record<symbol, unknown>;

interface Hooks {
  started(): void;
  go: Promise<void>;
}

/** Tells the test it started, then runs until the test lets it go. */
async function slowTask(): Promise<number> {
  const hooks = (globalThis as Record<symbol, unknown>)[
    Symbol.for("xpool.test.withdraw")
  ] as Hooks;
  hooks.started();
  await hooks.go;
  return -1;
}

function tinyTask(x: number): number {
  return x;
}

for (const sharedMemory of [true, false]) {
  test(
    `withdraw: tasks not started are taken back, the running one never (sharedMemory: ${sharedMemory})`,
    T,
    async () => {
      const engine = new Engine({
        processes: 1,
        adapter: new ThreadAdapter({ sharedMemory }),
        initargs: [],
        maxTasks: Infinity,
      });
      const apply = (f: (x: number) => unknown, x: number) => {
        const result = new AsyncResult<number>();
        engine.submit(
          engine.fid(sourceSpec(f, "task")),
          MODE_CALL,
          [x],
          APPLY_SINK,
          result,
        );
        return result;
      };
      const started = Promise.withResolvers<void>();
      const go = Promise.withResolvers<void>();
      g[HOOKS] = { started: () => started.resolve(), go: go.promise };
      try {
        // Tiny tasks first: the engine then sends many at once to a worker
        // (its window grows), so some wait in the worker, behind the slow one.
        const warm = Array.from({ length: 64 }, (_, i) => apply(tinyTask, i));
        await deadline(Promise.all(warm.map((r) => r.get())), 10, "warm-up");
        const slow = apply(slowTask, 0);
        await deadline(started.promise, 10, "the slow task's start");
        const tiny = Array.from({ length: 6 }, (_, i) => apply(tinyTask, i));
        // The engine sends what its window allows to the busy worker.
        await new Promise((r) => setTimeout(r, 20));
        const taken = new Set(engine.withdraw(() => true).map((t) => t.ctx));
        assert.equal(taken.has(slow), false, "the running task stays");
        if (sharedMemory) {
          // Queued, or sent and unclaimed behind the running one: all.
          assert.equal(taken.size, tiny.length);
        } else {
          // Without a gate only queued ones (a task sent stays).
          assert.ok(taken.size <= tiny.length);
        }
        go.resolve();
        assert.equal(await deadline(slow.get(), 10, "the slow task"), -1);
        const left = tiny.filter((r) => !taken.has(r));
        assert.deepEqual(
          await deadline(Promise.all(left.map((r) => r.get())), 10, "left"),
          left.map((r) => tiny.indexOf(r)),
        );
        // Those taken back are settled nowhere: their owner has them.
        for (const r of tiny) {
          if (taken.has(r)) assert.equal(r.ready(), false);
        }
        const stats = engine.stats();
        assert.equal(stats.completed, 64 + 1 + left.length);
        assert.equal(stats.failed, 0);
        assert.equal(stats.queued, 0);
      } finally {
        go.resolve();
        await deadline(engine.terminate(), 10, "terminate()");
        delete g[HOOKS];
      }
    },
  );
}

function firstByte(b: ArrayBuffer): number {
  return new Uint8Array(b)[0];
}

test(
  "withdraw: a transfer task waits in the queue while the worker is busy (taken back from there, its buffers here); one sent to an idle worker is never taken back: it runs there",
  T,
  async () => {
    const engine = new Engine({
      processes: 1,
      adapter: new ThreadAdapter({ sharedMemory: true }),
      initargs: [],
      maxTasks: Infinity,
    });
    const apply = (f: (x: never) => unknown, x: unknown, moved?: boolean) => {
      const result = new AsyncResult<number>();
      engine.submit(
        engine.fid(sourceSpec(f, "task")),
        MODE_CALL,
        [x],
        APPLY_SINK,
        result,
        moved ? [x as ArrayBuffer] : undefined,
      );
      return result;
    };
    const bytes = (value: number) => {
      const buffer = new ArrayBuffer(8);
      new Uint8Array(buffer)[0] = value;
      return buffer;
    };
    const started = Promise.withResolvers<void>();
    const go = Promise.withResolvers<void>();
    g[HOOKS] = { started: () => started.resolve(), go: go.promise };
    try {
      const warm = Array.from({ length: 64 }, (_, i) => apply(tinyTask, i));
      await deadline(Promise.all(warm.map((r) => r.get())), 10, "warm-up");
      const slow = apply(slowTask, 0);
      await deadline(started.promise, 10, "the slow task's start");
      const tasks = [1, 2, 3, 4].map((i) =>
        i % 2 === 0 ? apply(firstByte, bytes(i), true) : apply(tinyTask, i)
      );
      await new Promise((r) => setTimeout(r, 20)); // 1 sent to the busy worker
      // A transfer task is sent only to a worker with nothing in flight:
      // 2 waits in the queue (and 3 and 4 behind it), its buffers still here.
      const busy = engine.withdraw(() => true);
      assert.deepEqual(busy.map((t) => t.ctx), tasks, "all four, in order");
      const [, moved2, , moved4] = busy;
      for (const t of [moved2, moved4]) {
        assert.equal((t.transfer![0] as ArrayBuffer).byteLength, 8);
      }
      go.resolve();
      assert.equal(await deadline(slow.get(), 10, "the slow task"), -1);
      // Idle now: the transfer task goes first in a message, a plain one
      // behind it; both sent and not started yet (the loop reads its port on
      // a later turn): only the plain one is taken back.
      const idle = [apply(firstByte, bytes(5), true), apply(tinyTask, 6)];
      await Promise.resolve(); // the dispatch runs on a microtask
      await Promise.resolve();
      const taken = engine.withdraw(() => true).map((t) => t.ctx);
      assert.deepEqual(taken, [idle[1]], "the plain task only");
      assert.equal(
        await deadline(idle[0].get(), 10, "the transfer task"),
        5,
        "it runs where its buffers went",
      );
      assert.equal(engine.stats().queued, 0);
    } finally {
      go.resolve();
      await deadline(engine.terminate(), 10, "terminate()");
      delete g[HOOKS];
    }
  },
);
