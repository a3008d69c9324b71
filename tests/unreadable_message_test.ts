/**
 * A message the other side cannot read (its `messageerror` event): a
 * value nested a few thousand levels deep is copied by `postMessage` but
 * cannot be read back on Node and Deno (their deserializer runs out of
 * stack; Bun reads it). Found by a tester: a deep argument on Deno jammed
 * its worker for good, a deep result on Node and Deno never settled, and a
 * deep `reportProgress` value on Node was dropped without a word. Whatever
 * the runtime, each call settles (the value, or an error naming the cause),
 * a value is never lost silently, and the pool goes on.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  currentProcess,
  RemoteError,
  reportProgress,
  WorkerLostError,
} from "../mod.ts";
import {
  deadline,
  latch,
  readLatch,
  runtime,
  settle,
  T,
  until,
  withPool,
} from "./_util.ts";

/** A chain `{ c: { c: ... } }` `n` levels deep (self-contained: sent as source). */
const makeDeep = (n: number) => {
  const root: { c?: unknown } = {};
  let o = root;
  for (let i = 0; i < n; i++) {
    const next = {};
    o.c = next;
    o = next;
  }
  return root;
};

/** The depth of such a chain (self-contained: sent as source). */
const depthOf = (value: unknown) => {
  let n = 0;
  let o = value as { c?: unknown } | undefined;
  while (o !== undefined && o.c !== undefined) {
    o = o.c as { c?: unknown };
    n++;
  }
  return n;
};

/** Depths that Node or Deno cannot read back (3,000), or cannot copy at all. */
const DEPTHS = [3_000, 12_000];

/** A rejection for a deep value: named, and saying what to do. */
function assertDeepError(error: unknown, label: string): void {
  assert.ok(error instanceof Error, `${label}: ${String(error)}`);
  assert.match(
    error.message,
    /nested too deeply|could not be read|could not read|clone|stack/i,
    `${label}: ${error.name}: ${error.message}`,
  );
}

/** The pool still runs plain work right, and stats() adds up at the end. */
async function assertGoesOn(
  pool: import("../mod.ts").Pool,
  submitted: number,
): Promise<void> {
  const values = Array.from({ length: 8 }, (_, i) => i);
  assert.deepEqual(
    await deadline(pool.map((x: number) => x * 2, values, 1), 30, "map after"),
    values.map((x) => x * 2),
  );
  await until(() => pool.stats().running === 0, 10, "running 0");
  const s = pool.stats();
  assert.equal(s.queued, 0);
  assert.equal(s.completed + s.failed, submitted + values.length);
}

describe("A message the other side cannot read (messageerror)", () => {
  test(
    "a result nested too deeply: the call settles, with it or a named error; the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        for (const depth of DEPTHS) {
          const r = await deadline(
            settle(pool.apply(makeDeep, [depth])),
            30,
            `apply returning depth ${depth}`,
          );
          if (r.ok) assert.equal(depthOf(r.value), depth);
          else assertDeepError(r.error, `result of depth ${depth}`);
        }
        await assertGoesOn(pool, DEPTHS.length);
      });
    },
  );

  test(
    "an argument nested too deeply: the call settles, run or refused naming it; the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        for (const depth of DEPTHS) {
          const r = await deadline(
            settle(pool.apply(depthOf, [makeDeep(depth)])),
            30,
            `apply with an argument of depth ${depth}`,
          );
          if (r.ok) assert.equal(r.value, depth);
          else {
            assertDeepError(r.error, `argument of depth ${depth}`);
            assert.ok(
              !(r.error instanceof WorkerLostError),
              "a task whose arguments cannot be read is refused, not blamed on a death",
            );
          }
        }
        await assertGoesOn(pool, DEPTHS.length);
      });
    },
  );

  test(
    "an argument nested too deeply sent in one message with others: only its task is refused",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        await pool.apply((x: number) => x, [0]); // started: no wait for it
        // Submitted in one turn: sent to the one worker in one message.
        const before = pool.apply((x: number) => x + 1, [1]);
        const deep = settle(pool.apply(depthOf, [makeDeep(3_000)]));
        const after = pool.map((x: number) => x * 3, [1, 2, 3], 1);
        const [b, d, a] = await deadline(
          Promise.all([before, deep, after]),
          30,
          "calls sent with a deep argument",
        );
        assert.equal(b, 2);
        assert.deepEqual(a, [3, 6, 9]);
        if (d.ok) assert.equal(d.value, 3_000);
        else assertDeepError(d.error, "argument sent with others");
        await assertGoesOn(pool, 6); // 1 + 1 + 1 + 3 tasks
      });
    },
  );

  test(
    "an argument nested too deeply sent while the workers' initializer runs: the pool does not break",
    T,
    async () => {
      await withPool({
        initializer: () => new Promise<void>((r) => setTimeout(r, 300)),
      }, async (pool) => {
        const r = await deadline(
          settle(pool.apply(depthOf, [makeDeep(3_000)])),
          30,
          "apply with a deep argument during the initializer",
        );
        if (r.ok) assert.equal(r.value, 3_000);
        else {
          assertDeepError(r.error, "argument during the initializer");
          assert.ok(r.error instanceof TypeError, String(r.error));
        }
        await assertGoesOn(pool, 1);
      });
    },
  );

  test(
    "one deep item in a map: the map settles; a call beside it is untouched",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const items = [makeDeep(1), makeDeep(3_000), makeDeep(2), makeDeep(3)];
        const beside = Array.from({ length: 40 }, (_, i) => i);
        const [deep, other] = await deadline(
          Promise.all([
            settle(pool.map(depthOf, items, 1)),
            pool.map((x: number) => x + 1, beside, 1),
          ]),
          30,
          "a map with a deep item, and one beside it",
        );
        if (deep.ok) assert.deepEqual(deep.value, [1, 3_000, 2, 3]);
        else assertDeepError(deep.error, "map with a deep item");
        assert.deepEqual(other, beside.map((x) => x + 1));
        await assertGoesOn(pool, items.length + beside.length);
      });
    },
  );

  test(
    "a thrown value nested too deeply: a RemoteError describing it; the worker lives",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const first = await pool.apply(() => currentProcess().name);
        for (const how of ["value", "cause", "property"]) {
          const r = await deadline(
            settle(pool.apply((how: string, depth: number) => {
              const root: { c?: unknown } = {};
              let o = root;
              for (let i = 0; i < depth; i++) {
                const next = {};
                o.c = next;
                o = next;
              }
              if (how === "value") throw root;
              if (how === "cause") {
                throw new Error("deep cause", { cause: root });
              }
              throw Object.assign(new Error("deep property"), { data: root });
            }, [how, 3_000])),
            30,
            `a task throwing a deep ${how}`,
          );
          assert.equal(r.ok, false, how);
          const error = (r as { error: unknown }).error;
          assert.ok(error instanceof RemoteError, `${how}: ${String(error)}`);
        }
        // The same worker answers: it was not stopped.
        assert.equal(await pool.apply(() => currentProcess().name), first);
        await assertGoesOn(pool, 5);
      });
    },
  );

  test(
    "a result nested too deeply among others on one worker: only its task fails, the others settle once",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        await pool.apply((x: number) => x, [0]); // started: tasks go out together
        const runs = latch(8);
        const count = (runs: SharedArrayBuffer, i: number) => {
          Atomics.add(new Int32Array(runs), i, 1);
          return i;
        };
        const deep = settle(pool.apply((depth: number) => {
          const root: { c?: unknown } = {};
          let o = root;
          for (let i = 0; i < depth; i++) {
            const next = {};
            o.c = next;
            o = next;
          }
          return root;
        }, [3_000]));
        const plain = [1, 2, 3, 4, 5, 6].map((i) =>
          settle(pool.apply(count, [runs, i]))
        );
        const mapped = settle(pool.map((x: number) => x * 2, [1, 2, 3], 1));
        const [d, values, doubled] = await deadline(
          Promise.all([deep, Promise.all(plain), mapped]),
          30,
          "a deep result among plain calls",
        );
        if (d.ok) assert.equal(depthOf(d.value), 3_000);
        else assertDeepError(d.error, "deep result among others");
        if (runtime !== "deno") {
          // Node and Bun deliver the worker's later messages: nothing else
          // is touched, and each task ran once.
          assert.deepEqual(values.map((v) => v.ok && v.value), [
            1,
            2,
            3,
            4,
            5,
            6,
          ]);
          assert.deepEqual(doubled.ok && doubled.value, [2, 4, 6]);
          for (let i = 1; i <= 6; i++) {
            assert.equal(readLatch(runs, i), 1, `runs of ${i}`);
          }
        } else {
          // Deno delivers nothing more from that worker (README): it is
          // stopped, and what it held settles as on a death.
          for (const [i, v] of values.entries()) {
            if (v.ok) assert.equal(v.value, i + 1);
            else assert.ok(v.error instanceof WorkerLostError, String(v.error));
            assert.ok(readLatch(runs, i + 1) <= 2, `runs of ${i + 1}`);
          }
        }
        await assertGoesOn(pool, 11);
      });
    },
  );

  test(
    "two unreadable values in a row, a result then a progress value: neither is dropped silently",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        await pool.apply((x: number) => x, [0]); // started: tasks go out together
        const got: unknown[] = [];
        const [a, b] = await deadline(
          Promise.all([
            settle(pool.apply(makeDeep, [3_000])),
            settle(pool.apply(
              (depth: number) => {
                const root: { c?: unknown } = {};
                let o = root;
                for (let i = 0; i < depth; i++) {
                  const next = {};
                  o.c = next;
                  o = next;
                }
                reportProgress(root);
                return "b";
              },
              [3_000],
              {
                onProgress: (v) =>
                  got.push(typeof v === "object" ? depthOf(v) : v),
              },
            )),
          ]),
          30,
          "a deep result, then a deep progress value",
        );
        if (a.ok) assert.equal(depthOf(a.value), 3_000);
        else assertDeepError(a.error, "the deep result");
        if (b.ok) {
          assert.equal(b.value, "b");
          assert.ok(
            got.includes(3_000),
            `resolved, but got ${JSON.stringify(got)}`,
          );
        } else assertDeepError(b.error, "the task with a deep progress value");
        await assertGoesOn(pool, 3);
      });
    },
  );

  test(
    "a reportProgress value nested too deeply is delivered, or its call rejects: never dropped",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const got: unknown[] = [];
        const r = await deadline(
          settle(pool.apply(
            (depth: number) => {
              reportProgress("before");
              const root: { c?: unknown } = {};
              let o = root;
              for (let i = 0; i < depth; i++) {
                const next = {};
                o.c = next;
                o = next;
              }
              reportProgress(root);
              // apart in time from the first value (the throttle sends both)
              const t = Date.now();
              while (Date.now() - t < 20) { /* wait */ }
              reportProgress("after");
              return "done";
            },
            [3_000],
            {
              onProgress: (value) =>
                got.push(typeof value === "object" ? depthOf(value) : value),
            },
          )),
          30,
          "apply with a deep progress value",
        );
        if (r.ok) {
          assert.equal(r.value, "done");
          assert.deepEqual(got, ["before", 3_000, "after"]);
        } else {
          assertDeepError(r.error, "deep progress value");
          assert.match((r.error as Error).message, /reportProgress/);
          assert.ok(!got.includes(3_000), `got ${JSON.stringify(got)}`);
        }
        await assertGoesOn(pool, 1);
      });
    },
  );
});
