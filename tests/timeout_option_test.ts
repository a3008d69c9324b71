/**
 * The `timeout` option (seconds) and `new Pool({ taskTimeout })` (API.md
 * "Stopping work"): for `apply` a task's own limit from when it starts, for
 * the map family and `imap` the whole call's limit from the call; expiry
 * rejects with `TimeoutError` and stops the running tasks; the pool's
 * default and a call's override; option checks.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { currentProcess, Pool, TimeoutError } from "../mod.ts";
import {
  constructionError,
  deadline,
  isDenoWeb,
  latch,
  poolOptions,
  readLatch,
  rejection,
  T,
  until,
  withPool,
} from "./_util.ts";

const BUSY_SKIP = isDenoWeb
  ? "a Deno web Worker cannot be stopped in a busy loop (README: Stopping work)"
  : false;

/** Sleeps `ms` (async), returns `value`. */
const nap = async (ms: number, value?: unknown) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
};

/** Marks cell 0 started, then spins forever. */
const spin = (sab: SharedArrayBuffer) => {
  Atomics.store(new Int32Array(sab), 0, 1);
  for (;;) {
    // only terminating the worker stops it
  }
};

describe("timeout on apply: from the task's start", () => {
  test(
    "a task queued behind a long one does not time out while it waits",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const long = pool.apply_async(nap, [600, "long"]);
        const short = pool.apply_async(nap, [10, "short"], { timeout: 0.3 });
        assert.equal(await deadline(long, 20), "long");
        assert.equal(await deadline(short, 20), "short");
      });
    },
  );

  test(
    "an async task past its limit rejects with TimeoutError; the pool goes on",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const t0 = performance.now();
        const error = await rejection(
          deadline(pool.apply(nap, [60_000, "late"], { timeout: 0.2 }), 20),
        );
        assert.ok(error instanceof TimeoutError, String(error));
        assert.match(error.message, /0\.2 seconds/);
        assert.ok(performance.now() - t0 >= 150, "not before its time");
        assert.equal(await deadline(pool.apply(() => 1), 20), 1);
      });
    },
  );

  test(
    "a busy loop past its limit rejects; its worker is replaced (on Deno its thread spins on)",
    { ...T, skip: BUSY_SKIP },
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const before = await pool.apply(() => currentProcess().name);
        const sab = latch(1);
        const r = pool.apply_async(spin, [sab], { timeout: 0.2 });
        const error = await rejection(deadline(r, 20));
        assert.ok(error instanceof TimeoutError);
        assert.equal(readLatch(sab), 1);
        const after = await deadline(
          pool.apply(() => currentProcess().name),
          20,
        );
        assert.notEqual(after, before);
      });
    },
  );

  test(
    "a task that finishes in time is not affected (timer cleared)",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const values = await Promise.all(
          Array.from(
            { length: 100 },
            (_, i) => pool.apply_async((x: number) => x, [i], { timeout: 30 }),
          ),
        );
        assert.equal(values.length, 100);
      });
    },
  );
});

describe("timeout on the map family and imap: from the call", () => {
  test("map: time waiting in the queue counts", T, async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const blocker = pool.apply_async(nap, [500, "done"]);
      const error = await rejection(
        deadline(pool.map((x: number) => x, [1, 2, 3], { timeout: 0.15 }), 20),
      );
      assert.ok(error instanceof TimeoutError);
      assert.match(error.message, /map\(\)/);
      assert.equal(await deadline(blocker, 20), "done");
      assert.deepEqual(await pool.map((x: number) => x, [1, 2]), [1, 2]);
    });
  });

  test(
    "map_async: expiry rejects and stops the running chunks",
    T,
    async () => {
      await withPool({ processes: 2 }, async (pool) => {
        const r = pool.map_async(nap, [60_000, 60_000], {
          timeout: 0.2,
          chunksize: 1,
        });
        assert.ok((await rejection(deadline(r, 20))) instanceof TimeoutError);
        assert.deepEqual(
          await deadline(pool.map((x: number) => x * 2, [1, 2, 3]), 20),
          [2, 4, 6],
        );
      });
    },
  );

  test(
    "starmap_async: expiry rejects and stops the running chunks",
    T,
    async () => {
      await withPool({ processes: 2 }, async (pool) => {
        const r = pool.starmap_async(nap, [[60_000, 1], [60_000, 2]], {
          timeout: 0.2,
          chunksize: 1,
        });
        assert.ok((await rejection(deadline(r, 20))) instanceof TimeoutError);
        assert.deepEqual(await deadline(pool.starmap(nap, [[1, "a"]]), 20), [
          "a",
        ]);
      });
    },
  );

  test(
    "imap: the iterator rejects with TimeoutError and stops reading",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        // A started worker, so the limit is not spent starting it (a loaded
        // machine can take longer than the limit to start one).
        await pool.apply(() => 0);
        let pulled = 0;
        function* input() {
          for (;;) yield pulled++;
        }
        const it = pool.imap(
          async (x: number) => {
            await new Promise((resolve) => setTimeout(resolve, 50));
            return x;
          },
          input(),
          { timeout: 1, buffersize: 2 },
        );
        let got = 0;
        let error: unknown;
        try {
          for await (const _ of it) got++;
        } catch (e) {
          error = e;
        }
        assert.ok(error instanceof TimeoutError, String(error));
        const seen = pulled;
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(pulled, seen);
        assert.ok(got < 1000, `got ${got}`); // ended by the timeout, not the input
      });
    },
  );
});

describe("timeout on the map family: a sync input read past the limit", () => {
  for (const method of ["map", "starmap_async"] as const) {
    test(
      `${method}: the input is read no further once the time is up`,
      T,
      async () => {
        await withPool({ processes: 2 }, async (pool) => {
          await pool.map((x: number) => x, [1, 2], 1);
          const before = pool.stats();
          let read = 0;
          let finished = false;
          // 200,000 items, 2 ms of busy wait every 1,000: ~0.4 s if read
          // to the end, while no timer can fire.
          function* input() {
            try {
              for (let i = 0; i < 200_000; i++) {
                read++;
                if (i % 1000 === 999) {
                  const t = performance.now();
                  while (performance.now() - t < 2) {
                    // busy
                  }
                }
                yield method === "map" ? i : [i];
              }
            } finally {
              finished = true;
            }
          }
          const fn = (x: number) => x;
          const call = method === "map"
            ? pool.map(fn, input() as Iterable<number>, { timeout: 0.05 })
            : pool.starmap_async(fn, input() as Iterable<[number]>, {
              timeout: 0.05,
            }).get();
          const error = await rejection(deadline(call, 10));
          assert.ok(error instanceof TimeoutError, String(error));
          assert.ok(read < 200_000, `read ${read} items`);
          assert.equal(finished, true, "the input's finally ran");
          await nap(30);
          const after = pool.stats();
          assert.equal(after.completed, before.completed, "none completed");
          assert.equal(after.failed, before.failed, "none counted failed");
          assert.deepEqual(await pool.map((x: number) => x + 1, [1, 2]), [
            2,
            3,
          ]);
        });
      },
    );
  }
});

describe("taskTimeout and option checks", () => {
  test(
    "taskTimeout is every call's default; a call's timeout overrides it",
    T,
    async () => {
      await withPool({ processes: 1, taskTimeout: 0.2 }, async (pool) => {
        const error = await rejection(deadline(pool.apply(nap, [5000, 1]), 20));
        assert.ok(error instanceof TimeoutError);
        const mapError = await rejection(
          deadline(pool.map(nap, [5000]), 20),
        );
        assert.ok(mapError instanceof TimeoutError);
        assert.equal(
          await deadline(pool.apply(nap, [400, "ok"], { timeout: 5 }), 20),
          "ok",
        );
        assert.equal(
          await deadline(
            pool.apply(nap, [400, "free"], { timeout: Infinity }),
            20,
          ),
          "free",
        );
        assert.equal(await pool.apply(nap, [10, "fast"]), "fast");
      });
    },
  );

  test(
    "apply's options with signal alone, inherited or from a getter: same checks and effect",
    T,
    async () => {
      await withPool({}, async (pool) => {
        for (const bad of [{}, "x", 1, { aborted: false }, null]) {
          if (bad === null) {
            // null is "no signal"
            assert.equal(
              await pool.apply((x: number) => x, [1], {
                signal: bad as unknown as AbortSignal,
              }),
              1,
            );
            continue;
          }
          assert.throws(
            () =>
              pool.apply_async((x: number) => x, [1], {
                signal: bad as unknown as AbortSignal,
              }),
            /'signal' must be an AbortSignal/,
          );
        }
        const reason = new Error("inherited");
        const inherited = new AbortController();
        inherited.abort(reason);
        assert.equal(
          await rejection(
            pool.apply(
              (x: number) => x,
              [1],
              Object.create({
                signal: inherited.signal,
              }),
            ),
          ),
          reason,
        );
        class Options {
          get signal(): AbortSignal {
            return inherited.signal;
          }
        }
        assert.equal(
          await rejection(pool.apply((x: number) => x, [1], new Options())),
          reason,
        );
        const both = new AbortController();
        both.abort(reason);
        assert.throws(
          () =>
            pool.apply_async((x: number) => x, [1], {
              signal: both.signal,
              sginal: 1,
            } as never),
          /unexpected option 'sginal'/,
        );
      });
    },
  );

  test(
    "apply's { signal } fast path: a misspelt key next to a watched signal throws; what it does not take goes the full way",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const controller = new AbortController();
        const signal = controller.signal;
        // The signal is watched (the last one used, while a call on it is
        // pending): the checks still run.
        const first = pool.apply_async((x: number) => x, [1], { signal });
        for (const typo of ["timout", "sginal", "callbak", "kwargs"]) {
          const error = (() => {
            try {
              pool.apply_async((x: number) => x, [1], {
                signal,
                [typo]: 1,
              } as never);
            } catch (error) {
              return error;
            }
          })();
          assert.ok(error instanceof TypeError, `${typo}: ${error}`);
          assert.match(
            error.message,
            new RegExp(`unexpected option '${typo}'`),
          );
        }
        assert.throws(
          () =>
            pool.apply_async(
              (x: number) => x,
              [1],
              { signal, timout: 1 } as never,
            ),
          /unexpected option 'timout': did you mean 'timeout'\?/,
        );
        assert.equal(await first.get(), 1);
        // signal undefined or null: no signal (and a getter read once).
        let reads = 0;
        const viaGetter = {
          get signal() {
            reads++;
            return undefined;
          },
        };
        assert.equal(await pool.apply((x: number) => x, [2], viaGetter), 2);
        assert.equal(reads, 1);
        assert.equal(
          await pool.apply((x: number) => x, [3], { signal: undefined }),
          3,
        );
        // Inherited options a plain object would not have: read, as always.
        class Limited {
          signal = signal;
          get timeout(): number {
            return 0.3;
          }
        }
        const e = await rejection(pool.apply(nap, [60_000], new Limited()));
        assert.ok(e instanceof TimeoutError, String(e));
        const bare = Object.assign(Object.create(null), { signal });
        assert.equal(await pool.apply((x: number) => x, [4], bare), 4);
        // Aborted: the pending call and a new one reject with the reason.
        const pending = pool.apply_async(nap, [60_000], { signal });
        const reason = new Error("stop");
        controller.abort(reason);
        assert.equal(await rejection(pending.get()), reason);
        assert.equal(
          await rejection(pool.apply((x: number) => x, [5], { signal })),
          reason,
        );
      });
    },
  );

  test("bad timeout and signal values are refused at the call", T, async () => {
    await withPool({}, async (pool) => {
      for (const bad of [0, -1, -Infinity, NaN]) {
        const e = await rejection(pool.apply(() => 1, [], { timeout: bad }));
        assert.ok(e instanceof RangeError, String(e));
        assert.throws(
          () => pool.map_async((x: number) => x, [1], { timeout: bad }),
          RangeError,
        );
      }
      for (const bad of ["1", {}]) {
        assert.throws(
          () =>
            pool.apply_async(() => 1, [], {
              timeout: bad as unknown as number,
            }),
          TypeError,
        );
      }
      for (const bad of [{}, "x", 1, { aborted: false }]) {
        assert.throws(
          () =>
            pool.imap((x: number) => x, [1], {
              signal: bad as unknown as AbortSignal,
            }),
          /'signal' must be an AbortSignal/,
        );
      }
      assert.throws(
        () =>
          pool.map_async((x: number) => x, [1], { abortSignal: 1 } as never),
        /did you mean 'signal'/,
      );
      const e = await constructionError(() =>
        new Pool(poolOptions({ taskTimeout: 0 }))
      );
      assert.ok(e instanceof RangeError, String(e));
      const e2 = await constructionError(() =>
        new Pool(poolOptions({ taskTimeout: "5" as unknown as number }))
      );
      assert.ok(e2 instanceof TypeError, String(e2));
    });
  });

  test(
    "a signal and a timeout together: whichever comes first",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const sab = latch(1);
        const controller = new AbortController();
        const r = pool.apply_async(
          async (s: SharedArrayBuffer) => {
            Atomics.store(new Int32Array(s), 0, 1);
            await new Promise((resolve) => setTimeout(resolve, 60_000));
          },
          [sab],
          { signal: controller.signal, timeout: 30 },
        );
        await until(() => readLatch(sab) === 1, 20, "started");
        controller.abort();
        assert.equal((await rejection(deadline(r, 20))).name, "AbortError");
        const t = await rejection(
          deadline(
            pool.apply(nap, [60_000, 1], {
              signal: new AbortController().signal,
              timeout: 0.1,
            }),
            20,
          ),
        );
        assert.ok(t instanceof TimeoutError);
      });
    },
  );
});
