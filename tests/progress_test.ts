/**
 * `reportProgress(value)` in a task → the call's `onProgress(value)`: in
 * order, all of them, before the task's result, for every submitting
 * method, sync and async tasks, functions sent as source and moduleTask
 * modules; a no-op outside a task or without a listener (no notes sent);
 * values that cannot be cloned, and onProgress callbacks that throw.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { moduleTask, Pool, reportProgress } from "../mod.ts";
import type { WorkerAdapter } from "../mod.ts";
import { selectAdapter } from "../src/adapters/_select.ts";
import { customAdapter } from "./_custom_adapter.ts";
import {
  context,
  deadline,
  fixture,
  isCustom,
  latch,
  rejection,
  release,
  sleep,
  T,
  until,
  withPool,
} from "./_util.ts";

type Tasks = typeof import("./fixtures/progress_tasks.ts");
const TASKS = fixture("progress_tasks.ts");

/** Reports 1..n in a tight loop and returns n (sent as source). */
const countUp = (n: number): number => {
  for (let i = 1; i <= n; i++) reportProgress(i);
  return n;
};

/** Reports `x * 10` then `x * 10 + 1` for each item, returns `x * 2`. */
const twice = (x: number): number => {
  reportProgress(x * 10);
  reportProgress(x * 10 + 1);
  return x * 2;
};

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Every item's two values arrived, each item's in order. */
function assertPairs(seen: unknown[], items: number[]): void {
  assert.equal(seen.length, items.length * 2, `got ${JSON.stringify(seen)}`);
  for (const x of items) {
    const a = seen.indexOf(x * 10);
    const b = seen.indexOf(x * 10 + 1);
    assert.ok(a >= 0 && b > a, `item ${x}: ${JSON.stringify(seen)}`);
  }
}

/** The suite's adapter, wrapped to count the messages of each type. */
async function countingAdapter(): Promise<
  { adapter: WorkerAdapter; counts: Map<string, number> }
> {
  const inner = isCustom ? customAdapter() : await selectAdapter(context);
  const counts = new Map<string, number>();
  const adapter: WorkerAdapter = {
    name: `counting ${inner.name}`,
    sharedMemory: inner.sharedMemory,
    spawn(options, events) {
      return inner.spawn(options, {
        message(data) {
          const type = String((data as { type?: unknown })?.type);
          counts.set(type, (counts.get(type) ?? 0) + 1);
          events.message(data);
        },
        exit: (info) => events.exit(info),
      });
    },
  };
  return { adapter, counts };
}

describe("reportProgress and onProgress", () => {
  test("apply: values in order, before the result", T, async () => {
    await withPool({}, async (pool) => {
      const seen: unknown[] = [];
      const n = await deadline(
        pool.apply(countUp, [5], { onProgress: (v) => seen.push(v) }),
        20,
        "apply",
      );
      assert.equal(n, 5);
      assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    });
  });

  test("apply_async: every value before callback and result", T, async () => {
    await withPool({}, async (pool) => {
      const events: unknown[] = [];
      const result = pool.apply_async(countUp, [4], {
        onProgress: (v) => events.push(v),
        callback: (r) => events.push(`result ${r}`),
      });
      assert.equal(await deadline(result, 20, "apply_async"), 4);
      assert.deepEqual(events, [1, 2, 3, 4, "result 4"]);
      // Many calls at once: each call gets its own task's values only.
      const seen = range(8).map(() => [] as unknown[]);
      const all = range(8).map((i) =>
        pool.apply_async(countUp, [i + 1], {
          onProgress: (v) => seen[i].push(v),
        })
      );
      await deadline(Promise.all(all), 20, "8 apply_async");
      for (let i = 0; i < 8; i++) {
        assert.deepEqual(seen[i], range(i + 1).map((k) => k + 1));
      }
    });
  });

  test(
    "map and map_async: values of every chunk before the result",
    T,
    async () => {
      await withPool({}, async (pool) => {
        for (const chunksize of [1, 3, 100]) {
          const seen: unknown[] = [];
          const values = await deadline(
            pool.map(twice, range(10), {
              chunksize,
              onProgress: (v) => seen.push(v),
            }),
            20,
            "map",
          );
          assert.deepEqual(values, range(10).map((x) => x * 2));
          assertPairs(seen, range(10));
        }
        const seen: unknown[] = [];
        let atCallback = -1;
        const result = pool.map_async(twice, range(7), {
          chunksize: 2,
          onProgress: (v) => seen.push(v),
          callback: () => atCallback = seen.length,
        });
        await deadline(result, 20, "map_async");
        assert.equal(atCallback, 14);
        assertPairs(seen, range(7));
      });
    },
  );

  test("starmap and starmap_async", T, async () => {
    await withPool({}, async (pool) => {
      const add = (a: number, b: number): number => {
        reportProgress([a, b]);
        return a + b;
      };
      const seen: unknown[] = [];
      const pairs = range(6).map((i) => [i, i] as [number, number]);
      assert.deepEqual(
        await deadline(
          pool.starmap(add, pairs, { onProgress: (v) => seen.push(v) }),
          20,
          "starmap",
        ),
        range(6).map((i) => 2 * i),
      );
      assert.deepEqual(
        [...seen].sort((a, b) => (a as number[])[0] - (b as number[])[0]),
        pairs,
      );
      const more: unknown[] = [];
      await deadline(
        pool.starmap_async(add, pairs, {
          chunksize: 4,
          onProgress: (v) => more.push(v),
        }),
        20,
        "starmap_async",
      );
      assert.equal(more.length, 6);
    });
  });

  for (const method of ["imap", "imap_unordered"] as const) {
    test(`${method}: a chunk's values before its results`, T, async () => {
      await withPool({}, async (pool) => {
        const seen: unknown[] = [];
        const got: number[] = [];
        await deadline(
          (async () => {
            for await (
              const r of pool[method](twice, range(12), {
                chunksize: 2,
                onProgress: (v) => seen.push(v),
              })
            ) {
              const x = r / 2;
              assert.ok(seen.includes(x * 10 + 1), `${x} before its values`);
              got.push(x);
            }
          })(),
          20,
          method,
        );
        assert.deepEqual([...got].sort((a, b) => a - b), range(12));
        assertPairs(seen, range(12));
      });
    });
  }

  test("async tasks: values after an await belong to the task", T, async () => {
    await withPool({}, async (pool) => {
      const steps = async (x: number): Promise<number> => {
        reportProgress(x * 10);
        await new Promise((resolve) => setTimeout(resolve, 2));
        reportProgress(x * 10 + 1);
        await null;
        return x;
      };
      const seen: unknown[] = [];
      const values = await deadline(
        pool.map(steps, range(6), {
          chunksize: 1,
          onProgress: (v) => seen.push(v),
        }),
        20,
        "map of async tasks",
      );
      assert.deepEqual(values, range(6));
      assertPairs(seen, range(6));
      // Concurrent apply_async calls of async tasks: no value crosses calls.
      const per = range(4).map(() => [] as unknown[]);
      await deadline(
        Promise.all(
          range(4).map((i) =>
            pool.apply_async(steps, [i], { onProgress: (v) => per[i].push(v) })
          ),
        ),
        20,
        "apply_async of async tasks",
      );
      for (let i = 0; i < 4; i++) {
        assert.deepEqual(per[i], [i * 10, i * 10 + 1]);
      }
    });
  });

  test(
    "a value reported before a long wait arrives during the wait",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const gate = latch();
        const seen: unknown[] = [];
        const result = pool.apply_async(
          async (sab: SharedArrayBuffer) => {
            const cell = new Int32Array(sab);
            // Two values in a burst: the second waits for the batch timer.
            reportProgress("a");
            reportProgress("b");
            while (Atomics.load(cell, 0) === 0) {
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
            return "done";
          },
          [gate],
          { onProgress: (v) => seen.push(v) },
        );
        try {
          await until(() => seen.length === 2, 20, "both values");
          assert.deepEqual(seen, ["a", "b"]);
          assert.equal(result.ready(), false);
        } finally {
          release(gate);
        }
        assert.equal(await deadline(result, 20, "result"), "done");
      });
    },
  );

  test(
    "a sync task's values go out while it runs, not at its end",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const gate = latch();
        const seen: unknown[] = [];
        const result = pool.apply_async(
          (sab: SharedArrayBuffer) => {
            const cell = new Int32Array(sab);
            const spin = (ms: number) => {
              const end = Date.now() + ms;
              while (Date.now() < end) { /* busy */ }
            };
            // 1 goes at once; 2..100 come too soon after it and wait; the
            // next report 5 ms later takes them along. The task never
            // yields: no timer can run in it.
            for (let i = 1; i <= 100; i++) reportProgress(i);
            spin(5);
            reportProgress(101);
            spin(5);
            reportProgress(102);
            reportProgress(103); // too soon: waits for the task's end
            const end = Date.now() + 30_000;
            while (Atomics.load(cell, 0) === 0 && Date.now() < end) {
              Atomics.wait(cell, 0, 0, 100);
            }
            return "done";
          },
          [gate],
          { onProgress: (v) => seen.push(v) },
        );
        try {
          await until(() => seen.length >= 102, 20, "values 1..102");
          assert.equal(result.ready(), false);
          assert.deepEqual(seen, range(102).map((i) => i + 1));
        } finally {
          release(gate);
        }
        assert.equal(await deadline(result, 20, "result"), "done");
        assert.deepEqual(seen, range(103).map((i) => i + 1));
      });
    },
  );

  test(
    "a tight loop of reports posts few notes messages",
    T,
    async () => {
      const { adapter, counts } = await countingAdapter();
      const pool = new Pool({ processes: 1, context: adapter });
      try {
        let count = 0;
        const n = await deadline(
          pool.apply(countUp, [200_000], { onProgress: () => count++ }),
          60,
          "200,000 reports",
        );
        assert.equal(n, 200_000);
        assert.equal(count, 200_000);
        // One message per 4 ms at most: far fewer than one per value.
        const notes = counts.get("notes") ?? 0;
        assert.ok(notes >= 1 && notes < 20_000, `${notes} notes messages`);
      } finally {
        await deadline(pool.terminate(), 20, "terminate");
      }
    },
  );

  test(
    "moduleTask modules import reportProgress from the package",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const count = moduleTask<Tasks["countUp"]>(TASKS, "countUp");
        const seen: unknown[] = [];
        assert.equal(
          await deadline(
            pool.apply(count, [4], { onProgress: (v) => seen.push(v) }),
            20,
            "apply",
          ),
          4,
        );
        assert.deepEqual(seen, [1, 2, 3, 4]);
        const steps = moduleTask<Tasks["twoSteps"]>(TASKS, "twoSteps");
        const more: unknown[] = [];
        assert.deepEqual(
          await deadline(
            pool.map(steps, range(5), {
              chunksize: 2,
              onProgress: (v) => more.push(v),
            }),
            20,
            "map",
          ),
          range(5),
        );
        assertPairs(more, range(5));
      });
    },
  );

  test(
    "a tight loop of 100,000 reports: all delivered, in order",
    T,
    async () => {
      await withPool({}, async (pool) => {
        let count = 0;
        let inOrder = true;
        const n = await deadline(
          pool.apply(countUp, [100_000], {
            onProgress: (v) => {
              if (v !== ++count) inOrder = false;
            },
          }),
          60,
          "100,000 reports",
        );
        assert.equal(n, 100_000);
        assert.equal(count, 100_000);
        assert.ok(inOrder, "values out of order");
      });
    },
  );

  test(
    "without onProgress no notes are sent and reportProgress does nothing",
    T,
    async () => {
      const { adapter, counts } = await countingAdapter();
      const pool = new Pool({ processes: 2, context: adapter });
      try {
        // Not even checked: an uncloneable value is no error without a listener.
        const quiet = (n: number): number => {
          for (let i = 0; i < n; i++) reportProgress(i);
          reportProgress(() => 1);
          return n;
        };
        assert.equal(
          await deadline(pool.apply(quiet, [1000]), 20, "apply"),
          1000,
        );
        assert.deepEqual(
          await deadline(pool.map(quiet, [10, 20, 30], 1), 20, "map"),
          [10, 20, 30],
        );
        const it = pool.imap(quiet, [1, 2]);
        for await (const _ of it) { /* drain */ }
        assert.equal(counts.get("notes") ?? 0, 0);
        // With a listener, notes flow.
        await deadline(
          pool.apply(countUp, [3], { onProgress: () => {} }),
          20,
          "apply with onProgress",
        );
        assert.ok((counts.get("notes") ?? 0) > 0);
      } finally {
        await deadline(pool.terminate(), 20, "terminate");
      }
    },
  );

  test("reportProgress outside a task does nothing", T, async () => {
    reportProgress(1);
    reportProgress(() => "not cloneable, not checked");
    await withPool({}, async (pool) => {
      // A timer a finished task left behind reports into an idle worker.
      const seen: unknown[] = [];
      const late = (): number => {
        setTimeout(() => reportProgress("late"), 20);
        reportProgress("early");
        return 1;
      };
      assert.equal(
        await deadline(
          pool.apply(late, [], { onProgress: (v) => seen.push(v) }),
          20,
          "apply",
        ),
        1,
      );
      await sleep(200);
      assert.deepEqual(seen, ["early"]);
      reportProgress("main again");
    });
  });

  test(
    "each value is copied at the call; non-plain values clone",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const seen: unknown[] = [];
        await deadline(
          pool.apply(
            () => {
              const state = { done: 0, items: [0] };
              for (let i = 1; i <= 3; i++) {
                state.done = i;
                state.items.push(i);
                reportProgress(state);
              }
              reportProgress(new Map([["k", 1]]));
              reportProgress(new Date(0));
              reportProgress(Object.create(null));
              reportProgress([undefined, null, 1n, "s", NaN]);
            },
            [],
            { onProgress: (v) => seen.push(v) },
          ),
          20,
          "apply",
        );
        assert.deepEqual(seen.slice(0, 3), [
          { done: 1, items: [0, 1] },
          { done: 2, items: [0, 1, 2] },
          { done: 3, items: [0, 1, 2, 3] },
        ]);
        assert.deepEqual(seen[3], new Map([["k", 1]]));
        assert.deepEqual(seen[4], new Date(0));
        assert.equal(typeof seen[5], "object");
        assert.deepEqual(seen[6], [undefined, null, 1n, "s", NaN]);
      });
    },
  );

  test(
    "a value that cannot be cloned throws a TypeError in the task",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const seen: unknown[] = [];
        for (
          const bad of [
            () => reportProgress(() => 1),
            () => reportProgress(Symbol("s")),
            () => reportProgress({ ok: 1, f: () => 1 }),
            () => reportProgress([1, { deep: Symbol("s") }]),
          ]
        ) {
          const error = await rejection(
            deadline(
              pool.apply(bad, [], { onProgress: (v) => seen.push(v) }),
              20,
              "apply",
            ),
          );
          assert.equal(error.name, "TypeError");
          assert.match(error.message, /reportProgress\(\) value/);
        }
        assert.equal(seen.length, 0);
        // The task may catch it and go on; the values around it arrive.
        const caught = await deadline(
          pool.apply(
            () => {
              reportProgress(1);
              try {
                reportProgress(() => 1);
              } catch (error) {
                reportProgress((error as Error).name);
              }
              return "fine";
            },
            [],
            { onProgress: (v) => seen.push(v) },
          ),
          20,
          "apply",
        );
        assert.equal(caught, "fine");
        assert.deepEqual(seen, [1, "TypeError"]);
      });
    },
  );

  test(
    "an onProgress that throws fails its task, not the pool",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const oops = new Error("bar broke");
        let calls = 0;
        const error = await rejection(
          deadline(
            pool.apply(countUp, [5], {
              onProgress: () => {
                calls++;
                throw oops;
              },
            }),
            20,
            "apply",
          ),
        );
        assert.equal(error, oops);
        assert.equal(calls, 1, "no more values after it threw");
        // map: that chunk fails, the call rejects with the error.
        const mapError = await rejection(
          deadline(
            pool.map(twice, range(6), {
              chunksize: 2,
              onProgress: (v) => {
                if (v === 31) throw oops;
              },
            }),
            20,
            "map",
          ),
        );
        assert.equal(mapError, oops);
        // imap: that chunk's items reject; the others come.
        const results: unknown[] = [];
        const it = pool.imap(twice, range(4), {
          onProgress: (v) => {
            if (v === 20) throw oops;
          },
        });
        for (let i = 0; i < 4; i++) {
          try {
            results.push(await deadline(it.next(), 20, "next"));
          } catch (e) {
            results.push(e);
          }
        }
        assert.deepEqual(
          results.map((r) =>
            r === oops ? "oops" : (r as { value: number }).value
          ),
          [0, 2, "oops", 6],
        );
        // The pool goes on.
        assert.equal(await deadline(pool.apply(countUp, [2]), 20, "after"), 2);
        const stats = pool.stats();
        assert.equal(stats.queued + stats.running, 0);
      });
    },
  );

  test(
    "an async onProgress that rejects fails its task, not the process",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const oops = new Error("async bar broke");
        // Reports, then waits a little (so the rejection comes first).
        const slowTwice = (x: number): number => {
          reportProgress(x * 10);
          reportProgress(x * 10 + 1);
          const end = Date.now() + 50;
          while (Date.now() < end) { /* busy */ }
          return x * 2;
        };
        let calls = 0;
        const error = await rejection(
          deadline(
            pool.apply(slowTwice, [1], {
              onProgress: async () => {
                calls++;
                await Promise.resolve();
                throw oops;
              },
            }),
            20,
            "apply",
          ),
        );
        assert.equal(error, oops);
        // With a signal and with a timeout (the stoppable sinks).
        for (
          const extra of [{ signal: new AbortController().signal }, {
            timeout: 30,
          }]
        ) {
          const e = await rejection(
            deadline(
              pool.apply(slowTwice, [1], {
                ...extra,
                onProgress: () => Promise.reject(oops),
              }),
              20,
              "apply with a stop",
            ),
          );
          assert.equal(e, oops);
        }
        // map: the call rejects with it.
        const mapError = await rejection(
          deadline(
            pool.map(slowTwice, range(4), {
              chunksize: 2,
              onProgress: (v) => v === 31 ? Promise.reject(oops) : undefined,
            }),
            20,
            "map",
          ),
        );
        assert.equal(mapError, oops);
        // imap: that chunk's items reject; the others come.
        const results: unknown[] = [];
        const it = pool.imap(slowTwice, range(4), {
          onProgress: (v) => v === 20 ? Promise.reject(oops) : undefined,
        });
        for (let i = 0; i < 4; i++) {
          try {
            results.push(await deadline(it.next(), 20, "next"));
          } catch (e) {
            results.push(e);
          }
        }
        assert.deepEqual(
          results.map((r) =>
            r === oops ? "oops" : (r as { value: number }).value
          ),
          [0, 2, "oops", 6],
        );
        // A rejection after the result is ignored; the pool goes on.
        let late: () => void = () => {};
        assert.equal(
          await deadline(
            pool.apply(countUp, [1], {
              onProgress: () =>
                new Promise<void>((_, reject) => {
                  late = () => reject(oops);
                }),
            }),
            20,
            "late",
          ),
          1,
        );
        late();
        await sleep(20);
        assert.equal(await deadline(pool.apply(countUp, [2]), 20, "after"), 2);
        assert.ok(calls >= 1);
      });
    },
  );

  test(
    "stats(): a task failed by its onProgress counts failed, sync or async",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        // Reports 0..n-1, then waits a little (an async rejection comes first).
        const task = (n: number): number => {
          for (let i = 0; i < n; i++) reportProgress(i);
          const end = Date.now() + 30;
          while (Date.now() < end) { /* busy */ }
          return n;
        };
        const oops = new Error("bar broke");
        const throwing = (v: unknown) => {
          if (v === 5) throw oops;
        };
        const rejecting = async (v: unknown) => {
          await Promise.resolve();
          if (v === 5) throw oops;
        };
        const tally = async (call: () => Promise<unknown>) => {
          const before = pool.stats();
          assert.equal(await rejection(deadline(call(), 20, "call")), oops);
          const after = pool.stats();
          return [
            after.completed - before.completed,
            after.failed - before.failed,
          ];
        };
        for (const onProgress of [throwing, rejecting]) {
          const kind = onProgress === throwing ? "sync" : "async";
          assert.deepEqual(
            await tally(() => pool.apply(task, [100], { onProgress })),
            [0, 1],
            `apply, ${kind}`,
          );
          assert.deepEqual(
            await tally(() =>
              pool.apply(task, [100], { onProgress, timeout: 60 })
            ),
            [0, 1],
            `apply with a timeout, ${kind}`,
          );
          assert.deepEqual(
            await tally(() =>
              pool.map(task, [100, 100], { chunksize: 1, onProgress })
            ),
            [0, 2],
            `map of 2 chunks, ${kind}`,
          );
          // imap: the chunk whose onProgress failed; the other completes.
          const it = pool.imap(task, [100, 3], { onProgress });
          assert.deepEqual(
            await tally(async () => {
              const error = await rejection(it.next());
              assert.equal((await it.next()).value, 3);
              throw error;
            }),
            [1, 1],
            `imap, ${kind}`,
          );
        }
      });
    },
  );

  test(
    "a malformed or stray notes message breaks the pool with a WireError",
    T,
    async () => {
      for (
        const [notes, message] of [
          [[999, 1, "x"], /note about task 999, which the pool never sent/],
          [[1, 7, "x"], /note of kind 7, which is not known/],
          ["nope", /notes that are not a list/],
        ] as const
      ) {
        // A transport answering every task with one notes message.
        const adapter: WorkerAdapter = {
          name: "notes",
          sharedMemory: false,
          spawn(_options, events) {
            return {
              post(data) {
                const type = (data as { type: string }).type;
                if (type === "init") {
                  queueMicrotask(() => events.message({ type: "ready" }));
                } else if (type === "tasks") {
                  queueMicrotask(() =>
                    events.message({ type: "notes", notes })
                  );
                }
              },
              terminate: () => Promise.resolve(),
            };
          },
        };
        const pool = new Pool({ processes: 1, context: adapter });
        try {
          const error = await rejection(
            deadline(
              pool.apply(countUp, [1], { onProgress: () => {} }),
              20,
              "apply",
            ),
          );
          assert.equal(error.name, "WireError");
          assert.match(error.message, message);
        } finally {
          await deadline(pool.terminate(), 20, "terminate");
        }
      }
    },
  );

  test("onProgress must be a function, on every method", T, async () => {
    await withPool({}, async (pool) => {
      const bad = { onProgress: 42 } as never;
      const calls: [string, () => unknown][] = [
        ["apply", () => pool.apply(countUp, [1], bad)],
        ["apply_async", () => pool.apply_async(countUp, [1], bad)],
        ["map", () => pool.map(countUp, [1], bad)],
        ["map_async", () => pool.map_async(countUp, [1], bad)],
        ["starmap", () => pool.starmap(countUp, [[1]], bad)],
        ["starmap_async", () => pool.starmap_async(countUp, [[1]], bad)],
        ["imap", () => pool.imap(countUp, [1], bad)],
        ["imap_unordered", () => pool.imap_unordered(countUp, [1], bad)],
      ];
      for (const [method, call] of calls) {
        let error: unknown;
        try {
          await call();
        } catch (e) {
          error = e;
        }
        assert.ok(error instanceof TypeError, `${method}: ${error}`);
        assert.match(
          (error as Error).message,
          new RegExp(`${method}\\(\\) as 'onProgress' must be a function`),
        );
      }
      // A typo is named.
      assert.throws(
        () =>
          pool.apply_async(countUp, [1], { on_progress: () => {} } as never),
        /did you mean 'onProgress'/,
      );
    });
  });
});

describe("onProgress with signal and timeout", () => {
  const task = (n: number) => {
    for (let i = 1; i <= n; i++) reportProgress(i);
    return n * 10;
  };
  for (
    const [what, extra] of [
      ["a signal", () => ({ signal: new AbortController().signal })],
      ["a timeout", () => ({ timeout: 30 })],
      ["both", () => ({ signal: new AbortController().signal, timeout: 30 })],
    ] as const
  ) {
    test(
      `apply with ${what}: every value arrives before the result`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          const seen: unknown[] = [];
          const value = await pool.apply(task, [5], {
            onProgress: (v) => seen.push(v),
            ...extra(),
          });
          assert.equal(value, 50);
          assert.deepEqual(seen, [1, 2, 3, 4, 5]);
        });
      },
    );

    test(
      `map with ${what}: every value arrives before the result`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          const seen: unknown[] = [];
          const values = await pool.map(task, [1, 2, 3], {
            chunksize: 3,
            onProgress: (v) => seen.push(v),
            ...extra(),
          });
          assert.deepEqual(values, [10, 20, 30]);
          assert.deepEqual(seen, [1, 1, 2, 1, 2, 3]);
        });
      },
    );
  }
});
