/**
 * Worker-start faults. A replacement worker that does not start (its
 * adapter's `spawn()` throws, as on a transient EAGAIN or too many threads;
 * or it ends before `ready`) is started again after a bounded backoff while
 * its work stays queued; only a failure that persists breaks the pool, with
 * an error naming the cause, saying the pool is broken and naming the fix.
 * A worker of the start that does not start breaks the pool at once.
 *
 * And a worker's `fatal` report tells a protocol slip by a field of the
 * message, never by the name of the error: a user's own error class named
 * `WireError` that kills a worker is the user's error.
 *
 * Real workers underneath (tests/_custom_adapter.ts, public API only).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Pool,
  RemoteError,
  WireError,
  type WorkerAdapter,
  type WorkerEvents,
  type WorkerHandle,
  WorkerLostError,
} from "../mod.ts";
import { customAdapter } from "./_custom_adapter.ts";
import {
  deadline,
  isDenoWeb,
  poolOptions,
  rejection,
  runtime,
  settle,
  T,
} from "./_util.ts";

/** What the n-th spawn (from 1) does: start, throw, or end before `ready`. */
type Start = "ok" | "throw" | "die";

/** The custom adapter whose n-th `spawn()` does what `plan(n)` says. */
function flaky(plan: (n: number) => Start): WorkerAdapter & { spawns: number } {
  const base = customAdapter();
  return {
    name: "flaky",
    sharedMemory: false,
    spawns: 0,
    spawn(options, events: WorkerEvents): WorkerHandle {
      const what = plan(++this.spawns);
      if (what === "throw") {
        throw new Error(`EAGAIN: cannot start thread ${this.spawns}`);
      }
      if (what === "ok") return base.spawn(options, events);
      // It ends before it says ready, as a worker_threads Worker whose
      // thread could not start does (an `error` event, then `exit`).
      const timer = setTimeout(() => {
        events.exit({ code: 1, error: new Error("ERR_WORKER_INIT_FAILED") });
      }, 5);
      return {
        post() {},
        terminate() {
          clearTimeout(timer);
          return Promise.resolve();
        },
      };
    },
  };
}

/** Every apply settles; the right value, or `broke` for each failure. */
async function applyAll(
  pool: Pool,
  count: number,
  broke?: (error: Error) => void,
): Promise<number> {
  const results = await deadline(
    Promise.all(
      Array.from(
        { length: count },
        (_, i) => settle(pool.apply((x: number) => x * 10, [i])),
      ),
    ),
    40,
    "every task",
  );
  let failed = 0;
  results.forEach((result, i) => {
    if (result.ok) assert.equal(result.value, i * 10);
    else {
      failed++;
      assert.ok(broke, `task ${i} rejected: ${result.error}`);
      broke(result.error as Error);
    }
  });
  return failed;
}

const BROKEN =
  /the pool is broken: every pending and later task rejects.*create a new pool/;

describe("A replacement worker that does not start", () => {
  // maxtasksperchild: 1 replaces every worker after each task, so spawns
  // after the first two are replacements.
  for (
    const [what, plan] of [
      ["spawn() throws once", (n: number) => n === 3 ? "throw" : "ok"],
      [
        "spawn() throws twice",
        (n: number) => n === 3 || n === 4 ? "throw" : "ok",
      ],
      ["it ends before ready once", (n: number) => n === 3 ? "die" : "ok"],
      [
        "spawn() throws, then it ends before ready, then throws",
        (n: number) =>
          n === 3 ? "throw" : n === 4 ? "die" : n === 5 ? "throw" : "ok",
      ],
    ] as [string, (n: number) => Start][]
  ) {
    test(
      `${what}: it is started again, every task settles with its value, the pool goes on`,
      T,
      async () => {
        const adapter = flaky(plan);
        const pool = new Pool({
          processes: 2,
          maxtasksperchild: 1,
          context: adapter,
        });
        try {
          assert.equal(await applyAll(pool, 8), 0);
          assert.equal(await deadline(pool.apply(() => "after"), 30), "after");
          assert.ok(adapter.spawns >= 10, `spawns ${adapter.spawns}`);
        } finally {
          await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
        }
      },
    );
  }

  for (const how of ["throw", "die"] as const) {
    test(
      `${
        how === "throw" ? "spawn() throws" : "it ends before ready"
      } every time: pending tasks reject with an error naming the cause, the pool is broken, later calls reject at once`,
      T,
      async () => {
        const adapter = flaky((n) => n <= 2 ? "ok" : how);
        const pool = new Pool({
          processes: 2,
          maxtasksperchild: 1,
          context: adapter,
        });
        try {
          const errors: Error[] = [];
          const failed = await applyAll(pool, 6, (e) => errors.push(e));
          assert.ok(failed >= 1, "no task rejected");
          const error = errors[0];
          for (const e of errors) assert.equal(e, error, "one error for all");
          assert.match(error.message, BROKEN);
          assert.match(error.message, /\d+ starts in a row failed over/);
          if (how === "throw") {
            assert.match(
              error.message,
              /Cannot start worker 'PoolWorker-\d+': EAGAIN/,
            );
            assert.match((error.cause as Error).message, /^EAGAIN/);
          } else {
            assert.ok(error instanceof WorkerLostError, String(error));
            assert.match(error.message, /exited during start-up/);
            assert.equal(
              (error.cause as Error).message,
              "ERR_WORKER_INIT_FAILED",
            );
          }
          // Bounded: 9 rounds of starts at most (8 retries), each of the
          // two replacements, plus the starts of replacements that come in
          // between rounds.
          assert.ok(adapter.spawns <= 30, `spawns ${adapter.spawns}`);
          const spawns = adapter.spawns;
          const later = await deadline(rejection(pool.apply(() => 1)), 5);
          assert.equal(later, error);
          assert.equal(
            await deadline(rejection(pool.map((x: number) => x, [1])), 5),
            error,
          );
          assert.equal(adapter.spawns, spawns, "no worker starts after");
        } finally {
          await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
        }
      },
    );
  }

  test(
    "terminate() while a start is being retried: no timer is left, tasks reject with AbortError",
    T,
    async () => {
      const adapter = flaky((n) => n <= 1 ? "ok" : "throw");
      const pool = new Pool({
        processes: 1,
        maxtasksperchild: 1,
        context: adapter,
      });
      const first = pool.apply(() => 1);
      const second = settle(pool.apply(() => 2));
      assert.equal(await deadline(first, 30), 1);
      await deadline(pool.terminate(), 20, "pool.terminate()");
      const result = await deadline(second, 5);
      assert.equal(result.ok, false);
      assert.equal((result as { error: Error }).error.name, "AbortError");
    },
  );
});

describe("A worker of the start that does not start", () => {
  for (const how of ["throw", "die"] as const) {
    test(
      `${
        how === "throw" ? "spawn() throws" : "it ends before ready"
      }: the pool breaks at once (no retry), naming the cause and the fix`,
      T,
      async () => {
        const adapter = flaky(() => how);
        const pool = new Pool({ processes: 1, context: adapter });
        try {
          const error = await deadline(rejection(pool.apply(() => 1)), 20);
          assert.match(error.message, /Cannot start worker 'PoolWorker-1'/);
          assert.match(error.message, BROKEN);
          assert.doesNotMatch(error.message, /in a row/);
          assert.ok(error.cause instanceof Error);
          assert.equal(adapter.spawns, 1);
          assert.equal(
            await deadline(rejection(pool.apply(() => 1)), 5),
            error,
          );
        } finally {
          await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
        }
      },
    );
  }
});

describe("A user's error class named WireError", () => {
  test(
    "in a worker's fatal report without the protocol field: a worker death, not a protocol slip",
    T,
    async () => {
      const base = customAdapter();
      let spawns = 0;
      const adapter: WorkerAdapter = {
        name: "user-wire-error",
        sharedMemory: false,
        spawn(options, events) {
          const first = ++spawns === 1;
          const handle = base.spawn(options, {
            message(data) {
              events.message(data);
              if (!first || (data as { type?: string })?.type !== "ready") {
                return;
              }
              // What the worker posts when the user's code leaves behind
              // an error named WireError (see the next test).
              void handle.terminate();
              events.message({
                type: "fatal",
                error: { name: "WireError", message: "the user's own" },
                started: 0,
              });
            },
            exit: (info) => events.exit(info),
          });
          return handle;
        },
      };
      const pool = new Pool({ processes: 1, context: adapter });
      try {
        const result = await deadline(
          settle(pool.apply((x: number) => x + 1, [1])),
          30,
        );
        if (result.ok) assert.equal(result.value, 2);
        else {
          assert.ok(!(result.error instanceof WireError), String(result.error));
          assert.ok(result.error instanceof WorkerLostError);
        }
        assert.equal(await deadline(pool.apply(() => 7), 30), 7);
        assert.ok(spawns >= 2, "the worker was replaced");
      } finally {
        await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
      }
    },
  );

  test(
    "thrown outside any task: its task rejects with WorkerLostError, the pool goes on",
    T,
    async () => {
      const pool = new Pool(poolOptions({ processes: 1 }));
      try {
        const error = await deadline(
          rejection(pool.apply(() => {
            class WireError extends Error {
              override name = "WireError";
            }
            setTimeout(() => {
              throw new WireError("the user's own");
            }, 0);
            return new Promise(() => {});
          })),
          40,
        );
        assert.ok(!(error instanceof WireError), String(error));
        assert.ok(error instanceof WorkerLostError, String(error));
        // Where the worker's own handler sees it (see unusual_throw_test).
        if (runtime !== "bun" && !isDenoWeb) {
          assert.ok(error.cause instanceof RemoteError, String(error.cause));
          assert.equal(error.cause.name, "WireError");
          assert.equal(error.cause.message, "the user's own");
        }
        assert.equal(await deadline(pool.apply(() => "after"), 30), "after");
      } finally {
        await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
      }
    },
  );

  test(
    "thrown by what an initializer left behind: the user's error, never a WireError",
    T,
    async () => {
      const pool = new Pool(poolOptions({
        initializer: () => {
          class WireError extends Error {
            override name = "WireError";
          }
          setTimeout(() => {
            throw new WireError("left by the initializer");
          }, 0);
        },
      }));
      try {
        const result = await deadline(
          settle(pool.apply(async (x: number) => {
            await new Promise((resolve) => setTimeout(resolve, 200));
            return x + 1;
          }, [1])),
          40,
          "a task of a pool whose initializer leaves an error behind",
        );
        // Its worker dies under it, or (workers dying before finishing
        // any task) the restart-loop guard breaks the pool.
        assert.equal(result.ok, false);
        const error = (result as { error: Error }).error;
        assert.ok(!(error instanceof WireError), String(error));
        assert.ok(error instanceof WorkerLostError, String(error));
      } finally {
        await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
      }
    },
  );
});
