import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { IMapIterator, RemoteError, TimeoutError } from "../mod.ts";
import {
  deadline,
  latch,
  rejection,
  release,
  sleep,
  T,
  withPool,
} from "./_util.ts";

/** Collects everything an iterator yields, bounded in time. */
async function collect<R>(it: AsyncIterable<R>, seconds = 30): Promise<R[]> {
  return await deadline(
    (async () => {
      const out: R[] = [];
      for await (const value of it) out.push(value);
      return out;
    })(),
    seconds,
    "collect",
  );
}

/** An endless counter that records how many values were pulled. */
function counter(): { pulls: number; source: Generator<number> } {
  const state = { pulls: 0, source: endless() };
  function* endless(): Generator<number> {
    for (let i = 0;; i++) {
      state.pulls++;
      yield i;
    }
  }
  return state;
}

describe("Pool.imap()", () => {
  test(
    "Pool.imap() returns an IMapIterator that is its own async iterator",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const it = pool.imap((x: number) => x, [1]);
        assert.ok(it instanceof IMapIterator);
        assert.equal(it[Symbol.asyncIterator](), it);
        assert.deepEqual(await collect(it), [1]);
      });
    },
  );

  test(
    "Pool.imap() yields in input order when later items finish first",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const n = 8;
        const items = Array.from({ length: n }, (_, i) => ({ i, n }));
        const it = pool.imap(async ({ i, n }: { i: number; n: number }) => {
          await new Promise((resolve) => setTimeout(resolve, (n - i) * 40));
          return i;
        }, items);
        assert.deepEqual(await collect(it), items.map((item) => item.i));
      });
    },
  );

  test(
    "Pool.imap() accepts a bare chunksize number and { chunksize }",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const xs = Array.from({ length: 11 }, (_, i) => i);
        const expected = xs.map((x) => x * 3);
        assert.deepEqual(
          await collect(pool.imap((x: number) => x * 3, xs, 4)),
          expected,
        );
        assert.deepEqual(
          await collect(pool.imap((x: number) => x * 3, xs, { chunksize: 4 })),
          expected,
        );
      });
    },
  );

  test("Pool.imap() of an empty iterable is done at once", T, async () => {
    await withPool({}, async (pool) => {
      const it = pool.imap((x: number) => x, []);
      const first = await deadline(it.next(), 5, "next");
      assert.equal(first.done, true);
    });
  });

  test("Pool.imap() accepts an AsyncIterable", T, async () => {
    await withPool({}, async (pool) => {
      async function* source() {
        for (let i = 0; i < 5; i++) {
          await sleep(2);
          yield i;
        }
      }
      assert.deepEqual(
        await collect(pool.imap((x: number) => x + 100, source())),
        [100, 101, 102, 103, 104],
      );
    });
  });

  test(
    "Pool.imap() rejects a failing item at its position and goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const it = pool.imap((x: number) => {
          if (x === 2) throw new Error("two failed");
          return x * 10;
        }, [1, 2, 3, 4]);
        assert.deepEqual(await deadline(it.next(), 20, "next"), {
          value: 10,
          done: false,
        });
        const error = await deadline(rejection(it.next()), 20, "next");
        assert.ok(error instanceof RemoteError);
        assert.equal(error.message, "two failed");
        assert.deepEqual(await deadline(it.next(), 20, "next"), {
          value: 30,
          done: false,
        });
        assert.deepEqual(await deadline(it.next(), 20, "next"), {
          value: 40,
          done: false,
        });
        assert.equal((await deadline(it.next(), 20, "next")).done, true);
      });
    },
  );

  test(
    "Pool.imap() next(timeout) rejects with TimeoutError in seconds and keeps the item",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const it = pool.imap(async (ms: number) => {
          await new Promise((resolve) => setTimeout(resolve, ms));
          return ms;
        }, [800]);
        const error = await deadline(
          rejection(it.next(0.05)),
          10,
          "next(0.05)",
        );
        assert.ok(error instanceof TimeoutError, String(error));
        assert.equal(error.name, "TimeoutError");
        // A timeout does not consume the item; 20 means seconds, not ms.
        assert.deepEqual(await deadline(it.next(20), 25, "next(20)"), {
          value: 800,
          done: false,
        });
        assert.equal((await deadline(it.next(), 20, "next")).done, true);
      });
    },
  );

  test(
    "Pool.imap() over an infinite generator stops reading on break",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const input = counter();
        const buffersize = 2;
        const chunksize = 3;
        const taken: number[] = [];
        await deadline(
          (async () => {
            for await (
              const value of pool.imap((x: number) => x * 2, input.source, {
                chunksize,
                buffersize,
              })
            ) {
              taken.push(value);
              if (taken.length === 10) break;
            }
          })(),
          30,
          "imap loop",
        );
        assert.deepEqual(taken, Array.from({ length: 10 }, (_, i) => i * 2));
        // Consumed chunks + buffersize chunks in flight, plus one read-ahead chunk and slack.
        const consumedChunks = Math.ceil(taken.length / chunksize);
        const bound = (consumedChunks + buffersize + 1) * chunksize + 2;
        const pullsAtBreak = input.pulls;
        assert.ok(
          pullsAtBreak <= bound,
          `pulled ${pullsAtBreak} items, bound ${bound}`,
        );
        await sleep(200);
        assert.equal(input.pulls, pullsAtBreak, "no reads after break");
        assert.equal(
          await deadline(pool.apply(() => "still usable"), 20, "apply"),
          "still usable",
        );
      });
    },
  );

  test("Pool.imap() reads ahead a bounded amount by default", T, async () => {
    await withPool({}, async (pool) => {
      const input = counter();
      const it = pool.imap((x: number) => x, input.source);
      assert.deepEqual(await deadline(it.next(), 20, "next"), {
        value: 0,
        done: false,
      });
      await sleep(300);
      assert.ok(
        input.pulls <= 64,
        `default read-ahead pulled ${input.pulls} items`,
      );
      await deadline(it.return?.() ?? Promise.resolve(), 20, "return");
      assert.equal(await deadline(pool.apply(() => 1), 20, "apply"), 1);
    });
  });

  test("Pool.imap() only reads input as results are consumed", T, async () => {
    await withPool({}, async (pool) => {
      const input = counter();
      const it = pool.imap((x: number) => x, input.source, { buffersize: 1 });
      assert.deepEqual(await deadline(it.next(), 20, "next"), {
        value: 0,
        done: false,
      });
      await sleep(300);
      // One chunk consumed, one in flight, one read ahead at most.
      assert.ok(input.pulls <= 4, `pulled ${input.pulls} with buffersize 1`);
      for (let i = 1; i <= 5; i++) {
        assert.deepEqual(await deadline(it.next(), 20, "next"), {
          value: i,
          done: false,
        });
      }
      await sleep(100);
      assert.ok(input.pulls <= 9, `pulled ${input.pulls} after 6 results`);
      await deadline(it.return?.() ?? Promise.resolve(), 20, "return");
    });
  });

  test(
    "Pool.imap() throws RangeError at the call for a bad buffersize",
    T,
    async () => {
      await withPool({}, (pool) => {
        assert.throws(
          () => pool.imap((x: number) => x, [1], { buffersize: 0 }),
          RangeError,
        );
        assert.throws(
          () => pool.imap((x: number) => x, [1], { buffersize: 1.5 }),
          RangeError,
        );
      });
    },
  );
});

describe("Pool.imap_unordered()", () => {
  test("Pool.imap_unordered() yields in completion order", T, async () => {
    await withPool({}, async (pool) => {
      const sab = latch(1);
      // Item 0 waits until the main side has seen item 1's result.
      const it = pool.imap_unordered(
        ({ i, sab }: { i: number; sab: SharedArrayBuffer }) => {
          if (i === 0) Atomics.wait(new Int32Array(sab), 0, 0, 10_000);
          return i;
        },
        [{ i: 0, sab }, { i: 1, sab }],
      );
      const first = await deadline(it.next(), 20, "first next");
      release(sab);
      const second = await deadline(it.next(), 20, "second next");
      assert.deepEqual([first.value, second.value], [1, 0]);
      assert.equal((await deadline(it.next(), 20, "next")).done, true);
    });
  });

  test(
    "Pool.imap_unordered() yields every item once with chunksize",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const xs = Array.from({ length: 20 }, (_, i) => i);
        const results = await collect(
          pool.imap_unordered((x: number) => x * 2, xs, 3),
        );
        assert.deepEqual(
          [...results].sort((a, b) => a - b),
          xs.map((x) => x * 2),
        );
      });
    },
  );

  test(
    "Pool.imap_unordered() rejects a failing item once and delivers the rest",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const it = pool.imap_unordered((x: number) => {
          if (x === 3) throw new Error("three failed");
          return x;
        }, [1, 2, 3, 4, 5]);
        const values: number[] = [];
        const errors: Error[] = [];
        await deadline(
          (async () => {
            for (;;) {
              try {
                const step = await it.next();
                if (step.done) break;
                values.push(step.value);
              } catch (error) {
                errors.push(error as Error);
              }
            }
          })(),
          30,
          "drain",
        );
        assert.deepEqual(values.sort((a, b) => a - b), [1, 2, 4, 5]);
        assert.equal(errors.length, 1);
        assert.equal(errors[0].message, "three failed");
      });
    },
  );

  test("Pool.imapUnordered() is an alias of imap_unordered()", T, async () => {
    await withPool({}, async (pool) => {
      const it = pool.imapUnordered((x: number) => x + 1, [1, 2, 3]);
      assert.ok(it instanceof IMapIterator);
      const results = await collect(it);
      assert.deepEqual(results.sort(), [2, 3, 4]);
    });
  });

  test(
    "Pool.imap_unordered() over an infinite generator stops on break",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const input = counter();
        let count = 0;
        await deadline(
          (async () => {
            for await (
              const _ of pool.imap_unordered((x: number) => x, input.source, {
                buffersize: 2,
              })
            ) {
              if (++count === 5) break;
            }
          })(),
          30,
          "loop",
        );
        const pulls = input.pulls;
        assert.ok(pulls <= (5 + 2 + 1) + 2, `pulled ${pulls}`);
        await sleep(200);
        assert.equal(input.pulls, pulls);
        assert.equal(await deadline(pool.apply(() => 2), 20, "apply"), 2);
      });
    },
  );
});

/**
 * An async iterator whose `next()` returns a thenable that is not a native
 * Promise (valid: `for await` awaits whatever `next()` returns), yielding
 * 0, 1, 2.
 */
function thenableSteps(): AsyncIterable<number> {
  return {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next() {
          const step = { done: i >= 3, value: i++ } as IteratorResult<number>;
          return {
            then(resolve: (s: IteratorResult<number>) => void) {
              resolve(step);
            },
          } as unknown as Promise<IteratorResult<number>>;
        },
      };
    },
  };
}

/** An iterator (async or not) whose `next()` gives 5, not a result object. */
function brokenSteps(
  kind: "async" | "sync",
): { calls: number; input: AsyncIterable<number> | Iterable<number> } {
  const state = { calls: 0, input: {} as AsyncIterable<number> };
  const next = () => {
    state.calls++;
    return (kind === "async" ? Promise.resolve(5) : 5) as never;
  };
  state.input =
    (kind === "async"
      ? { [Symbol.asyncIterator]: () => ({ next }) }
      : { [Symbol.iterator]: () => ({ next }) }) as never;
  return state;
}

describe("Inputs read by the iteration protocol, as for await reads them", () => {
  for (const method of ["imap", "imap_unordered", "map"] as const) {
    test(
      `Pool.${method}() over an async iterator whose next() returns a plain thenable`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          const triple = (x: number) => x * 10;
          const values = method === "map"
            ? await deadline(pool.map(triple, thenableSteps()), 20, "map")
            : await collect(pool[method](triple, thenableSteps()), 20);
          assert.deepEqual([...values].sort((a, b) => a - b), [0, 10, 20]);
        });
      },
    );
  }

  for (const kind of ["async", "sync"] as const) {
    test(
      `Pool.imap() and Pool.map() over a ${kind} iterator whose next() gives a non-object reject with for await's TypeError`,
      T,
      async () => {
        await withPool({}, async (pool) => {
          const id = (x: number) => x;
          const forMap = brokenSteps(kind);
          const error = await deadline(
            rejection(Promise.resolve().then(() => pool.map(id, forMap.input))),
            20,
            "map",
          );
          assert.ok(
            error instanceof TypeError,
            `${error.name}: ${error.message}`,
          );
          assert.match(
            error.message,
            // V8 says "Iterator result 5 ...", JavaScriptCore "Iterator result interface ...".
            /Iterator result.* is not an object/,
          );
          assert.equal(forMap.calls, 1);
          const forImap = brokenSteps(kind);
          const it = pool.imap(id, forImap.input);
          const first = await deadline(rejection(it.next()), 20, "imap");
          assert.ok(
            first instanceof TypeError,
            `${first.name}: ${first.message}`,
          );
          assert.match(
            first.message,
            // V8 says "Iterator result 5 ...", JavaScriptCore "Iterator result interface ...".
            /Iterator result.* is not an object/,
          );
          assert.equal(forImap.calls, 1);
          await it.return?.();
        });
      },
    );
  }
});
