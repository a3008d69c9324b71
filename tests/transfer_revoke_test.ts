/**
 * A task sent with a `transfer` list moves its buffers to the worker it is
 * sent to: it can run only there. So the pool sends it only to a worker
 * with nothing in flight, as the first task of a message: it never waits in
 * a worker behind another task. Whatever happens to other calls' tasks
 * (their abort or timeout stops the worker running them, a task kills its
 * worker), it runs and returns its value: never a `WorkerLostError`, never
 * the `TypeError` "... already detached" of sending it again, never a hang.
 *
 * Most tests use one worker (`processes: 1`) warmed up with tiny tasks, so
 * that the tasks it submits together go out together where they may.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Pool, TimeoutError, WorkerLostError } from "../mod.ts";
import {
  deadline,
  isDenoWeb,
  latch,
  observe,
  poolOptions,
  readLatch,
  rejection,
  sleep,
  T,
  until,
  withPool,
} from "./_util.ts";

const nap = async (ms: number, value?: unknown) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
};
const first = (b: ArrayBuffer) => new Uint8Array(b)[0];
const identity = (x: unknown) => x;
/** Marks cell `i` of `s` (it ran), returns the first byte of `b`. */
const mark = (b: ArrayBuffer, s: SharedArrayBuffer, i: number) => {
  Atomics.store(new Int32Array(s), i, 1);
  return new Uint8Array(b)[0];
};
/** The sum of the bytes of `b`. */
const sum = (b: ArrayBuffer) => {
  let total = 0;
  for (const v of new Uint8Array(b)) total += v;
  return total;
};
/** Marks cell 0 of `s` (it started), then waits two minutes. */
const markThenNap = async (s: SharedArrayBuffer) => {
  Atomics.store(new Int32Array(s), 0, 1);
  await new Promise((resolve) => setTimeout(resolve, 120_000));
};
/** Marks cell 0 of `s` (it started), then loops for ever. */
const markThenSpin = (s: SharedArrayBuffer) => {
  Atomics.store(new Int32Array(s), 0, 1);
  for (;;) { /* busy */ }
};
/** Loops for ever. */
const spin = () => {
  for (;;) { /* busy */ }
};

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
      // Each waited in the pool's queue for the worker to be idle, never
      // in the worker behind the aborted tasks.
      assert.equal(await deadline(t2.get(30), 30, "t2"), 12);
      assert.equal(await deadline(t3.get(30), 30, "t3"), 13);
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
      // It waits in the pool's queue, never behind the map's tasks.
      assert.equal(await deadline(after.get(30), 30, "after"), 22);
      assert.equal(await long.get(30), "long");
    });
  },
);

test(
  "another call's timeout stops the worker running it: a transfer task submitted after it waits in the pool's queue and runs on the replacement",
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
      assert.equal(await deadline(moved.get(30), 30, "the transfer task"), 31);
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
  "a worker killed by its task: a transfer task submitted after it waits in the pool's queue, not in that worker, and runs on the replacement",
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
      assert.equal(await deadline(moved.get(30), 30, "moved"), 41);
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

test(
  "two transfer tasks behind a running one, the second's call aborted: the first runs and returns its value, the second rejects with the reason (5 rounds)",
  T,
  async () => {
    for (let round = 0; round < 5; round++) {
      await withPool({ processes: 1 }, async (pool) => {
        assert.equal(await pool.apply(identity, [1]), 1);
        const ran = latch(2);
        const blocker = pool.apply_async(nap, [300, "blocker"]);
        const controller = new AbortController();
        const [t0, t1] = [0, 1].map((i) => {
          const buffer = bytes(10 + i);
          return pool.apply_async(mark, [buffer, ran, i], {
            transfer: [buffer],
            signal: i === 1 ? controller.signal : undefined,
          });
        });
        await sleep(80);
        const reason = new Error("stop t1");
        controller.abort(reason);
        assert.equal(
          await deadline(rejection(t1.get(30)), 5, "t1"),
          reason,
          "t1 rejects with the signal's reason",
        );
        assert.equal(await deadline(blocker.get(30), 30, "blocker"), "blocker");
        assert.equal(await deadline(t0.get(30), 30, "t0"), 10, "t0's value");
        assert.equal(readLatch(ran, 0), 1, "t0 ran");
        assert.equal(readLatch(ran, 1), 0, "t1 never ran");
        assert.equal(await pool.apply(identity, [7]), 7, "the pool goes on");
      });
    }
  },
);

for (const how of ["abort", "timeout", "busy-loop abort"] as const) {
  test(
    `another call's ${how} stops the workers running its tasks: every unrelated transfer task queued meanwhile returns its own value`,
    T,
    async () => {
      await withPool({ processes: 2 }, async (pool) => {
        assert.deepEqual(await pool.map(identity, [1, 2, 3, 4], 1), [
          1,
          2,
          3,
          4,
        ]);
        const controller = new AbortController();
        const options = how === "timeout"
          ? { timeout: 0.08 }
          : { signal: controller.signal };
        // Call A's tasks, on both workers.
        const a = Array.from(
          { length: 4 },
          () =>
            observe(
              how === "busy-loop abort"
                ? pool.apply_async(spin, [], options).get(30)
                : pool.apply_async(nap, [150, "a"], options).get(30),
            ),
        );
        const sums = Array.from({ length: 12 }, (_, i) => {
          const buffer = new Uint8Array(1000).fill(i + 1).buffer;
          return pool.apply_async(sum, [buffer], { transfer: [buffer] });
        });
        const reason = new Error("stop call A");
        if (how !== "timeout") {
          await sleep(40);
          controller.abort(reason);
        }
        for (const p of a) {
          const error = await deadline(rejection(p), 10, "call A");
          if (how === "timeout") assert.ok(error instanceof TimeoutError);
          else assert.equal(error, reason);
        }
        assert.deepEqual(
          await deadline(
            Promise.all(sums.map((t) => t.get(30))),
            30,
            "the transfer tasks",
          ),
          sums.map((_, i) => (i + 1) * 1000),
        );
        assert.equal(await pool.apply(identity, [7]), 7, "the pool goes on");
      });
    },
  );
}

for (const kind of ["waits", "loops"] as const) {
  test(
    `a task of an aborted call that ${kind}, started right after a transfer task whose result is not read yet: the transfer task returns its value, then the worker is stopped`,
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        await warm(pool);
        const started = latch(1);
        const controller = new AbortController();
        const buffer = bytes(71);
        // One message: the transfer task first (the worker is idle), the
        // aborted call's task behind it.
        const moved = pool.apply_async(first, [buffer], { transfer: [buffer] });
        const aborted = pool.apply_async(
          kind === "loops" ? markThenSpin : markThenNap,
          [started],
          { signal: controller.signal },
        );
        await Promise.resolve(); // the dispatch runs on a microtask
        await Promise.resolve();
        // Hold this thread until the worker started the second task: the
        // first one's result is posted but waits, unread, in the channel.
        const end = performance.now() + 10_000;
        while (readLatch(started) === 0 && performance.now() < end) {
          // wait
        }
        const reason = new Error("stop it");
        controller.abort(reason);
        assert.equal(
          await deadline(rejection(aborted.get(30)), 5, "aborted"),
          reason,
        );
        assert.equal(await deadline(moved.get(30), 30, "moved"), 71);
        assert.equal(
          await deadline(pool.apply(identity, [7]), 30, "next"),
          7,
          "the pool goes on: the worker was stopped",
        );
      });
    },
  );
}

for (const transfer of [false, true]) {
  test(
    `a busy loop of an aborted call${
      transfer ? " (with a transfer list)" : ""
    }, the oldest task of its worker, is stopped at once`,
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        assert.equal(await pool.apply(identity, [1]), 1);
        const started = latch(1);
        const controller = new AbortController();
        const buffer = bytes(81);
        const busy = pool.apply_async(markThenSpin, [started], {
          signal: controller.signal,
          transfer: transfer ? [buffer] : undefined,
        });
        await until(() => readLatch(started) === 1, 30, "the loop started");
        const reason = new Error("stop the loop");
        controller.abort(reason);
        assert.equal(
          await deadline(rejection(busy.get(30)), 5, "busy"),
          reason,
        );
        assert.equal(
          await deadline(pool.apply(identity, [7]), 10, "next"),
          7,
          "the worker was stopped and replaced",
        );
      });
    },
  );
}
