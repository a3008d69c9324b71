/**
 * A custom transport that misbehaves must not take the process down or
 * leave a task unsettled: a `post` that throws on a function definition, a
 * malformed message, a `terminate()` that throws, rejects or returns
 * nothing, a `spawn()` that returns something other than a handle. And
 * without shared memory, a worker that dies between tasks blames none of
 * the tasks it had not started (its `fatal` message says how many it had).
 * Every case found by a tester of issue 11; real workers underneath
 * (tests/_custom_adapter.ts, public API only).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Pool,
  type WorkerAdapter,
  type WorkerEvents,
  type WorkerHandle,
} from "../mod.ts";
import { customAdapter } from "./_custom_adapter.ts";
import { deadline, rejection, T } from "./_util.ts";

interface Faults {
  /** Called before each post; may throw (the n-th post of this worker). */
  post?(data: unknown, n: number): void;
  /** Rewrites a message to the worker on its way. */
  rewrite?(data: unknown): unknown;
  /** Rewrites a message from the worker before the pool sees it. */
  message?(data: unknown): unknown;
  /** Replaces the handle's terminate. */
  terminate?(real: () => Promise<void>): Promise<void>;
}

/** The custom adapter with faults injected at the seam. */
function faulty(name: string, faults: Faults): WorkerAdapter {
  const base = customAdapter();
  return {
    name,
    sharedMemory: false,
    spawn(options, events: WorkerEvents): WorkerHandle {
      const handle = base.spawn(options, {
        message: (data) =>
          events.message(faults.message ? faults.message(data) : data),
        exit: (info) => events.exit(info),
      });
      let n = 0;
      return {
        post(data, transfer) {
          faults.post?.(data, n++);
          handle.post(faults.rewrite ? faults.rewrite(data) : data, transfer);
        },
        terminate: () =>
          faults.terminate
            ? faults.terminate(() => handle.terminate())
            : handle.terminate(),
        ref: () => handle.ref?.(),
        unref: () => handle.unref?.(),
      };
    },
  };
}

const isResults = (data: unknown): data is { type: string; results: unknown } =>
  (data as { type?: unknown })?.type === "results";

describe("A misbehaving transport", () => {
  test(
    "a post that throws on a function definition rejects that batch with a clear error; the pool goes on",
    T,
    async () => {
      let thrown = false;
      const pool = new Pool({
        processes: 1,
        context: faulty("hiccup", {
          post(data) {
            if (!thrown && (data as { type?: string }).type === "define") {
              thrown = true;
              throw new Error("transport hiccup");
            }
          },
        }),
      });
      try {
        const error = await rejection(pool.apply((x: number) => x + 1, [1]));
        assert.match(
          String((error as Error).message),
          /Cannot send the task function to worker 'PoolWorker-1' as its transport refused the message: transport hiccup/,
        );
        // The same function is defined again next time, and runs.
        assert.equal(await pool.apply((x: number) => x + 1, [1]), 2);
        assert.deepEqual(await pool.map((x: number) => x * 3, [1, 2]), [3, 6]);
      } finally {
        await pool.terminate();
      }
    },
  );

  const MALFORMED: [string, (data: { results: unknown[] }) => unknown][] = [
    ["null instead of a message", () => null],
    ["a message without a type", () => ({})],
    ["results that are not a list", (d) => ({ ...d, results: null })],
    ["a list of the wrong length", (d) => ({ ...d, results: [d.results[0]] })],
    [
      "an error result without its record",
      (d) => ({ ...d, results: [d.results[0], 1, null] }),
    ],
    [
      "a chunk failure without its lists",
      (d) => ({ ...d, results: [d.results[0], 2, null] }),
    ],
    [
      "a lost task without its record",
      (d) => ({ ...d, results: [d.results[0], 3, null] }),
    ],
    [
      "an unknown status",
      (d) => ({ ...d, results: [d.results[0], 77, null] }),
    ],
  ];
  for (const [what, garble] of MALFORMED) {
    test(
      `${what}: every task rejects with a WireError (no crash, no hang)`,
      T,
      async () => {
        const pool = new Pool({
          processes: 1,
          context: faulty("garbled", {
            message: (data) =>
              isResults(data) ? garble(data as { results: unknown[] }) : data,
          }),
        });
        try {
          const results = [
            pool.apply_async((x: number) => x, [1]),
            pool.apply_async((x: number) => x, [2]),
          ];
          const outcomes = await deadline(Promise.allSettled(results), 20);
          for (const outcome of outcomes) {
            assert.equal(outcome.status, "rejected");
            const error = (outcome as PromiseRejectedResult).reason as Error;
            assert.equal(error.name, "WireError", String(error));
            assert.match(error.message, /@x\/pool protocol error/);
          }
          // The pool is broken: later work gets the same error at once.
          const later = await rejection(pool.apply((x: number) => x, [3]));
          assert.equal(later.name, "WireError");
        } finally {
          await deadline(pool.terminate(), 20);
        }
      },
    );
  }

  test(
    "a number instead of a message: the WireError says it is not an object",
    T,
    async () => {
      const pool = new Pool({
        processes: 1,
        context: faulty("number", {
          message: (data) => isResults(data) ? 42 : data,
        }),
      });
      try {
        const error = await deadline(
          rejection(pool.apply((x: number) => x, [1])),
          20,
        );
        assert.equal(error.name, "WireError");
        assert.match(error.message, /not an object: 42/);
      } finally {
        await deadline(pool.terminate(), 20);
      }
    },
  );

  const SLIPS: [string, (data: { tasks: unknown[] }) => unknown, RegExp][] = [
    ["a misspelt type", (d) => ({ ...d, type: "Tasks" }), /of type "Tasks"/],
    ["a number", () => 42, /not an object: number 42/],
    [
      "a task without payload",
      (d) => ({ ...d, tasks: d.tasks.slice(0, -1) }),
      /4 slots a task/,
    ],
    [
      "an unknown mode",
      (d) => ({ ...d, tasks: [d.tasks[0], d.tasks[1], 77, d.tasks[3]] }),
      /mode number 77/,
    ],
    ["tasks not a list", (d) => ({ ...d, tasks: "x" }), /tasks are not a flat/],
  ];
  for (const [what, slip, why] of SLIPS) {
    test(
      `${what} sent to the worker: the task rejects with a WireError (no hang, no wrong value)`,
      T,
      async () => {
        let batches = 0;
        const pool = new Pool({
          processes: 1,
          context: faulty("slip", {
            // The second batch slips on its way (the first one is good).
            rewrite: (data) =>
              (data as { type?: string }).type === "tasks" && ++batches === 2
                ? slip(data as { tasks: unknown[] })
                : data,
          }),
        });
        try {
          assert.equal(await pool.apply(() => 1), 1);
          const error = await deadline(
            rejection(pool.apply((x: number) => x + 1, [1])),
            20,
          );
          assert.equal(error.name, "WireError", String(error));
          assert.match(error.message, /worker 'PoolWorker-1' refused a/);
          assert.match(error.message, why);
          assert.equal(batches, 2);
        } finally {
          await deadline(pool.terminate(), 20);
        }
      },
    );
  }

  const TERMINATES: [string, (real: () => Promise<void>) => Promise<void>][] = [
    ["rejects", async (real) => {
      await real();
      throw new Error("connection already closed");
    }],
    ["throws at once", (real) => {
      void real();
      throw new Error("cannot terminate");
    }],
    ["returns nothing (as Worker.terminate() does)", (real) => {
      void real();
      return undefined as unknown as Promise<void>;
    }],
  ];
  for (const [what, terminate] of TERMINATES) {
    test(
      `a terminate() that ${what}: retirement, close() + join() and terminate() still end`,
      T,
      async () => {
        const pool = new Pool({
          processes: 1,
          maxtasksperchild: 1,
          context: faulty("stubborn", { terminate }),
        });
        assert.deepEqual(
          await pool.map((x: number) => x * 2, [1, 2, 3], 1),
          [2, 4, 6],
        );
        pool.close();
        await deadline(pool.join(), 20);
        const other = new Pool({
          processes: 1,
          context: faulty("stubborn", { terminate }),
        });
        assert.equal(await other.apply((x: number) => -x, [4]), -4);
        await deadline(other.terminate(), 20);
      },
    );
  }

  const HANDLES: [string, unknown, RegExp][] = [
    ["null", null, /received null/],
    ["an empty object", {}, /received object with keys \[\]/],
    ["a handle without terminate", { post() {} }, /keys \[post\]/],
    [
      "a promise",
      Promise.resolve(),
      /received object \(a Promise: return the handle synchronously\)/,
    ],
  ];
  for (const [what, handle, detail] of HANDLES) {
    test(
      `a spawn() that returns ${what}: the task rejects naming the fix, once`,
      T,
      async () => {
        let spawned = 0;
        const pool = new Pool({
          processes: 2,
          context: {
            name: "broken",
            sharedMemory: false,
            spawn() {
              spawned++;
              return handle as WorkerHandle;
            },
          },
        });
        try {
          const error = await rejection(pool.apply((x: number) => x, [1]));
          assert.match(
            (error as Error).message,
            /adapter 'broken' spawn\(\) must return a WorkerHandle \{ post\(data, transfer\), terminate\(\) \}/,
          );
          assert.match((error as Error).message, detail);
          assert.equal(spawned, 1);
        } finally {
          await deadline(pool.terminate(), 20);
        }
      },
    );
  }
});

describe("Without shared memory, a worker that dies between tasks", () => {
  test(
    "blames none of the tasks it had not started (a stray rejection after a task returned)",
    T,
    async () => {
      const adapter = customAdapter();
      const pool = new Pool({ processes: 1, context: adapter });
      const onBun = "Bun" in globalThis;
      try {
        for (let round = 0; round < 5; round++) {
          const results = [
            pool.apply_async(() => {
              Promise.reject(new Error("stray")); // kills the worker later
              return "first";
            }),
            pool.apply_async((x: number) => x, [1]),
            pool.apply_async((x: number) => x, [2]),
            pool.apply_async((x: number) => x, [3]),
          ];
          const outcomes = await deadline(Promise.allSettled(results), 30);
          // The first task itself may be blamed where the worker's last
          // words (its result, then `fatal`) do not outrun its exit (seen
          // on Bun, 1 round in 5): it did leave the rejection behind. The
          // tasks queued behind it never ran there: all must succeed.
          const [first, ...rest] = outcomes;
          if (first.status === "fulfilled") assert.equal(first.value, "first");
          else assert.equal((first.reason as Error).name, "WorkerLostError");
          // Bun can still lose a dying worker's last messages (measured
          // after the fixes: 1 round in 22 alone, 2 rounds of 2 in one CI
          // run under load, where the task after the killer was blamed): on
          // Bun every task settles, each as its value or a WorkerLostError,
          // and no round loses more than one (README: Custom contexts).
          if (onBun) {
            const lost = rest.filter((o) => o.status === "rejected");
            assert.ok(lost.length <= 1, `round ${round}: ${lost.length} lost`);
            for (const o of lost) {
              assert.equal(
                ((o as PromiseRejectedResult).reason as Error).name,
                "WorkerLostError",
              );
            }
            continue;
          }
          assert.deepEqual(
            rest.map((o) =>
              o.status === "fulfilled" ? o.value : String(o.reason)
            ),
            [1, 2, 3],
            `round ${round}`,
          );
        }
      } finally {
        await deadline(pool.terminate(), 20);
      }
    },
  );
});

describe("context: null", () => {
  test("means the default context, as Python's context=None", T, async () => {
    const pool = new Pool({ processes: 1, context: null as unknown as "node" });
    try {
      assert.equal(await pool.apply((x: number) => x * 2, [21]), 42);
    } finally {
      await pool.terminate();
    }
  });

  test("a function or symbol is refused naming its type", () => {
    for (
      const [context, type] of [[class Worker {}, "function"], [
        Symbol("web"),
        "symbol",
      ]] as const
    ) {
      assert.throws(
        () => new Pool({ processes: 1, context: context as unknown as "web" }),
        (error: unknown) =>
          error instanceof TypeError &&
          error.message.includes(`a WorkerAdapter object: received ${type}`),
      );
    }
  });
});

describe("WorkerAdapter.processes", () => {
  test(
    "is the default worker count of a pool on that context; the pool's own processes wins",
    T,
    async () => {
      const spawned: string[] = [];
      const base = customAdapter();
      const counting = (processes: number): WorkerAdapter => ({
        name: "counting",
        sharedMemory: false,
        processes,
        spawn(options, events) {
          spawned.push(options.name);
          return base.spawn(options, events);
        },
      });
      const pool = new Pool({ context: counting(3) });
      try {
        assert.equal(pool.stats().processes, 3);
        const names = await deadline(
          pool.map(() => 1, [1, 2, 3, 4, 5, 6], 1),
          30,
        );
        assert.deepEqual(names, [1, 1, 1, 1, 1, 1]);
      } finally {
        await pool.terminate();
      }
      const own = new Pool({ processes: 2, context: counting(5) });
      try {
        assert.equal(own.stats().processes, 2);
      } finally {
        await own.terminate();
      }
    },
  );
});
