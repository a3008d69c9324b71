/**
 * Timeouts of `AsyncResult.get()`, `AsyncResult.wait()` and
 * `IMapIterator.next()`: seconds of any size (beyond what one `setTimeout`
 * holds), zero and negative values (Python: check once, do not wait), and
 * values that are not a number of seconds.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TimeoutError } from "../mod.ts";
import { MAX_TIMER_MS, startTimer } from "../src/core/_timer.ts";
import {
  deadline,
  latch,
  rejection,
  release,
  sleep,
  T,
  withPool,
} from "./_util.ts";
import { waitFor } from "./_stop_tasks.ts";

const sleepThenReturn = async (ms: number, value: unknown) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
};

/** Returns `ms` after `ms` milliseconds. */
const sleepMs = async (ms: number) => {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
};

/**
 * Timeouts longer than one `setTimeout` can hold (2^31 − 1 ms ≈ 24.8 days),
 * up to those whose milliseconds overflow to Infinity, and Infinity itself:
 * each must wait for the result.
 */
const LONG_TIMEOUTS = [
  MAX_TIMER_MS / 1000, // the longest single timer, exactly
  MAX_TIMER_MS / 1000 + 0.001, // one millisecond more
  2 ** 31, // as seconds
  99_999_999, // the example, ~3.2 years
  1e10, // Python: OverflowError
  1e300,
  1e308, // seconds * 1000 overflows to Infinity
  Number.MAX_VALUE,
  Infinity,
];

/** Timeouts that mean "do not wait" (Python: a timeout <= 0 checks once). */
const NO_WAIT_TIMEOUTS = [0, -0, -0.001, -1, -1e308, -Infinity];

/** Values that are not a number of seconds. */
const NOT_SECONDS: [unknown, RegExp][] = [
  ["5", /received string '5'/],
  [5n, /received bigint 5n/],
  [{}, /received object/],
  [true, /received boolean/],
  [() => 1, /received function/],
];

/** Records every delay passed to setTimeout while `fn` runs. */
async function recordDelays(fn: () => Promise<void>): Promise<number[]> {
  const g = globalThis as unknown as {
    setTimeout: (...args: unknown[]) => unknown;
  };
  const original = g.setTimeout;
  const delays: number[] = [];
  g.setTimeout = (...args: unknown[]) => {
    delays.push(Number(args[1] ?? 0));
    return original(...args);
  };
  try {
    await fn();
  } finally {
    g.setTimeout = original;
  }
  return delays;
}

describe("startTimer()", () => {
  test("startTimer() chains timers for delays beyond one step", T, async () => {
    let fired = 0;
    const delays = await recordDelays(() =>
      new Promise<void>((resolve) => {
        startTimer(
          () => {
            fired++;
            resolve();
          },
          35,
          10,
        );
      })
    );
    assert.deepEqual(delays, [10, 10, 10, 5]);
    await sleep(50);
    assert.equal(fired, 1);
  });

  test(
    "startTimer() cancelled in the middle of a chain never fires",
    T,
    async () => {
      let fired = 0;
      const cancel = startTimer(() => fired++, 60, 10);
      await sleep(25);
      cancel();
      cancel(); // twice does nothing
      await sleep(100);
      assert.equal(fired, 0);
    },
  );

  test(
    "startTimer() never passes setTimeout more than 2^31 - 1 ms",
    T,
    async () => {
      const delays = await recordDelays(() => {
        for (const seconds of [99_999_999, 1e10, 1e300]) {
          startTimer(() => {}, seconds * 1000)();
        }
        return Promise.resolve();
      });
      assert.deepEqual(delays, [MAX_TIMER_MS, MAX_TIMER_MS, MAX_TIMER_MS]);
    },
  );
});

describe("long timeouts wait", () => {
  test(
    "AsyncResult.get(timeout) waits for timeouts beyond 2^31 - 1 ms",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const delays = await recordDelays(async () => {
          const got = await deadline(
            Promise.all(
              LONG_TIMEOUTS.map((t) =>
                pool.apply_async(sleepThenReturn, [300, t]).get(t)
              ),
            ),
            30,
            "get(long)",
          );
          assert.deepEqual(got, LONG_TIMEOUTS);
        });
        assert.ok(
          delays.every((d) => d <= MAX_TIMER_MS),
          `setTimeout got ${delays.filter((d) => d > MAX_TIMER_MS)}`,
        );
      });
    },
  );

  test(
    "AsyncResult.wait(timeout) waits for timeouts beyond 2^31 - 1 ms",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const results = LONG_TIMEOUTS.map(() =>
          pool.apply_async(sleepThenReturn, [300, 1])
        );
        // One at a time: a wait that returned early finds its result not ready.
        for (let i = 0; i < results.length; i++) {
          const t = LONG_TIMEOUTS[i];
          await deadline(results[i].wait(t), 20, `wait(${t})`);
          assert.equal(results[i].ready(), true, `wait(${t}) returned early`);
        }
      });
    },
  );

  test(
    "IMapIterator.next(timeout) waits for timeouts beyond 2^31 - 1 ms",
    T,
    async () => {
      await withPool({}, async (pool) => {
        for (const ordered of [true, false]) {
          const items = LONG_TIMEOUTS.map((_, i) => 100 + i);
          const it = ordered
            ? pool.imap(sleepMs, items)
            : pool.imap_unordered(sleepMs, items);
          const got: number[] = [];
          for (const t of LONG_TIMEOUTS) {
            const step = await deadline(it.next(t), 20, `next(${t})`);
            assert.equal(step.done, false);
            got.push(step.value);
          }
          assert.deepEqual(got.sort((a, b) => a - b), items);
          assert.equal((await deadline(it.next(1e10), 20, "last")).done, true);
        }
      });
    },
  );
});

describe("zero and negative timeouts do not wait", () => {
  test(
    "AsyncResult.get(timeout <= 0) rejects with TimeoutError when not ready, as Python",
    T,
    async () => {
      await withPool({}, async (pool) => {
        // Not ready until released (a timed task could end meanwhile on a
        // loaded machine).
        const gate = latch(2);
        const result = pool.apply_async(waitFor, [gate]);
        for (const t of NO_WAIT_TIMEOUTS) {
          const error = await deadline(
            rejection(result.get(t)),
            5,
            `get(${t})`,
          );
          assert.ok(error instanceof TimeoutError, `get(${t}): ${error}`);
        }
        assert.equal(result.ready(), false);
        release(gate, 1);
        assert.equal(await deadline(result.get(), 20, "get()"), "released");
        // Ready: a timeout <= 0 gives the value (Python returns it too).
        for (const t of NO_WAIT_TIMEOUTS) {
          assert.equal(await result.get(t), "released", `get(${t}) when ready`);
        }
      });
    },
  );

  test(
    "AsyncResult.wait(timeout <= 0) resolves at once when not ready",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const gate = latch(2);
        const result = pool.apply_async(waitFor, [gate]);
        for (const t of NO_WAIT_TIMEOUTS) {
          assert.equal(
            await deadline(result.wait(t), 5, `wait(${t})`),
            undefined,
          );
          assert.equal(result.ready(), false, `wait(${t})`);
        }
        release(gate, 1);
        await deadline(result.wait(), 20, "wait()");
      });
    },
  );

  test(
    "IMapIterator.next(timeout <= 0) rejects with TimeoutError and keeps the item",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const gate = latch(2);
        const it = pool.imap(waitFor, [gate]);
        for (const t of NO_WAIT_TIMEOUTS) {
          const error = await deadline(rejection(it.next(t)), 5, `next(${t})`);
          assert.ok(error instanceof TimeoutError, `next(${t}): ${error}`);
        }
        release(gate, 1);
        // A pending next(timeout) that timed out took nothing.
        assert.deepEqual(
          await deadline(it.next(), 20, "next()"),
          { done: false, value: "released" },
        );
        assert.equal((await deadline(it.next(-1), 5, "end")).done, true);
      });
    },
  );
});

describe("timeouts that are not a number of seconds", () => {
  test(
    "AsyncResult.get(), wait() and IMapIterator.next() reject with a TypeError naming 'timeout' (NaN: RangeError)",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const result = pool.apply_async(sleepThenReturn, [100, 1]);
        const it = pool.imap((x: number) => x, [1]);
        for (const [bad, received] of NOT_SECONDS) {
          for (
            const [label, call] of [
              ["get", () => result.get(bad as number)],
              ["wait", () => result.wait(bad as number)],
              ["next", () => it.next(bad as number)],
            ] as const
          ) {
            const error = await deadline(
              rejection(call(), `${label}(${String(bad)})`),
              5,
              label,
            );
            assert.ok(error instanceof TypeError, `${label}: ${error}`);
            assert.match(
              error.message,
              /'timeout' must be a number of seconds/,
            );
            assert.match(error.message, received, label);
          }
        }
        // NaN is a number out of range: a RangeError, as for every option.
        for (
          const [label, call] of [
            ["get", () => result.get(NaN)],
            ["wait", () => result.wait(NaN)],
            ["next", () => it.next(NaN)],
          ] as const
        ) {
          const error = await deadline(rejection(call(), label), 5, label);
          assert.ok(error instanceof RangeError, `${label}(NaN): ${error}`);
          assert.match(error.message, /'timeout' must be a number of seconds/);
          assert.match(error.message, /received NaN/);
        }
        // Nothing was consumed or broken by the refused calls.
        assert.equal(
          await deadline(result.get(null as unknown as number), 20, "get"),
          1,
        );
        assert.deepEqual(await deadline(it.next(undefined), 20, "next"), {
          done: false,
          value: 1,
        });
      });
    },
  );
});
