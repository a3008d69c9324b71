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
