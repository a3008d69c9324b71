/**
 * One `signal` shared by many calls (API.md "Stopping work"). Past its
 * first few `apply` calls a signal's watch lists none of them: if the
 * signal fires they are found among the pool's tasks. These tests cover
 * that path: abort mid-way (finished calls untouched, the running one
 * stopped, queued ones dropped, each with the signal's reason), a stream
 * aborted at a random point, two pools on one signal, and a long-lived
 * signal that keeps no listener once its calls are done.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type AsyncResult, Pool } from "../mod.ts";
import {
  deadline,
  isCustom,
  latch,
  poolOptions,
  readLatch,
  rejection,
  release,
  settle,
  T,
  until,
  withPool,
} from "./_util.ts";
import { count, waitFor } from "./_stop_tasks.ts";

/** An input that never yields (its reader waits, no timer). */
async function* never(): AsyncGenerator<number> {
  await new Promise<never>(() => {});
  yield 0;
}

describe("signal shared by many calls", () => {
  test(
    "abort mid-way: finished calls keep their values, the running one and the queued ones reject with the reason, queued ones never run, other calls go on",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const controller = new AbortController();
        const signal = controller.signal;
        // An imap call reading an input that never yields keeps the
        // signal in use while the others come and go.
        const holder = pool.imap((x: number) => x, never(), { signal });
        const held = holder.next();
        held.catch(() => {});
        const finished = Array.from(
          { length: 40 },
          (_, i) => pool.apply_async((x: number) => x * 2, [i], { signal }),
        );
        assert.deepEqual(
          await deadline(Promise.all(finished), 20, "finished calls"),
          Array.from({ length: 40 }, (_, i) => i * 2),
        );
        const gate = latch(2);
        const running = pool.apply_async(waitFor, [gate], { signal });
        await until(() => readLatch(gate) === 1, 20, "running call started");
        const counter = latch(1);
        const queued = Array.from(
          { length: 50 },
          () => pool.apply_async(count, [counter], { signal }),
        );
        const other = pool.apply_async((x: number) => x + 1, [6]);
        const reason = new Error("stop them");
        controller.abort(reason);
        assert.equal(await rejection(deadline(running, 5)), reason);
        for (const result of queued) {
          assert.equal(await rejection(deadline(result, 5)), reason);
        }
        assert.equal(await rejection(deadline(held, 5)), reason);
        for (let i = 0; i < finished.length; i++) {
          assert.equal(finished[i].successful(), true);
          assert.equal(await finished[i], i * 2);
        }
        assert.equal(await deadline(other, 20, "other call"), 7);
        assert.equal(await deadline(pool.apply(() => 5), 20), 5);
        // Without shared memory a task sent to the worker cannot be taken
        // back: it may start before its worker is replaced.
        if (!isCustom) assert.equal(readLatch(counter), 0);
        release(gate, 1);
        // Aborted already: a new call rejects at once.
        const late = pool.apply_async((x: number) => x, [1], { signal });
        assert.equal(late.ready(), true);
        assert.equal(await rejection(late), reason);
      });
    },
  );

  test(
    "a stream of tiny calls on one signal aborted at a random point: one outcome each, its value or the reason; the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const controller = new AbortController();
        const signal = controller.signal;
        const reason = new Error("enough");
        const n = 5_000;
        const stopAt = 200 + Math.floor(Math.random() * 2_000);
        let answered = 0;
        const results: AsyncResult<number>[] = [];
        for (let i = 0; i < n; i++) {
          results.push(pool.apply_async((x: number) => x * 3, [i], {
            signal,
            callback: () => {
              if (++answered === stopAt) controller.abort(reason);
            },
          }));
        }
        const outcomes = await deadline(
          Promise.all(results.map((r) => settle(r))),
          60,
          "the stream",
        );
        let ok = 0;
        for (let i = 0; i < n; i++) {
          const outcome = outcomes[i];
          if (outcome.ok) {
            assert.equal(outcome.value, i * 3);
            ok++;
          } else assert.equal(outcome.error, reason);
        }
        assert.ok(ok >= stopAt, `${ok} fulfilled, abort after ${stopAt}`);
        assert.ok(ok < n, "some calls were stopped");
        const xs = Array.from({ length: 1_000 }, (_, i) => i);
        assert.deepEqual(
          await deadline(pool.map((x: number) => x + 1, xs), 20, "map"),
          xs.map((x) => x + 1),
        );
      });
    },
  );

  test(
    "two pools on one signal: each stops its own calls",
    T,
    async () => {
      const pools = [
        new Pool(poolOptions({ processes: 1 })),
        new Pool(poolOptions({ processes: 1 })),
      ];
      const gates = [latch(2), latch(2)];
      try {
        const controller = new AbortController();
        const signal = controller.signal;
        const calls: Promise<unknown>[] = [];
        for (let p = 0; p < 2; p++) {
          calls.push(pools[p].apply_async(waitFor, [gates[p]], { signal }));
          await until(() => readLatch(gates[p]) === 1, 20, `pool ${p} busy`);
          for (let i = 0; i < 30; i++) {
            calls.push(pools[p].apply_async((x: number) => x, [i], { signal }));
          }
        }
        const reason = new Error("both");
        controller.abort(reason);
        for (const call of calls) {
          assert.equal(await rejection(deadline(call, 5)), reason);
        }
        for (const pool of pools) {
          assert.equal(await deadline(pool.apply((x) => x, [3]), 20), 3);
        }
      } finally {
        for (const gate of gates) release(gate, 1);
        for (const pool of pools) {
          await deadline(pool.terminate(), 20, "terminate");
        }
      }
    },
  );

  test(
    "a long-lived signal: 10,000 overlapping calls leave no listener behind; aborting it afterwards changes nothing",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const controller = new AbortController();
        const signal = controller.signal;
        let live = 0;
        let added = 0;
        const add = signal.addEventListener.bind(signal);
        const remove = signal.removeEventListener.bind(signal);
        signal.addEventListener = ((...args: Parameters<typeof add>) => {
          live++;
          added++;
          return add(...args);
        }) as typeof add;
        signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
          live--;
          return remove(...args);
        }) as typeof remove;
        // At most 64 in flight: the signal is in use the whole time.
        const window: AsyncResult<number>[] = [];
        const kept: AsyncResult<number>[] = [];
        for (let i = 0; i < 10_000; i++) {
          const r = pool.apply_async((x: number) => x, [i], { signal });
          window.push(r);
          if (i % 1_000 === 0) kept.push(r);
          if (window.length >= 64) {
            await deadline(window.shift()!, 20, "a call");
          }
        }
        await deadline(Promise.all(window), 20, "the last calls");
        // An unused watch stops listening on the next timer turn.
        await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(live, 0, "every listener removed");
        assert.equal(added, 1, "one listener for all of them");
        controller.abort(new Error("too late"));
        for (let k = 0; k < kept.length; k++) {
          assert.equal(kept[k].successful(), true);
          assert.equal(await kept[k], k * 1_000);
        }
        assert.equal(await deadline(pool.apply((x) => x, [9]), 20), 9);
      });
    },
  );
});

describe("a frozen signal", () => {
  test(
    "works where the runtime lets it take a listener (Bun), else the call throws a TypeError naming the fix (Deno, Node)",
    T,
    async () => {
      // Does this runtime's frozen AbortSignal take a listener at all?
      const probe = Object.freeze(new AbortController().signal);
      let takes = true;
      try {
        probe.addEventListener("abort", () => {});
      } catch {
        takes = false;
      }
      await withPool({ processes: 1 }, async (pool) => {
        for (const method of ["apply_async", "map_async", "imap"] as const) {
          const controller = new AbortController();
          const signal = Object.freeze(controller.signal);
          const call = () =>
            method === "apply_async"
              ? pool.apply_async((x: number) => x, [1], { signal }).get(20)
              : method === "map_async"
              ? pool.map_async((x: number) => x, [1], { signal }).get(20)
              : pool.imap((x: number) => x, [1], { signal }).next();
          if (takes) {
            await deadline(Promise.resolve(call()), 20, method);
          } else {
            assert.throws(call, (error: unknown) => {
              assert.ok(error instanceof TypeError, String(error));
              assert.match(error.message, /'signal'.*not frozen/);
              return true;
            }, method);
          }
        }
        // Nothing half-made: the pool goes on, with and without a signal.
        assert.equal(await pool.apply((x: number) => x + 1, [1]), 2);
        const signal = new AbortController().signal;
        assert.equal(
          await pool.apply((x: number) => x + 1, [2], { signal }),
          3,
        );
      });
    },
  );

  test(
    "calls made from abort listeners, before and after the pool's own, reject with the reason; nothing runs",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const controller = new AbortController();
        const signal = controller.signal;
        const ran = latch(1);
        const mark = (sab: SharedArrayBuffer) => {
          Atomics.add(new Int32Array(sab), 0, 1);
          return "ran";
        };
        const made: AsyncResult<unknown>[] = [];
        // Added before the pool's listener (made by the first call).
        signal.addEventListener("abort", () => {
          made.push(pool.apply_async(mark, [ran], { signal }));
        });
        const nap = (ms: number) =>
          new Promise((resolve) => setTimeout(() => resolve(ms), ms));
        const running = pool.apply_async(nap, [200], { signal });
        const queued = pool.apply_async(mark, [ran], { signal });
        // Added after it.
        signal.addEventListener("abort", () => {
          made.push(pool.apply_async(mark, [ran], { signal }));
        });
        const reason = new Error("stop");
        controller.abort(reason);
        assert.equal(made.length, 2);
        for (const call of [running, queued, ...made]) {
          assert.equal(await deadline(rejection(call), 20, "call"), reason);
        }
        // Nothing of the aborted calls ran; the pool goes on.
        assert.equal(await pool.apply(mark, [ran]), "ran");
        assert.equal(readLatch(ran), 1);
      });
    },
  );
});
