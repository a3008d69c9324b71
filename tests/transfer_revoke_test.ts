/**
 * A task sent with a `transfer` list moves its buffers to the worker it is
 * sent to: it can run only there. Whatever else happens to that worker's
 * other tasks (another call's abort or timeout takes them back, a task
 * kills the worker), it runs there and returns its value, or, when its
 * worker is gone before it ran, it rejects with a `WorkerLostError` saying
 * its buffers were lost with it: never the `TypeError` "... already
 * detached" of sending it again, and never a hang.
 *
 * Every test uses one worker (`processes: 1`) warmed up with tiny tasks, so
 * that the tasks it submits together are all sent to that worker at once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Pool, TimeoutError, WorkerLostError } from "../mod.ts";
import {
  deadline,
  isCustom,
  isDenoWeb,
  observe,
  poolOptions,
  rejection,
  sleep,
  T,
  withPool,
} from "./_util.ts";

const nap = async (ms: number, value?: unknown) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
};
const first = (b: ArrayBuffer) => new Uint8Array(b)[0];
const identity = (x: unknown) => x;

/** An 8-byte buffer whose first byte is `value`. */
function bytes(value: number): ArrayBuffer {
  const buffer = new ArrayBuffer(8);
  new Uint8Array(buffer)[0] = value;
  return buffer;
}

/** `pool.apply_async(first, ...)` with its buffer transferred. */
function sendBytes(pool: Pool, value: number) {
  const buffer = bytes(value);
  return pool.apply_async(first, [buffer], { transfer: [buffer] });
}

/** Tiny tasks first: the window grows, so later tasks go out together. */
async function warm(pool: Pool): Promise<void> {
  const xs = Array.from({ length: 2000 }, (_, i) => i);
  const results = await Promise.all(
    xs.map((x) => pool.apply_async(identity, [x]).get(30)),
  );
  assert.deepEqual(results, xs);
}

/** Without shared memory the pool replaces a worker to drop a task in it. */
const noGate = isCustom;

/** The error of a task whose buffers went with its worker. */
function assertStranded(error: Error, how: RegExp): void {
  assert.ok(error instanceof WorkerLostError, String(error));
  assert.equal(error.name, "WorkerLostError");
  assert.match(error.message, how);
  assert.match(error.message, /transferred .*lost with it/);
  assert.match(error.workerName, /^PoolWorker-\d+$/);
}

test(
  "another call's abort: a task with a transfer list waiting behind a running one runs where its buffers went",
  T,
  async () => {
    await withPool({ processes: 1 }, async (pool) => {
      await warm(pool);
      const long = pool.apply_async(nap, [1500, "long"]);
      const moved = sendBytes(pool, 5);
      const controller = new AbortController();
      const aborted = pool.apply_async(identity, [1], {
        signal: controller.signal,
      });
      await sleep(50);
      const reason = new Error("stop this call");
      controller.abort(reason);
      const error = await deadline(
        rejection(aborted.get(30)),
        5,
        "the aborted call",
      );
      assert.equal(error, reason, "rejects with the signal's reason");
      assert.equal(long.ready(), false, "at once, not after the long task");
      assert.equal(await deadline(moved.get(30), 30, "the transfer task"), 5);
      assert.equal(await long.get(30), "long");
      assert.equal(await pool.apply(identity, [7]), 7, "the pool goes on");
    });
  },
);

test(
  "another call's abort: several transfer tasks behind a running one, the aborted call's tasks among them",
  T,
  async () => {
    await withPool({ processes: 1 }, async (pool) => {
      await warm(pool);
      const long = pool.apply_async(nap, [1500, "long"]);
      const controller = new AbortController();
      const signal = controller.signal;
      const t1 = sendBytes(pool, 11);
      const x1 = pool.apply_async(identity, [1], { signal });
      const t2 = sendBytes(pool, 12);
      const plain = pool.apply_async(identity, ["plain"]);
      const x2 = pool.apply_async(nap, [120_000], { signal });
      const t3 = sendBytes(pool, 13);
      await sleep(50);
      const reason = new Error("stop both");
      controller.abort(reason);
      for (const x of [x1, x2]) {
        assert.equal(
          await deadline(rejection(x.get(30)), 5, "aborted"),
          reason,
        );
      }
      assert.equal(long.ready(), false);
      assert.equal(await deadline(t1.get(30), 30, "t1"), 11);
      assert.equal(await deadline(plain.get(30), 30, "plain"), "plain");
      if (noGate) {
        // No gate: the aborted task x1 waits in the worker, and when its
        // turn comes the worker is replaced; t2 and t3 behind it were lost
        // with it.
        for (const t of [t2, t3]) {
          assertStranded(
            await deadline(rejection(t.get(30)), 30, "t2/t3"),
            /was stopped .* before this task started/,
          );
        }
      } else {
        // The gate took back x1, x2 and the plain task, never t2 and t3.
        assert.equal(await deadline(t2.get(30), 30, "t2"), 12);
        assert.equal(await deadline(t3.get(30), 30, "t3"), 13);
      }
      assert.equal(await long.get(30), "long");
      const stats = pool.stats();
      assert.equal(stats.queued, 0);
      assert.equal(await pool.apply(identity, [7]), 7, "the pool goes on");
    });
  },
);

test(
  "its own call aborted while it waits behind a running task: a transfer task is dropped when its turn comes (its worker replaced), not run",
  T,
  async () => {
    await withPool({ processes: 1 }, async (pool) => {
      await warm(pool);
      const long = pool.apply_async(nap, [1000, "long"]);
      const controller = new AbortController();
      const buffer = bytes(61);
      // Were it run, it would hold the only worker for two minutes.
      const moved = pool.apply_async(nap, [120_000, buffer], {
        transfer: [buffer],
        signal: controller.signal,
      });
      const plain = pool.apply_async(identity, ["plain"]);
      await sleep(50);
      controller.abort();
      const error = await deadline(rejection(moved.get(30)), 5, "aborted");
      assert.equal(error.name, "AbortError");
      assert.equal(long.ready(), false, "at once");
      assert.equal(await deadline(long.get(30), 30, "long"), "long");
      assert.equal(await deadline(plain.get(30), 30, "plain"), "plain");
      assert.equal(
        await deadline(pool.apply(identity, [7]), 30, "next"),
        7,
        "the pool goes on",
      );
      assert.equal(pool.stats().failed, 1);
    });
  },
);

test(
  "another call's timeout (a map's, from the call): a transfer task waiting in the same worker runs there",
  T,
  async () => {
    await withPool({ processes: 1 }, async (pool) => {
      await warm(pool);
      const long = pool.apply_async(nap, [1500, "long"]);
      // Sent before the map's tasks: it runs before any of them, with or
      // without a gate.
      const before = sendBytes(pool, 21);
      const timed = observe(
        pool.map_async(identity, [1, 2, 3], { chunksize: 1, timeout: 0.2 })
          .get(30),
      );
      const after = sendBytes(pool, 22);
      await assert.rejects(deadline(timed, 5, "the map"), TimeoutError);
      assert.equal(long.ready(), false);
      assert.equal(await deadline(before.get(30), 30, "before"), 21);
      if (noGate) {
        // Behind the map's first task, which replaces the worker.
        assertStranded(
          await deadline(rejection(after.get(30)), 30, "after"),
          /was stopped .* before this task started/,
        );
      } else {
        assert.equal(await deadline(after.get(30), 30, "after"), 22);
      }
      assert.equal(await long.get(30), "long");
    });
  },
);

test(
  "another call's timeout stops the worker running it: a transfer task waiting there rejects with WorkerLostError, the others run elsewhere",
  T,
  async () => {
    await withPool({ processes: 1 }, async (pool) => {
      await warm(pool);
      const timed = observe(
        pool.apply_async(nap, [120_000], { timeout: 0.3 }).get(30),
      );
      const moved = sendBytes(pool, 31);
      const plain = pool.apply_async(identity, ["plain"]);
      await assert.rejects(deadline(timed, 10, "the timed task"), TimeoutError);
      assertStranded(
        await deadline(rejection(moved.get(30)), 30, "the transfer task"),
        /was stopped \(it ran a task of an aborted or timed-out call\) before this task started/,
      );
      assert.equal(await deadline(plain.get(30), 30, "plain"), "plain");
      assert.equal(await pool.apply(identity, [7]), 7, "the pool goes on");
    });
  },
);

// A task that ends its worker: process.exit where that ends a worker,
// self.close() in a Deno web worker (as in worker_death_test.ts), after a
// pause so that the tasks behind it are in the worker.
const dieSoon = isDenoWeb
  ? async (ms: number) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    // deno-lint-ignore no-explicit-any
    (globalThis as any).close();
    return new Promise(() => {});
  }
  : async (ms: number) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    // deno-lint-ignore no-explicit-any
    (globalThis as any).process.exit(3);
    return new Promise(() => {});
  };

// Deno web workers never report that they closed: the pool finds out by its
// own liveness check, which may take a while.
const DEATH_SECONDS = 40;

test(
  "a worker killed by its task: a transfer task waiting there rejects with WorkerLostError saying so, the others run again",
  T,
  async () => {
    await withPool({ processes: 1 }, async (pool) => {
      await warm(pool);
      const killer = pool.apply_async(dieSoon, [100]);
      const moved = sendBytes(pool, 41);
      const plain = pool.apply_async(identity, ["plain"]);
      const died = await deadline(
        rejection(killer.get(DEATH_SECONDS)),
        DEATH_SECONDS,
        "the task that kills its worker",
      );
      assert.ok(died instanceof WorkerLostError, String(died));
      assert.match(died.message, /died while running this task/);
      const lost = await deadline(rejection(moved.get(30)), 30, "moved");
      assertStranded(lost, /died before this task started/);
      if (!isDenoWeb) assert.equal((lost as WorkerLostError).exitCode, 3);
      assert.equal(await deadline(plain.get(30), 30, "plain"), "plain");
      assert.equal(await pool.apply(identity, [7]), 7, "the pool goes on");
    });
  },
);

test(
  "maxtasksperchild: transfer tasks all run, across retired workers",
  T,
  async () => {
    await withPool({ processes: 1, maxtasksperchild: 2 }, async (pool) => {
      const results = await deadline(
        Promise.all(
          Array.from({ length: 6 }, (_, i) => sendBytes(pool, i).get(30)),
        ),
        30,
        "transfer tasks",
      );
      assert.deepEqual(results, [0, 1, 2, 3, 4, 5]);
    });
  },
);

test(
  "terminate while a transfer task waits behind a running one: it rejects with the pool's AbortError",
  T,
  async () => {
    const pool = new Pool(poolOptions({ processes: 1 }));
    try {
      await warm(pool);
      const long = observe(pool.apply_async(nap, [120_000]).get(30));
      const moved = observe(sendBytes(pool, 51).get(30));
      const controller = new AbortController();
      const aborted = observe(
        pool.apply_async(identity, [1], { signal: controller.signal }).get(30),
      );
      await sleep(50);
      controller.abort();
      await deadline(pool.terminate(), 20, "terminate");
      for (const p of [long, moved]) {
        const error = await deadline(rejection(p), 5, "after terminate");
        assert.equal(error.name, "AbortError");
        assert.match(error.message, /Pool terminated/);
      }
      assert.equal((await rejection(aborted)).name, "AbortError");
    } finally {
      await deadline(pool.terminate(), 20, "terminate in cleanup");
    }
  },
);
