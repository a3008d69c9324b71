/**
 * Workers that keep dying without finishing a task stop the pool with an
 * error naming the cause, instead of being restarted forever: an
 * initializer that leaves a stray rejection behind (the worker says
 * `ready`, then dies). Found by a tester of issue 11.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool, type WorkerAdapter, WorkerLostError } from "../mod.ts";
import { customAdapter } from "./_custom_adapter.ts";
import {
  deadline,
  poolOptions,
  rejection,
  runtime,
  settle,
  T,
} from "./_util.ts";

const LOOP =
  /Workers keep dying before finishing any task: \d+ in a row.*instead of restarting them forever: fix what kills them/;

/**
 * Real workers whose every `ready` is followed by the `fatal` report a
 * worker sends when something it left behind kills it (as Node does for
 * an initializer's stray rejection): deterministic on every runtime.
 */
function diesAfterReady(counts: { spawned: number }): WorkerAdapter {
  const base = customAdapter();
  return {
    name: "dies-after-ready",
    sharedMemory: false,
    spawn(options, events) {
      counts.spawned++;
      return base.spawn(options, {
        message(data) {
          events.message(data);
          if ((data as { type?: string })?.type !== "ready") return;
          events.message({
            type: "fatal",
            error: { name: "Error", message: "left behind by init" },
            started: 0,
          });
        },
        exit: (info) => events.exit(info),
      });
    },
  };
}

describe("Workers that die before finishing any task", () => {
  test(
    "after ready, with none started: the pool breaks after a few, naming the cause",
    T,
    async () => {
      const counts = { spawned: 0 };
      const pool = new Pool({ processes: 2, context: diesAfterReady(counts) });
      try {
        const errors = await deadline(
          Promise.all([
            rejection(pool.apply((x: number) => x + 1, [1])),
            rejection(pool.map((x: number) => x * 2, [1, 2, 3, 4], 1)),
          ]),
          30,
          "the tasks of a pool whose workers keep dying",
        );
        for (const error of errors) {
          assert.ok(error instanceof WorkerLostError, String(error));
          assert.match(error.message, LOOP);
          assert.match(error.message, /left behind by init/);
          assert.equal((error.cause as Error)?.message, "left behind by init");
        }
        const later = await deadline(rejection(pool.apply(() => 1)), 10);
        assert.equal(later, errors[0]);
        // max(3, processes + 1) deaths in a row, then none more.
        assert.ok(counts.spawned <= 4, `spawned ${counts.spawned}`);
      } finally {
        await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
      }
    },
  );

  test(
    "an initializer's stray rejection: its task settles, no restart loop",
    T,
    async () => {
      const pool = new Pool(poolOptions({
        initializer: () => {
          Promise.reject(new Error("stray in init"));
        },
      }));
      try {
        // Node kills a worker on an unhandled rejection; Deno and Bun
        // workers may live on and run the task: either way it settles.
        const result = await deadline(
          settle(pool.apply((x: number) => x + 1, [1])),
          30,
          "a task of a pool whose initializer leaves a rejection",
        );
        if (runtime === "node") assert.equal(result.ok, false);
        if (!result.ok) {
          const error = result.error as Error;
          assert.ok(error instanceof WorkerLostError, String(error));
          assert.match(error.message, LOOP);
          assert.match(error.message, /stray in init/);
        }
      } finally {
        await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
      }
    },
  );
});

describe("An adapter's events.exit()", () => {
  for (const info of [undefined, null]) {
    test(
      `with ${info}: the worker counts as dead, nothing throws`,
      T,
      async () => {
        const base = customAdapter();
        const thrown: unknown[] = [];
        let spawned = 0;
        const adapter: WorkerAdapter = {
          name: "exit-without-info",
          sharedMemory: false,
          spawn(options, events) {
            const first = ++spawned === 1;
            const handle = base.spawn(options, {
              message(data) {
                events.message(data);
                if (!first || (data as { type?: string })?.type !== "ready") {
                  return;
                }
                void handle.terminate();
                try {
                  (events.exit as (info?: unknown) => void)(info);
                } catch (error) {
                  thrown.push(error);
                }
              },
              exit: (i) => events.exit(i),
            });
            return handle;
          },
        };
        const pool = new Pool({ processes: 1, context: adapter });
        try {
          const result = await deadline(
            settle(pool.apply((x: number) => x + 1, [1])),
            30,
            "a task whose worker exited without info",
          );
          assert.deepEqual(thrown, []);
          // It ran on the replacement, or was blamed (no gate): it settled.
          if (result.ok) assert.equal(result.value, 2);
          else assert.ok(result.error instanceof WorkerLostError);
          assert.equal(await deadline(pool.apply(() => 7), 30), 7);
        } finally {
          await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
        }
      },
    );
  }
});

describe("A handle whose terminate() never settles", () => {
  /** The custom adapter, its handles' terminate() pending forever. */
  function stuck(): WorkerAdapter {
    const base = customAdapter();
    return {
      name: "stuck",
      sharedMemory: false,
      spawn(options, events) {
        const handle = base.spawn(options, events);
        return {
          ...handle,
          terminate() {
            void handle.terminate(); // the worker does stop
            return new Promise<void>(() => {});
          },
        };
      },
    };
  }

  test("pool.terminate() resolves after a bounded wait", T, async () => {
    const pool = new Pool({ processes: 1, context: stuck() });
    assert.equal(await deadline(pool.apply(() => 1), 30), 1);
    await deadline(pool.terminate(), 20, "pool.terminate()");
  });

  test("close(); join() resolves after a bounded wait", T, async () => {
    const pool = new Pool({ processes: 1, context: stuck() });
    try {
      assert.equal(await deadline(pool.apply(() => 1), 30), 1);
      pool.close();
      await deadline(pool.join(), 20, "pool.join()");
    } finally {
      await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
    }
  });
});

describe("An adapter that says sharedMemory: true but cannot share", () => {
  const variants: [string, (control: Int32Array) => unknown, RegExp][] = [
    ["serialised", (c) => JSON.parse(JSON.stringify(c)), /arrived as Object/],
    [
      "copied",
      (c) => new Int32Array(c),
      /arrived as an Int32Array over a copied/,
    ],
  ];
  for (const [how, carry, what] of variants) {
    test(
      `(control buffer ${how}): tasks reject naming the fix`,
      T,
      async () => {
        const base = customAdapter();
        let spawned = 0;
        const adapter: WorkerAdapter = {
          name: "not-shared",
          sharedMemory: true,
          spawn(options, events) {
            spawned++;
            const handle = base.spawn(options, events);
            return {
              ...handle,
              post(data, transfer) {
                const msg = data as { type?: string; control?: Int32Array };
                if (msg?.type === "init" && msg.control !== undefined) {
                  data = { ...msg, control: carry(msg.control) };
                }
                handle.post(data, transfer);
              },
            };
          },
        };
        const pool = new Pool({ processes: 2, context: adapter });
        try {
          const error = await deadline(
            rejection(pool.apply((x: number) => x + 1, [1])),
            30,
            "a task over a transport that cannot share",
          );
          assert.match(
            error.message,
            /the adapter says sharedMemory: true but the control buffer arrived as .*set sharedMemory: false in the adapter/,
          );
          assert.match(error.message, what);
          assert.ok(spawned <= 3, `spawned ${spawned}`);
        } finally {
          await deadline(pool.terminate(), 20, "pool.terminate() in cleanup");
        }
      },
    );
  }
});
