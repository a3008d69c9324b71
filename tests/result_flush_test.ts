/**
 * A worker posts the results it has finished before it starts a task that
 * may run long, so a finished result never waits behind a later task and is
 * never lost with the worker when that task kills it (issue 10, item 3).
 * The long task is another function, the same function with a bigger
 * argument, an async function busy before its first `await`, or a map
 * chunk; the killer exits, closes or throws outside any task.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Pool, WorkerLostError } from "../mod.ts";
import {
  deadline,
  effectiveContext,
  isDenoWeb,
  latch,
  readLatch,
  rejection,
  T,
  withPool,
} from "./_util.ts";

/** How long the long task computes (ms); the tiny results must come well before it ends. */
const LONG_MS = 2000;

const tiny = (x: number) => x + 1;
/** Computes for `ms` milliseconds, then returns `value`. */
const spin = (ms: number, value: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
  return value;
};
/** The same, async: busy before its first await. */
const spinAsync = async (ms: number, value: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
  await null;
  return value;
};

/** Runs each submission a few times so the worker has measured them. */
async function warmUp(submit: () => PromiseLike<unknown>[]): Promise<void> {
  for (let round = 0; round < 5; round++) {
    await deadline(Promise.all(submit()), 20, "warm-up");
  }
}

/**
 * Submits the tiny tasks, then the long one, and checks that every tiny
 * result arrived well before the long one ended (held results would arrive
 * with it).
 */
async function noneHeldBack(
  submitTiny: () => PromiseLike<number>[],
  submitLong: () => PromiseLike<unknown>,
  expected: number[],
): Promise<void> {
  const tinyResults = submitTiny();
  const long = submitLong();
  const values = await deadline(Promise.all(tinyResults), 20, "tiny results");
  const tinyDone = performance.now();
  await deadline(long, 30, "long task");
  const longDone = performance.now();
  assert.deepEqual(values, expected);
  assert.ok(
    longDone - tinyDone >= LONG_MS / 2,
    `the tiny results arrived only ${
      Math.round(longDone - tinyDone)
    } ms before the ${LONG_MS} ms task ended: they were held back behind it`,
  );
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("Results are posted before a long task", () => {
  test(
    "Pool.apply_async() results arrive while a long task of another function runs",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const submit = () => range(20).map((i) => pool.apply_async(tiny, [i]));
        await warmUp(submit);
        await noneHeldBack(
          submit,
          () => pool.apply_async(spin, [LONG_MS, -1]),
          range(20).map((i) => i + 1),
        );
      });
    },
  );

  test(
    "Pool.apply_async() results arrive while the same function runs long on a bigger argument",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const submit = () =>
          range(20).map((i) => pool.apply_async(spin, [0, i]));
        await warmUp(submit);
        await noneHeldBack(
          submit,
          () => pool.apply_async(spin, [LONG_MS, -1]),
          range(20),
        );
      });
    },
  );

  test(
    "Pool.apply_async() results arrive while an async task computes before its first await",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const submit = () =>
          range(20).map((i) => pool.apply_async(spinAsync, [0, i]));
        await warmUp(submit);
        await noneHeldBack(
          submit,
          () => pool.apply_async(spinAsync, [LONG_MS, -1]),
          range(20),
        );
      });
    },
  );

  test(
    "Pool.starmap_async() chunk results arrive while a later chunk runs long",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const submit = () =>
          range(20).map((i) =>
            pool.starmap_async(spin, [[0, i], [0, i]], 2).then((v) => v[0])
          );
        await warmUp(submit);
        await noneHeldBack(
          submit,
          () => pool.starmap_async(spin, [[0, 0], [LONG_MS, -1]], 2),
          range(20),
        );
      });
    },
  );
});

/** Counts its runs in a shared cell and returns `i * 2`. */
const counted = (sab: SharedArrayBuffer, i: number) => {
  Atomics.add(new Int32Array(sab), 0, 1);
  return i * 2;
};

/** The ways a task can kill its worker, where each one works. */
const KILLERS: [string, false | string, (how: string) => unknown][] = [
  [
    "process.exit()",
    isDenoWeb ? "process.exit() does not end a Deno web worker" : false,
    () => {
      // deno-lint-ignore no-explicit-any
      (globalThis as any).process.exit(3);
      return new Promise(() => {});
    },
  ],
  [
    "self.close()",
    isDenoWeb ? false : "self.close() ends only Deno web workers",
    () => {
      // deno-lint-ignore no-explicit-any
      (globalThis as any).close();
      return new Promise(() => {});
    },
  ],
  [
    "an uncaught throw",
    false,
    () => {
      setTimeout(() => {
        throw new Error("uncaught");
      }, 0);
      return new Promise(() => {});
    },
  ],
  [
    "a busy computation, then process.exit()",
    isDenoWeb ? "process.exit() does not end a Deno web worker" : false,
    () => {
      const end = Date.now() + 300;
      while (Date.now() < end) {
        // busy
      }
      // deno-lint-ignore no-explicit-any
      (globalThis as any).process.exit(3);
    },
  ],
];

async function finishedSurviveDeath(
  pool: Pool,
  killer: (how: string) => unknown,
): Promise<void> {
  const sab = latch(1);
  await warmUp(() => range(20).map((i) => pool.apply_async(counted, [sab, i])));
  const before = readLatch(sab);
  const results = range(20).map((i) => pool.apply_async(counted, [sab, i]));
  const killed = pool.apply_async(killer, ["kill"]);
  const error = await deadline(rejection(killed), 40, "killer");
  assert.ok(error instanceof WorkerLostError, String(error));
  const settled = await deadline(Promise.allSettled(results), 20, "tiny");
  assert.deepEqual(
    settled.map((s) => s.status === "fulfilled" ? s.value : String(s.reason)),
    range(20).map((i) => i * 2),
  );
  // Their results were sent, not recomputed after the death.
  assert.equal(readLatch(sab) - before, 20);
  assert.equal(await deadline(pool.apply(tiny, [1]), 20, "after"), 2);
}

describe("Finished results survive a later death of their worker", () => {
  for (const [label, skip, killer] of KILLERS) {
    test(
      `Pool.apply_async() results finished before ${label} resolve with their values; only the killer rejects`,
      { ...T, skip },
      async () => {
        await withPool(
          { processes: 1 },
          (pool) => finishedSurviveDeath(pool, killer),
        );
      },
    );
  }

  test(
    "Pool.apply_async() results finished before the same function kills the worker resolve with their values",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const sab = latch(1);
        const work = (
          cells: SharedArrayBuffer,
          i: number,
          kill: "" | "exit" | "close",
        ) => {
          // deno-lint-ignore no-explicit-any
          const g = globalThis as any;
          if (kill === "exit") g.process.exit(3);
          if (kill === "close") {
            g.close();
            return new Promise(() => {});
          }
          Atomics.add(new Int32Array(cells), 0, 1);
          return i * 2;
        };
        await warmUp(() =>
          range(20).map((i) => pool.apply_async(work, [sab, i, ""]))
        );
        const before = readLatch(sab);
        const results = range(20).map((i) =>
          pool.apply_async(work, [sab, i, ""])
        );
        const error = await deadline(
          rejection(
            pool.apply_async(work, [sab, 0, isDenoWeb ? "close" : "exit"]),
          ),
          40,
          "killer",
        );
        assert.ok(error instanceof WorkerLostError, String(error));
        assert.deepEqual(
          await deadline(Promise.all(results), 20, "tiny"),
          range(20).map((i) => i * 2),
        );
        assert.equal(readLatch(sab) - before, 20);
      });
    },
  );
});

describe("Finished results survive a death their worker cannot see coming", () => {
  test(
    "Pool.apply_async() tasks finished before an unannounced death (as out of memory) resolve with their values; only the killer rejects",
    {
      ...T,
      // process.reallyExit ends a worker without running its exit hooks,
      // as running out of memory does; on web workers it is absent or ends
      // the whole process.
      skip: effectiveContext === "web"
        ? "needs process.reallyExit, which web workers lack"
        : false,
    },
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const sab = latch(2);
        // Counts its runs in cell 0; the run that reaches cell 1 ends the
        // worker at once: a task of the same shape as the ones before it.
        const work = (cells: SharedArrayBuffer, i: number) => {
          const c = new Int32Array(cells);
          if (Atomics.add(c, 0, 1) + 1 === Atomics.load(c, 1)) {
            // deno-lint-ignore no-explicit-any
            (globalThis as any).process.reallyExit(3);
          }
          return i * 2;
        };
        await warmUp(() =>
          range(21).map((i) => pool.apply_async(work, [sab, i]))
        );
        Atomics.store(new Int32Array(sab), 1, readLatch(sab) + 21);
        const results = range(21).map((i) => pool.apply_async(work, [sab, i]));
        const settled = await deadline(
          Promise.allSettled(results),
          40,
          "results",
        );
        const killer = settled.pop()!;
        assert.equal(killer.status, "rejected");
        const error = (killer as PromiseRejectedResult).reason;
        assert.ok(error instanceof WorkerLostError, String(error));
        assert.deepEqual(
          settled.map((s) =>
            s.status === "fulfilled" ? s.value : String(s.reason)
          ),
          range(20).map((i) => i * 2),
        );
        assert.equal(await deadline(pool.apply(tiny, [1]), 20, "after"), 2);
      });
    },
  );
});
