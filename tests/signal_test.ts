/**
 * The `signal` option of every submitting method (API.md "Stopping work"):
 * abort before the call, while queued, while running (a sync busy loop and
 * an async wait), after finish; the replacement worker; other calls' tasks
 * on a stopped worker; `imap` stops reading its input; `terminate()` while
 * aborting; a burst of 10,000 aborts; listeners removed.
 *
 * A busy loop cannot be stopped on Deno's web Worker (RUNTIMES.md §0.7):
 * those tests are skipped there (see README "Stopping work").
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { AsyncResult, currentProcess, type Pool } from "../mod.ts";
import {
  deadline,
  isCustom,
  isDenoWeb,
  latch,
  readLatch,
  rejection,
  release,
  sleep,
  T,
  until,
  withPool,
} from "./_util.ts";
import { count, waitFor } from "./_stop_tasks.ts";

const BUSY_SKIP = isDenoWeb
  ? "a Deno web Worker cannot be stopped in a busy loop (README: Stopping work)"
  : false;

/** Marks cell 0 of `sab` started, then spins forever. */
const spin = (sab: SharedArrayBuffer) => {
  Atomics.store(new Int32Array(sab), 0, 1);
  for (;;) {
    // a busy loop: only terminating the worker stops it
  }
};

/** Marks cell 0 of `sab` started, then waits a minute (async). */
const hang = async (sab: SharedArrayBuffer) => {
  Atomics.store(new Int32Array(sab), 0, 1);
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  return "late";
};

/** Every submitting method, called with `fn`, one argument `arg`, and `options`. */
const METHODS: [
  string,
  (
    pool: Pool,
    fn: (x: SharedArrayBuffer) => unknown,
    arg: SharedArrayBuffer,
    options: { signal?: AbortSignal; timeout?: number },
  ) => Promise<unknown> | AsyncResult<unknown>,
][] = [
  ["apply", (p, f, a, o) => p.apply(f, [a], o)],
  ["apply_async", (p, f, a, o) => p.apply_async(f, [a], o)],
  ["applyAsync", (p, f, a, o) => p.applyAsync(f, [a], o)],
  ["map", (p, f, a, o) => p.map(f, [a], o)],
  ["map_async", (p, f, a, o) => p.map_async(f, [a], o)],
  ["mapAsync", (p, f, a, o) => p.mapAsync(f, [a], o)],
  ["starmap", (p, f, a, o) => p.starmap(f, [[a]], o)],
  ["starmap_async", (p, f, a, o) => p.starmap_async(f, [[a]], o)],
  ["starmapAsync", (p, f, a, o) => p.starmapAsync(f, [[a]], o)],
  ["imap", (p, f, a, o) => p.imap(f, [a], o).next()],
  ["imap_unordered", (p, f, a, o) => p.imap_unordered(f, [a], o).next()],
  ["imapUnordered", (p, f, a, o) => p.imapUnordered(f, [a], o).next()],
];

describe("signal: already aborted", () => {
  for (const [name, call] of METHODS) {
    test(
      `${name} with an aborted signal rejects at once with its reason and runs nothing`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          const counter = latch(1);
          const controller = new AbortController();
          const reason = new Error("stop it");
          controller.abort(reason);
          const result = call(pool, count, counter, {
            signal: controller.signal,
          });
          if (name.includes("_async") || name.endsWith("Async")) {
            assert.ok(result instanceof AsyncResult, "no throw at the call");
            assert.equal((result as AsyncResult<unknown>).ready(), true);
          }
          assert.equal(await rejection(deadline(result, 5)), reason);
          assert.deepEqual(await pool.map((x: number) => x + 1, [1, 2]), [
            2,
            3,
          ]);
          await sleep(50);
          assert.equal(readLatch(counter), 0, "the task never ran");
        });
      },
    );
  }

  test("the default reason is an AbortError DOMException", T, async () => {
    await withPool({}, async (pool) => {
      const error = await rejection(
        pool.apply(() => 1, [], { signal: AbortSignal.abort() }),
      );
      assert.equal(error.name, "AbortError");
      assert.ok(error instanceof DOMException);
    });
  });

  test(
    "an aborted imap reads nothing and ends after rejecting once",
    T,
    async () => {
      await withPool({}, async (pool) => {
        let pulled = 0;
        function* input() {
          for (;;) yield pulled++;
        }
        const it = pool.imap((x: number) => x, input(), {
          signal: AbortSignal.abort(),
        });
        await rejection(it.next());
        assert.deepEqual(await it.next(), { done: true, value: undefined });
        assert.equal(pulled, 0);
      });
    },
  );
});

describe("signal: abort while running", () => {
  for (const [name, call] of METHODS) {
    test(
      `${name}: aborting an async task that runs rejects with the reason; the pool goes on`,
      T,
      async () => {
        await withPool({ processes: 1 }, async (pool) => {
          const sab = latch(2);
          const controller = new AbortController();
          const result = call(pool, hang, sab, { signal: controller.signal });
          (result as Promise<unknown>).catch(() => {});
          await until(() => readLatch(sab) === 1, 20, "task started");
          const reason = new Error("enough");
          controller.abort(reason);
          assert.equal(await rejection(deadline(result, 5)), reason);
          assert.equal(await deadline(pool.apply(() => 7), 20), 7);
        });
      },
    );
  }

  for (const [name, call] of METHODS) {
    test(
      `${name}: aborting a sync busy loop stops it by replacing the worker`,
      { ...T, skip: BUSY_SKIP },
      async () => {
        await withPool({ processes: 1 }, async (pool) => {
          const before = await pool.apply(() => currentProcess().name);
          const sab = latch(1);
          const controller = new AbortController();
          const result = call(pool, spin, sab, { signal: controller.signal });
          (result as Promise<unknown>).catch(() => {});
          await until(() => readLatch(sab) === 1, 20, "busy loop started");
          controller.abort();
          const error = await rejection(deadline(result, 5));
          assert.equal(error.name, "AbortError");
          const after = await deadline(
            pool.apply(() => currentProcess().name),
            20,
          );
          assert.notEqual(after, before, "a new worker");
        });
      },
    );
  }

  test(
    "the replacement worker ran the initializer again and has a new name",
    { ...T, skip: BUSY_SKIP },
    async () => {
      await withPool({
        processes: 1,
        initializer: () => {
          // deno-lint-ignore no-explicit-any
          const g = globalThis as any;
          g.__stopInits = (g.__stopInits ?? 0) + 1;
        },
      }, async (pool) => {
        const probe = () => [
          currentProcess().name,
          // deno-lint-ignore no-explicit-any
          (globalThis as any).__stopInits,
        ];
        const [first, inits1] = await pool.apply(probe);
        const sab = latch(1);
        const controller = new AbortController();
        const r = pool.apply_async(spin, [sab], { signal: controller.signal });
        await until(() => readLatch(sab) === 1, 20, "busy loop started");
        controller.abort();
        await rejection(r);
        const [second, inits2] = await deadline(pool.apply(probe), 20);
        assert.equal(inits1, 1);
        assert.equal(inits2, 1, "initializer ran in the new worker");
        assert.notEqual(second, first);
      });
    },
  );

  for (const kind of ["async wait", "busy loop"]) {
    test(
      `tasks of other calls on the stopped worker (${kind}) complete`,
      { ...T, skip: kind === "busy loop" ? BUSY_SKIP : false },
      async () => {
        await withPool({ processes: 1 }, async (pool) => {
          const sab = latch(2);
          const controller = new AbortController();
          const stopped = pool.apply_async(kind === "busy loop" ? spin : hang, [
            sab,
          ], { signal: controller.signal });
          const b = pool.apply_async((x: number) => x * 2, [21]);
          const c = pool.map_async((x: number) => x * 3, [1, 2, 3], 1);
          await until(() => readLatch(sab) === 1, 20, "task started");
          controller.abort();
          await rejection(stopped);
          assert.equal(await deadline(b, 20), 42);
          assert.deepEqual(await deadline(c, 20), [3, 6, 9]);
        });
      },
    );
  }
});

describe("signal: abort while queued, after finish", () => {
  test(
    "aborting a queued task rejects at once; it never runs (with shared memory)",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const gate = latch(2);
        const counter = latch(1);
        const blocker = pool.apply_async(waitFor, [gate]);
        await until(() => readLatch(gate) === 1, 20, "blocker started");
        const controller = new AbortController();
        const queued = pool.apply_async(count, [counter], {
          signal: controller.signal,
        });
        const queuedMap = pool.map_async(count, [counter, counter], {
          signal: controller.signal,
          chunksize: 1,
        });
        await sleep(20);
        controller.abort();
        await rejection(deadline(queued, 5));
        await rejection(deadline(queuedMap, 5));
        assert.equal(blocker.ready(), false, "the blocker still runs");
        release(gate, 1);
        assert.equal(await deadline(blocker, 20), "released");
        assert.equal(await deadline(pool.apply(() => 5), 20), 5);
        // Without shared memory a task sent to the worker cannot be taken
        // back: it may start before its worker is replaced.
        if (!isCustom) assert.equal(readLatch(counter), 0);
      });
    },
  );

  test("aborting after the call finished has no effect", T, async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const controller = new AbortController();
      const result = pool.apply_async(() => currentProcess().name, [], {
        signal: controller.signal,
      });
      const name = await result;
      const mapped = await pool.map((x: number) => x, [1, 2], {
        signal: controller.signal,
      });
      controller.abort();
      assert.equal(result.successful(), true);
      assert.equal(await result, name);
      assert.deepEqual(mapped, [1, 2]);
      assert.equal(await pool.apply(() => currentProcess().name), name);
    });
  });

  test(
    "a callback that aborts its own call's signal: that call keeps its value, a sibling call stops, the pool goes on (callback, error_callback, map_async)",
    T,
    async () => {
      await withPool({ processes: 2 }, async (pool) => {
        const waitLong = () =>
          new Promise((resolve) => setTimeout(() => resolve(2), 2_000));
        // callback
        let c = new AbortController();
        const a = pool.apply_async((x: number) => x, [1], {
          signal: c.signal,
          callback: () => c.abort(new Error("in callback")),
        });
        let sibling = pool.apply_async(waitLong, [], { signal: c.signal });
        assert.equal(await deadline(a, 20), 1);
        assert.equal((await rejection(sibling)).message, "in callback");
        // error_callback
        c = new AbortController();
        const b = pool.apply_async(
          () => {
            throw new TypeError("bad");
          },
          [],
          {
            signal: c.signal,
            error_callback: () => c.abort(new Error("in errback")),
          },
        );
        sibling = pool.apply_async(waitLong, [], { signal: c.signal });
        const error = await rejection(b) as Error;
        assert.equal(error.name, "TypeError");
        assert.equal((await rejection(sibling)).message, "in errback");
        // map_async
        c = new AbortController();
        const m = pool.map_async((x: number) => x * 2, [1, 2, 3], {
          signal: c.signal,
          callback: () => c.abort(new Error("in map callback")),
        });
        sibling = pool.apply_async(waitLong, [], { signal: c.signal });
        assert.deepEqual(await deadline(m, 20), [2, 4, 6]);
        assert.equal((await rejection(sibling)).message, "in map callback");
        assert.equal(
          await deadline(pool.apply((x: number) => x * 2, [21]), 20),
          42,
        );
      });
    },
  );

  test("abort racing the result: exactly one outcome", T, async () => {
    await withPool({}, async (pool) => {
      for (let i = 0; i < 20; i++) {
        const controller = new AbortController();
        const r = pool.apply_async((x: number) => x, [i], {
          signal: controller.signal,
        });
        await sleep(i % 5);
        controller.abort();
        const outcome = await Promise.allSettled([r]);
        assert.equal(outcome.length, 1);
        if (outcome[0].status === "fulfilled") {
          assert.equal(outcome[0].value, i);
        } else assert.equal((outcome[0].reason as Error).name, "AbortError");
      }
      assert.deepEqual(await pool.map((x: number) => x, [1, 2]), [1, 2]);
    });
  });
});

describe("signal: imap", () => {
  for (const method of ["imap", "imap_unordered"] as const) {
    test(
      `${method}: abort rejects the next next() and stops reading the input`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          let pulled = 0;
          let returned = false;
          function* input() {
            try {
              for (;;) yield pulled++;
            } finally {
              returned = true;
            }
          }
          const controller = new AbortController();
          const it = pool[method]((x: number) => x, input(), {
            signal: controller.signal,
            buffersize: 2,
          });
          const first = await deadline(it.next(), 20);
          assert.equal(first.done, false);
          const reason = new Error("no more");
          controller.abort(reason);
          const seen = pulled;
          assert.equal(await rejection(it.next()), reason);
          assert.deepEqual(await it.next(), { done: true, value: undefined });
          await sleep(50);
          assert.equal(pulled, seen, "no item pulled after the abort");
          assert.ok(pulled <= 4, `read ahead ${pulled}`);
          assert.equal(returned, true, "the input's return() ran");
        });
      },
    );
  }

  test("imap: a waiting next() rejects with the reason", T, async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const sab = latch(2);
      const controller = new AbortController();
      const it = pool.imap(hang, [sab], { signal: controller.signal });
      const pending = it.next();
      await until(() => readLatch(sab) === 1, 20, "task started");
      controller.abort();
      assert.equal((await rejection(deadline(pending, 5))).name, "AbortError");
      assert.equal(await deadline(pool.apply(() => 3), 20), 3);
    });
  });
});

describe("signal: lifecycle and scale", () => {
  test(
    "close() right after an abort that left tasks queued: join() resolves (the queue's dropped tasks are no work)",
    T,
    async () => {
      const { Pool } = await import("../mod.ts");
      const { poolOptions } = await import("./_util.ts");
      const pool = new Pool(poolOptions({ processes: 1 }));
      try {
        const sab = latch(1);
        const controller = new AbortController();
        const aborted = pool.map_async(hang, [sab, sab, sab, sab], {
          chunksize: 1,
          signal: controller.signal,
        });
        await until(() => readLatch(sab) === 1, 20, "task started");
        // Its worker is stopped and replaced on the next turn; the other
        // tasks stay queued, to be dropped: close() comes first.
        controller.abort();
        pool.close();
        await rejection(aborted);
        await deadline(pool.join(), 20, "join after close");
      } finally {
        await deadline(pool.terminate(), 20, "terminate");
      }
    },
  );

  test(
    "terminate() while aborting, and abort after terminate()",
    T,
    async () => {
      const { Pool } = await import("../mod.ts");
      const { poolOptions } = await import("./_util.ts");
      const pool = new Pool(poolOptions({ processes: 1 }));
      const sab = latch(2);
      const controller = new AbortController();
      const running = pool.apply_async(hang, [sab], {
        signal: controller.signal,
      });
      const queued = pool.map_async((x: number) => x, [1, 2, 3], {
        signal: controller.signal,
      });
      await until(() => readLatch(sab) === 1, 20, "task started");
      controller.abort();
      const stopping = pool.terminate();
      await rejection(running);
      await rejection(queued);
      await deadline(stopping, 20, "terminate");
      const late = new AbortController();
      assert.throws(() =>
        pool.apply_async(() => 1, [], { signal: late.signal })
      );
      late.abort(); // nothing to do, nothing thrown
      await deadline(pool.join(), 20, "join");
    },
  );

  test(
    "10,000 aborts in a burst, then a normal map still works",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const results: AsyncResult<unknown>[] = [];
        const controllers: AbortController[] = [];
        for (let i = 0; i < 10_000; i++) {
          const controller = new AbortController();
          controllers.push(controller);
          results.push(
            pool.apply_async((x: number) => x, [i], {
              signal: controller.signal,
            }),
          );
        }
        await sleep(0); // some are sent to the workers, some run
        for (const controller of controllers) controller.abort();
        const outcomes = await deadline(Promise.allSettled(results), 60);
        assert.equal(outcomes.length, 10_000);
        const xs = Array.from({ length: 10_000 }, (_, i) => i);
        assert.deepEqual(
          await deadline(pool.map((x: number) => x * 2, xs), 60, "map"),
          xs.map((x) => x * 2),
        );
        // Still `processes` workers: concurrent slow tasks see at most 2.
        const names = await deadline(
          pool.map(
            async () => {
              await new Promise((resolve) => setTimeout(resolve, 20));
              return currentProcess().name;
            },
            Array.from({ length: 8 }),
            1,
          ),
          60,
        );
        assert.ok(new Set(names).size <= 2, `workers: ${[...new Set(names)]}`);
      });
    },
  );

  test(
    "listeners are removed once calls settle: one signal, many calls",
    { timeout: 240_000 }, // 100,000 calls: generous for a loaded machine
    async () => {
      await withPool({}, async (pool) => {
        const controller = new AbortController();
        const signal = controller.signal;
        let live = 0;
        let peak = 0;
        const add = signal.addEventListener.bind(signal);
        const remove = signal.removeEventListener.bind(signal);
        signal.addEventListener = ((...args: Parameters<typeof add>) => {
          peak = Math.max(peak, ++live);
          return add(...args);
        }) as typeof add;
        signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
          live--;
          return remove(...args);
        }) as typeof remove;
        for (let round = 0; round < 10; round++) {
          const batch: Promise<unknown>[] = [];
          for (let i = 0; i < 10_000; i++) {
            batch.push(pool.apply_async((x: number) => x, [i], { signal }));
          }
          batch.push(pool.map((x: number) => x, [1, 2, 3], { signal }));
          batch.push(
            pool.apply((x: number) => x, [1], { signal, timeout: 60 }),
          );
          await deadline(Promise.all(batch), 120);
        }
        const it = pool.imap((x: number) => x, [1, 2, 3], { signal });
        for await (const _ of it) {
          // drain
        }
        // An unused watch stops listening on the next timer turn (so that
        // calls one after another on one signal share one listener).
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(live, 0, "every listener removed");
        assert.equal(peak, 1, "the calls on one signal share one listener");
      });
    },
  );
});

describe("signal: the map family stops reading a sync input", () => {
  for (
    const method of ["map", "map_async", "starmap", "starmap_async"] as const
  ) {
    test(
      `${method}: an input that aborts the signal is read no further`,
      T,
      async () => {
        await withPool({ processes: 2 }, async (pool) => {
          await pool.map((x: number) => x, [1, 2], 1);
          const before = pool.stats();
          const controller = new AbortController();
          const reason = new Error("from the input");
          let read = 0;
          let finished = false;
          function* input() {
            try {
              for (let i = 0; i < 2_000_000; i++) {
                read++;
                if (i === 3) controller.abort(reason);
                yield method.startsWith("starmap") ? [i] : i;
              }
            } finally {
              finished = true;
            }
          }
          const options = { chunksize: 1, signal: controller.signal };
          const fn = (x: number) => x;
          const call = method === "map"
            ? pool.map(fn, input() as Iterable<number>, options)
            : method === "map_async"
            ? pool.map_async(fn, input() as Iterable<number>, options).get()
            : method === "starmap"
            ? pool.starmap(fn, input() as Iterable<[number]>, options)
            : pool.starmap_async(fn, input() as Iterable<[number]>, options)
              .get();
          assert.equal(await rejection(deadline(call, 5)), reason);
          assert.ok(read <= 5, `read ${read} items`);
          assert.equal(finished, true, "the input's finally ran");
          await sleep(30);
          const after = pool.stats();
          assert.equal(after.completed, before.completed, "none completed");
          assert.equal(after.failed, before.failed, "none counted failed");
          assert.equal(after.queued, 0);
          assert.deepEqual(await pool.map((x: number) => x + 1, [1, 2]), [
            2,
            3,
          ]);
        });
      },
    );
  }
});
