/**
 * `close()` and `terminate()` while a method is still reading its input:
 * after `close()` an open `imap` keeps reading lazily (bounded memory) and
 * `join()` waits for it; `terminate()` settles every result at once,
 * whatever the input is doing, and stops the input (its `return()`).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type IMapIterator, Pool } from "../mod.ts";
import {
  deadline,
  observe,
  poolOptions,
  rejection,
  sleep,
  T,
  until,
  withPool,
} from "./_util.ts";

/** Items an endless input yields before it gives up (a failing test, not an out-of-memory). */
const LIMIT = 10_000;

/** An endless counter, sync or async, that records how many items were read and whether its `finally` ran. */
interface Endless {
  pulls: number;
  closed: boolean;
  source: Iterable<number> | AsyncIterable<number>;
}

function endless(kind: "sync" | "async", delayMs = 0): Endless {
  const state: Endless = { pulls: 0, closed: false, source: [] };
  function* sync(): Generator<number> {
    try {
      for (let i = 0;; i++) {
        if (i >= LIMIT) throw new Error(`read too far: ${LIMIT} items`);
        state.pulls++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  async function* async_(): AsyncGenerator<number> {
    try {
      for (let i = 0;; i++) {
        if (i >= LIMIT) throw new Error(`read too far: ${LIMIT} items`);
        if (delayMs > 0) await sleep(delayMs);
        state.pulls++;
        yield i;
      }
    } finally {
      state.closed = true;
    }
  }
  state.source = kind === "sync" ? sync() : async_();
  return state;
}

/** An async input whose `next()` never resolves; counts `return()` calls. */
function stuck(): { returns: number; source: AsyncIterable<number> } {
  const state = {
    returns: 0,
    source: {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>(() => {}),
        return: () => {
          state.returns++;
          return Promise.resolve({ done: true, value: undefined });
        },
      }),
    } as AsyncIterable<number>,
  };
  return state;
}

/** Whether `promise` has settled, after the pending callbacks run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(() => done = true, () => done = true);
  await sleep(0);
  return done;
}

const double = (x: number) => x * 2;
const CHUNKSIZE = 2;
const BUFFERSIZE = 3;

/**
 * The most items an imap may have read once `taken` results were consumed:
 * the chunks consumed, `buffersize` chunks submitted and not consumed, one
 * chunk being read, and slack.
 */
function readBound(taken: number): number {
  return (Math.floor(taken / CHUNKSIZE) + BUFFERSIZE + 1) * CHUNKSIZE + 2;
}

type ImapMethod = "imap" | "imap_unordered";

function openImap(pool: Pool, method: ImapMethod, input: Endless) {
  return pool[method](double, input.source, {
    chunksize: CHUNKSIZE,
    buffersize: BUFFERSIZE,
  }) as IMapIterator<number>;
}

/** Takes `n` results, checking after each that the input was read lazily. */
async function take(
  it: IMapIterator<number>,
  input: Endless,
  got: number[],
  n: number,
): Promise<void> {
  for (let i = 0; i < n; i++) {
    const step = await deadline(it.next(), 20, `next #${got.length}`);
    assert.equal(step.done, false);
    got.push(step.value);
    assert.ok(
      input.pulls <= readBound(got.length),
      `read ${input.pulls} items with ${got.length} consumed (bound ${
        readBound(got.length)
      })`,
    );
  }
}

function assertValues(method: ImapMethod, got: number[]): void {
  const expected = got.map((_, i) => i * 2);
  if (method === "imap") assert.deepEqual(got, expected);
  else {
    // Completion order: distinct doubles of items read.
    assert.equal(new Set(got).size, got.length);
    assert.ok(got.every((v) => v % 2 === 0), String(got));
  }
}

describe("Pool.close() with an open imap", () => {
  for (const method of ["imap", "imap_unordered"] as const) {
    for (const kind of ["sync", "async"] as const) {
      test(
        `Pool.close() keeps an open ${method} over an endless ${kind} generator lazy, and join() waits for its return()`,
        T,
        async () => {
          await withPool({}, async (pool) => {
            const input = endless(kind);
            const it = openImap(pool, method, input);
            const got: number[] = [];
            await take(it, input, got, 5);
            pool.close();
            await sleep(100); // time to read ahead, if it did
            assert.ok(
              input.pulls <= readBound(got.length),
              `after close(): read ${input.pulls} items with ${got.length} consumed`,
            );
            const joined = pool.join();
            await take(it, input, got, 20);
            assertValues(method, got);
            assert.equal(
              await settled(joined),
              false,
              "join() resolved while an imap was open",
            );
            await deadline(it.return(), 10, "return()");
            await deadline(joined, 20, "join() after return()");
            assert.equal(input.closed, true, "the generator's finally ran");
            const pulls = input.pulls;
            await sleep(50);
            assert.equal(input.pulls, pulls, "no reads after return()");
          });
        },
      );
    }

    test(
      `Pool.close() then consuming a ${method} yields every item (Python's idiom)`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          const items = Array.from({ length: 100 }, (_, i) => i);
          const it = pool[method](double, items, { buffersize: 2 });
          pool.close();
          const got: number[] = [];
          await deadline(
            (async () => {
              for await (const value of it) got.push(value);
            })(),
            30,
            "consume",
          );
          if (method === "imap_unordered") got.sort((a, b) => a - b);
          assert.deepEqual(got, items.map(double));
          // Exhausted: join() does not wait for anything more.
          await deadline(pool.join(), 20, "join");
        });
      },
    );

    test(
      `Pool.close() then join() then consuming a ${method} over an in-memory input yields every item (Python's idiom)`,
      T,
      async () => {
        const inputs: [string, () => Iterable<number>, number[]][] = [
          ["array", () => Array.from({ length: 100 }, (_, i) => i), []],
          ["Set", () => new Set(Array.from({ length: 50 }, (_, i) => i)), []],
          ["Int8Array", () => Int8Array.from({ length: 60 }, (_, i) => i), []],
        ];
        for (const [name, make] of inputs) {
          await withPool({}, async (pool) => {
            const items = make();
            const it = pool[method](double, items, { buffersize: 2 });
            pool.close();
            // join() reads the rest of an input already in memory (no
            // endless input can be one), so it finishes before consuming.
            await deadline(pool.join(), 30, `join (${name})`);
            const got: number[] = [];
            for await (const value of it) got.push(value);
            if (method === "imap_unordered") got.sort((a, b) => a - b);
            assert.deepEqual(got, [...items].map(double), name);
          });
        }
      },
    );

    test(
      `Pool.join() after close() keeps a ${method} over a generator lazy and waits for its consumer`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          const input = endless("sync");
          const it = openImap(pool, method, input);
          pool.close();
          let joined = false;
          const join = pool.join().then(() => {
            joined = true;
          });
          await sleep(200);
          assert.equal(joined, false, "join() waits for the open imap");
          assert.ok(input.pulls <= readBound(0), `read ${input.pulls} items`);
          const got: number[] = [];
          await take(it, input, got, 10);
          await it.return();
          await deadline(join, 20, "join after return()");
          assert.equal(input.closed, true);
        });
      },
    );
  }

  test(
    "Pool[Symbol.asyncDispose]() with an open imap over an endless generator keeps it lazy until the consumer breaks",
    {
      ...T,
      skip: typeof Symbol.asyncDispose !== "symbol"
        ? "no Symbol.asyncDispose"
        : false,
    },
    async () => {
      const pool = new Pool(poolOptions());
      try {
        for (const kind of ["sync", "async"] as const) {
          const input = endless(kind);
          const it = openImap(pool, "imap", input);
          const got: number[] = [];
          await take(it, input, got, 3);
          // The consumer goes on while the block that owns the pool ends
          // (`await using` calls this on exit): close() + join().
          const consumer = (async () => {
            for await (const value of it) {
              got.push(value);
              assert.ok(input.pulls <= readBound(got.length));
              if (got.length === 30) break;
            }
          })();
          if (kind === "sync") {
            // The first round only: the pool is disposed once.
            await deadline(pool[Symbol.asyncDispose](), 30, "asyncDispose");
          }
          await deadline(consumer, 30, "consumer");
          assert.deepEqual(got, got.map((_, i) => i * 2));
          assert.ok(
            input.pulls <= readBound(got.length),
            `read ${input.pulls} items for ${got.length}`,
          );
          assert.equal(input.closed, true, "break ran the generator's finally");
          if (kind === "sync") break; // the pool is gone now
        }
      } finally {
        await deadline(pool.terminate(), 20, "terminate");
      }
    },
  );

  test(
    "Pool.close() with an open imap still replaces retiring workers (maxtasksperchild)",
    T,
    async () => {
      await withPool({ processes: 1, maxtasksperchild: 1 }, async (pool) => {
        const input = endless("sync");
        const it = pool.imap(double, input.source, { buffersize: 1 });
        const got: number[] = [];
        for (let i = 0; i < 2; i++) {
          got.push((await deadline(it.next(), 20, "next")).value);
        }
        pool.close();
        await sleep(200); // the worker retires with nothing queued
        for (let i = 0; i < 4; i++) {
          got.push((await deadline(it.next(), 20, "next after close")).value);
        }
        assert.deepEqual(got, [0, 2, 4, 6, 8, 10]);
        await deadline(it.return(), 10, "return");
        await deadline(pool.join(), 20, "join");
      });
    },
  );
});

type Method =
  | "map"
  | "map_async"
  | "starmap"
  | "starmap_async"
  | "imap"
  | "imap_unordered";

const METHODS: Method[] = [
  "map",
  "map_async",
  "starmap",
  "starmap_async",
  "imap",
  "imap_unordered",
];

/**
 * Starts `method` over `source`; returns a promise of how it ends: the
 * result (map family) or the first rejection of a loop over the iterator.
 */
function start(
  pool: Pool,
  method: Method,
  source: AsyncIterable<number>,
): Promise<unknown> {
  const id = (x: number) => x;
  const asArgs = async function* () {
    for await (const x of source) yield [x] as [number];
  };
  switch (method) {
    case "map":
      return pool.map(id, source);
    case "map_async":
      return pool.map_async(id, source);
    case "starmap":
      return pool.starmap(id, asArgs());
    case "starmap_async":
      return pool.starmap_async(id, asArgs());
    default: {
      const it = pool[method](id, source);
      return (async () => {
        for (;;) {
          const step = await it.next();
          if (step.done) return "done";
        }
      })();
    }
  }
}

describe("Pool.terminate() while an input is being read", () => {
  for (const method of METHODS) {
    test(
      `Pool.terminate() rejects ${method}() over an async input whose next() never resolves, and calls its return()`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          const input = stuck();
          const ending = observe(start(pool, method, input.source));
          await sleep(50);
          assert.equal(
            await settled(ending),
            false,
            "settled before terminate",
          );
          await deadline(pool.terminate(), 20, "terminate");
          const error = await deadline(rejection(ending, method), 10, method);
          assert.equal(error.name, "AbortError", `${method}: ${error}`);
          assert.match(error.message, /terminate/);
          if (!method.startsWith("starmap")) {
            // starmap's input is a generator wrapping the stuck one, itself
            // stuck in next(): its return() waits for that next().
            await until(() => input.returns > 0, 5, "input.return() called");
          }
        });
      },
    );

    test(
      `Pool.terminate() rejects ${method}() over a slow endless async generator and runs its finally`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          const input = endless("async", 20);
          const ending = observe(
            start(pool, method, input.source as AsyncIterable<number>),
          );
          await sleep(150);
          await deadline(pool.terminate(), 20, "terminate");
          const error = await deadline(rejection(ending, method), 10, method);
          assert.equal(error.name, "AbortError", `${method}: ${error}`);
          await until(() => input.closed, 5, "the generator's finally ran");
          const pulls = input.pulls;
          await sleep(100);
          assert.equal(input.pulls, pulls, "no reads after terminate()");
        });
      },
    );
  }

  for (
    const method of ["map", "map_async", "starmap", "starmap_async"] as const
  ) {
    test(
      `Pool.terminate() from a timer rejects ${method}() over an endless async generator that never waits (the read lets the event loop run)`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          // Each next() settles in a microtask: read without a pause, the
          // input starves every timer, so terminate() below could only run
          // once the input gave up (after BIG items, with their memory).
          const BIG = 3_000_000;
          let pulls = 0;
          let closed = false;
          const source = (async function* () {
            try {
              for (let i = 0; i < BIG; i++) {
                pulls++;
                yield i;
              }
              throw new Error(`read too far: ${BIG} items`);
            } finally {
              closed = true;
            }
          })();
          const ending = observe(start(pool, method, source));
          await sleep(50);
          const atTerminate = pulls;
          await deadline(pool.terminate(), 20, "terminate");
          const error = await deadline(rejection(ending, method), 10, method);
          assert.equal(error.name, "AbortError", `${method}: ${error}`);
          assert.ok(
            atTerminate < BIG,
            `the timer ran only after ${atTerminate} reads`,
          );
          await until(() => closed, 5, "the generator's finally ran");
        });
      },
    );
  }

  test(
    "Pool.terminate() after close() rejects map_async() over an endless async input",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const input = endless("async", 5);
        const result = pool.map_async(
          (x: number) => x,
          input.source as AsyncIterable<number>,
        );
        pool.close();
        await sleep(100);
        await deadline(pool.terminate(), 20, "terminate");
        const error = await deadline(rejection(result.get()), 10, "get");
        assert.equal(error.name, "AbortError");
        await deadline(pool.join(), 20, "join");
      });
    },
  );

  test(
    "a failing initializer rejects map_async() over an async input that never ends",
    T,
    async () => {
      await withPool({
        initializer: () => {
          throw new Error("init fails");
        },
      }, async (pool) => {
        const input = stuck();
        const result = pool.map_async((x: number) => x, input.source);
        const error = await deadline(rejection(result.get()), 20, "get");
        assert.match(error.message, /initializer/);
        await until(() => input.returns > 0, 5, "input.return() called");
      });
    },
  );
});
