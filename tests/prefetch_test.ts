/**
 * `WorkerAdapter.prefetch`: the tasks the pool keeps handed to each worker
 * at the least (the cluster context sets 2, so that a slot's next task
 * waits in the shared stream). Slow tasks otherwise go one at a time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "../mod.ts";
import type {
  SpawnOptions,
  WorkerEvents,
  WorkerHandle,
} from "../src/core/adapter.ts";
import { RESULT_STRIDE, taskCount } from "../src/core/_wire.ts";
import { ThreadAdapter } from "./_thread_adapter.ts";
import { T } from "./_util.ts";

/** Records the most tasks a worker held at once (posted, not answered). */
class Counting extends ThreadAdapter {
  most = 0;
  readonly prefetch: number | undefined;

  constructor(prefetch: number | undefined) {
    super({ sharedMemory: false });
    this.prefetch = prefetch;
  }

  override spawn(options: SpawnOptions, events: WorkerEvents): WorkerHandle {
    let held = 0;
    const handle = super.spawn(options, {
      message: (data) => {
        const msg = data as { type: string; results?: unknown[] };
        if (msg.type === "results") held -= msg.results!.length / RESULT_STRIDE;
        events.message(data);
      },
      exit: (info) => events.exit(info),
    });
    return {
      post: (data, transfer) => {
        const msg = data as { type: string; tasks?: unknown[] };
        if (msg.type === "tasks") {
          held += taskCount(msg.tasks!);
          this.most = Math.max(this.most, held);
        }
        handle.post(data, transfer);
      },
      terminate: () => handle.terminate(),
    };
  }
}

const nap = async (ms: number) => {
  const sleep = (globalThis as Record<symbol, unknown>)[
    Symbol.for("xpool.sleep")
  ] as (ms: number) => Promise<void>;
  await sleep(ms);
  return ms;
};

for (const prefetch of [undefined, 2, 3]) {
  test(
    `prefetch ${prefetch}: slow tasks are handed ${
      prefetch ?? 1
    } at a time per worker`,
    T,
    async () => {
      const adapter = new Counting(prefetch);
      const pool = new Pool({ processes: 2, context: adapter });
      try {
        assert.deepEqual(
          await pool.map(nap, Array(12).fill(15), 1),
          Array(12).fill(15),
        );
        assert.equal(adapter.most, prefetch ?? 1);
      } finally {
        await pool.terminate();
      }
    },
  );
}

/**
 * Swaps each pair of `results` messages of a worker (the second one is
 * handed over first): its answers come out of send order.
 */
class Swapping extends ThreadAdapter {
  readonly unordered: boolean | undefined;
  readonly prefetch = 3;

  constructor(unordered: boolean | undefined) {
    super({ sharedMemory: false });
    this.unordered = unordered;
  }

  override spawn(options: SpawnOptions, events: WorkerEvents): WorkerHandle {
    let held: unknown;
    return super.spawn(options, {
      message: (data) => {
        if ((data as { type: string }).type !== "results") {
          return events.message(data);
        }
        if (held === undefined) {
          held = data;
          // A lone last answer is handed over shortly.
          setTimeout(() => {
            if (held === data) {
              held = undefined;
              events.message(data);
            }
          }, 30);
          return;
        }
        const first = held;
        held = undefined;
        events.message(data);
        events.message(first);
      },
      exit: (info) => events.exit(info),
    });
  }
}

test(
  "unordered: a worker's answers may come out of send order; each settles once and map keeps its order",
  T,
  async () => {
    const pool = new Pool({ processes: 2, context: new Swapping(true) });
    try {
      const xs = Array.from({ length: 40 }, (_, i) => i % 7);
      assert.deepEqual(await pool.map(nap, xs, 1), xs);
      const settled: number[] = [];
      await Promise.all(
        xs.map((x, i) =>
          pool.apply_async(nap, [x], { callback: () => settled.push(i) })
            .get()
        ),
      );
      assert.deepEqual([...settled].sort((a, b) => a - b), xs.map((_, i) => i));
      assert.equal(pool.stats().completed, 2 * xs.length);
    } finally {
      await pool.terminate();
    }
  },
);

test(
  "unordered absent: an answer out of send order is a protocol error",
  T,
  async () => {
    const pool = new Pool({ processes: 1, context: new Swapping(undefined) });
    try {
      await assert.rejects(
        pool.map(nap, [5, 5, 5, 5], 1),
        /sent a result for task \d+, expected \d+/,
      );
    } finally {
      await pool.terminate();
    }
  },
);
