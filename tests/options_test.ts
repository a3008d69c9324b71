import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Pool } from "../mod.ts";
import type { Context, PoolOptions } from "../mod.ts";
import {
  constructionError,
  context,
  deadline,
  hasContext,
  isCustom,
  latch,
  poolOptions,
  rejection,
  runtime,
  T,
  withPool,
} from "./_util.ts";

/** `new Pool(options)` with the suite's context, expected to throw. */
function badPool(options: PoolOptions): Promise<unknown> {
  return constructionError(() => new Pool({ ...poolOptions(), ...options }));
}

describe("new Pool() options", () => {
  test("new Pool(n) takes the worker count as a bare number", {
    ...T,
    skip: context === undefined && !isCustom
      ? false
      : "a bare number cannot carry XPOOL_TEST_CONTEXT",
  }, async () => {
    const pool = new Pool(3);
    try {
      assert.equal(pool.processes, 3);
      assert.equal(await deadline(pool.apply(() => "ok"), 20, "apply"), "ok");
    } finally {
      await deadline(pool.terminate(), 20, "terminate");
    }
  });

  test("new Pool({ processes }) sets pool.processes", T, async () => {
    await withPool({ processes: 3 }, (pool) => {
      assert.equal(pool.processes, 3);
    });
  });

  test("new Pool() makes pool.processes read-only", T, async () => {
    await withPool({}, (pool) => {
      try {
        // deno-lint-ignore no-explicit-any
        (pool as any).processes = 9;
      } catch {
        // a getter without setter throws in strict mode: fine
      }
      assert.equal(pool.processes, 2);
    });
  });

  test(
    "new Pool() throws RangeError for processes 0, negative or not an integer",
    T,
    async () => {
      for (
        const processes of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]
      ) {
        const error = await badPool({ processes });
        assert.ok(
          error instanceof RangeError,
          `processes ${processes}: ${error}`,
        );
      }
      for (const processes of [0, 1.5]) {
        const error = await constructionError(() => new Pool(processes));
        assert.ok(
          error instanceof RangeError,
          `new Pool(${processes}): ${error}`,
        );
      }
    },
  );

  test(
    "new Pool() throws RangeError for a bad maxtasksperchild",
    T,
    async () => {
      for (const maxtasksperchild of [0, -2, 1.5]) {
        const error = await badPool({ maxtasksperchild });
        assert.ok(
          error instanceof RangeError,
          `maxtasksperchild ${maxtasksperchild}: ${error}`,
        );
      }
      const alias = await badPool({ maxTasksPerChild: 0 });
      assert.ok(alias instanceof RangeError, `maxTasksPerChild 0: ${alias}`);
    },
  );

  test(
    "NaN is a number out of range: RangeError for every numeric option",
    T,
    async () => {
      for (
        const [label, options] of [
          ["processes", { processes: NaN }],
          ["maxtasksperchild", { maxtasksperchild: NaN }],
          ["taskTimeout", { taskTimeout: NaN }],
          ["resourceLimits", {
            resourceLimits: { maxOldGenerationSizeMb: NaN },
          }],
          ["resourceLimits.stackSizeMb", {
            resourceLimits: { stackSizeMb: NaN },
          }],
        ] as [string, PoolOptions][]
      ) {
        const error = await badPool(options);
        assert.ok(error instanceof RangeError, `${label} NaN: ${error}`);
        assert.match(String(error), /received NaN/, label);
      }
      await withPool({}, async (pool) => {
        const id = (x: number) => x;
        for (
          const [label, call] of [
            ["map chunksize", () => pool.map(id, [1], NaN)],
            ["map { chunksize }", () => pool.map(id, [1], { chunksize: NaN })],
            ["imap chunksize", () => pool.imap(id, [1], { chunksize: NaN })],
            ["imap buffersize", () => pool.imap(id, [1], { buffersize: NaN })],
            ["apply timeout", () => pool.apply(id, [1], { timeout: NaN })],
            ["map timeout", () => pool.map(id, [1], { timeout: NaN })],
            ["imap timeout", () => pool.imap(id, [1], { timeout: NaN })],
          ] as [string, () => unknown][]
        ) {
          let error: unknown;
          try {
            await call();
          } catch (e) {
            error = e;
          }
          assert.ok(error instanceof RangeError, `${label} NaN: ${error}`);
          assert.match(String(error), /received NaN/, label);
        }
      });
    },
  );

  test("new Pool() accepts maxtasksperchild undefined", T, async () => {
    await withPool({ maxtasksperchild: undefined }, async (pool) => {
      assert.equal(await deadline(pool.apply(() => 1), 20, "apply"), 1);
    });
  });

  test(
    "new Pool({ context: adapter }) uses a custom adapter object as it is, named in String(pool)",
    T,
    async () => {
      const names: string[] = [];
      const pool = new Pool({
        processes: 2,
        context: {
          name: "recording",
          sharedMemory: false,
          spawn(options) {
            names.push(options.name);
            return { post() {}, terminate: () => Promise.resolve() };
          },
        },
      });
      try {
        assert.equal(
          pool[Symbol.toStringTag],
          "Pool(processes=2, context=recording)",
        );
        assert.deepEqual(names, ["PoolWorker-1", "PoolWorker-2"]);
      } finally {
        await deadline(pool.terminate(), 20, "terminate");
      }
    },
  );

  test("new Pool() throws for an unknown context", T, async () => {
    const error = await constructionError(() =>
      new Pool({ processes: 1, context: "thread" as Context })
    );
    assert.ok(error instanceof Error, String(error));
    assert.match((error as Error).message, /thread/);
  });

  for (const ctx of ["web", "bun", "node"] as const) {
    if (hasContext(ctx)) {
      test(
        `new Pool({ context: "${ctx}" }) runs tasks on ${runtime}`,
        T,
        async () => {
          const pool = new Pool({ processes: 1, context: ctx });
          try {
            assert.equal(
              await deadline(
                pool.apply((x: number) => x + 1, [1]),
                20,
                "apply",
              ),
              2,
            );
            assert.deepEqual(
              await deadline(
                pool.map((x: number) => x * 2, [1, 2, 3]),
                20,
                "map",
              ),
              [2, 4, 6],
            );
          } finally {
            await deadline(pool.terminate(), 20, "terminate");
          }
        },
      );
    } else {
      test(
        `new Pool({ context: "${ctx}" }) throws at construction on ${runtime}`,
        T,
        async () => {
          const error = await constructionError(() =>
            new Pool({ processes: 1, context: ctx })
          );
          assert.ok(error instanceof Error, String(error));
          assert.match((error as Error).message, new RegExp(ctx));
        },
      );
    }
  }

  test(
    "new Pool({ context: undefined }) uses the default adapter",
    T,
    async () => {
      const pool = new Pool({ processes: 1, context: undefined });
      try {
        assert.equal(await deadline(pool.apply(() => 5), 20, "apply"), 5);
      } finally {
        await deadline(pool.terminate(), 20, "terminate");
      }
    },
  );
});

describe("chunksize validation", () => {
  const bad = [0, -1, 1.5];

  test(
    "Pool.map() and starmap() reject a chunksize that is not a positive integer",
    T,
    async () => {
      await withPool({}, async (pool) => {
        for (const chunksize of bad) {
          const bare = await deadline(
            rejection(pool.map((x: number) => x, [1], chunksize)),
            10,
            "map",
          );
          assert.ok(
            bare instanceof RangeError,
            `map chunksize ${chunksize}: ${bare}`,
          );
          const object = await deadline(
            rejection(pool.map((x: number) => x, [1], { chunksize })),
            10,
            "map",
          );
          assert.ok(
            object instanceof RangeError,
            `map { chunksize: ${chunksize} }: ${object}`,
          );
          const star = await deadline(
            rejection(pool.starmap((x: number) => x, [[1]], chunksize)),
            10,
            "starmap",
          );
          assert.ok(
            star instanceof RangeError,
            `starmap chunksize ${chunksize}: ${star}`,
          );
        }
        assert.deepEqual(
          await deadline(pool.map((x: number) => x, [1, 2]), 20, "map"),
          [1, 2],
        );
      });
    },
  );

  test(
    "Pool.map_async(), starmap_async(), imap() and imap_unordered() throw RangeError at the call",
    T,
    async () => {
      await withPool({}, (pool) => {
        const f = (x: number) => x;
        for (const chunksize of bad) {
          assert.throws(() => pool.map_async(f, [1], chunksize), RangeError);
          assert.throws(
            () => pool.map_async(f, [1], { chunksize }),
            RangeError,
          );
          assert.throws(() => pool.mapAsync(f, [1], chunksize), RangeError);
          assert.throws(
            () => pool.starmap_async(f, [[1]], chunksize),
            RangeError,
          );
          assert.throws(() => pool.imap(f, [1], chunksize), RangeError);
          assert.throws(() => pool.imap(f, [1], { chunksize }), RangeError);
          assert.throws(
            () => pool.imap_unordered(f, [1], chunksize),
            RangeError,
          );
        }
      });
    },
  );
});

// ---------------------------------------------------------------------------
// Issue 10: every option of every method is checked at the call, unknown
// option names (typos) are refused as Python refuses an unexpected keyword
// argument, and both spellings of an option must agree.

type ErrorClass = typeof TypeError | typeof RangeError;

/** Asserts `error` is a `kind` whose message matches every pattern. */
function assertBad(
  error: unknown,
  kind: ErrorClass,
  patterns: RegExp[],
  label: string,
): void {
  assert.ok(
    error instanceof kind,
    `${label}: expected ${kind.name}, got ${String(error)}`,
  );
  for (const pattern of patterns) {
    assert.match((error as Error).message, pattern, label);
  }
}

/** What `call` throws synchronously; fails if it returns. */
function thrown(call: () => unknown, label: string): unknown {
  try {
    const value = call();
    // Something was returned: keep a rejected promise from going unhandled.
    (value as Promise<unknown> | undefined)?.then?.(() => {}, () => {});
  } catch (error) {
    return error;
  }
  assert.fail(`${label}: did not throw at the call`);
}

/** What the Promise `call` returns rejects with; fails if it throws. */
async function rejected(call: () => unknown, label: string): Promise<unknown> {
  let promise: unknown;
  try {
    promise = call();
  } catch (error) {
    assert.fail(`${label}: threw at the call instead of rejecting: ${error}`);
  }
  assert.ok(promise instanceof Promise, `${label}: returned no Promise`);
  return await deadline(rejection(promise as Promise<unknown>, label), 10);
}

const fn = (x: unknown) => x;

/** A readable label for an options value (functions and views named). */
function show(value: unknown): string {
  return String(
    JSON.stringify(
      value,
      (_, v) =>
        typeof v === "function"
          ? "<fn>"
          : ArrayBuffer.isView(v)
          ? `<${v.constructor.name}>`
          : typeof v === "bigint"
          ? `${v}n`
          : v,
    ),
  );
}
const cb = () => {};
const cb2 = () => {};

/** Bad options of the map-family methods: [options, error class, patterns]. */
type Case = [unknown, ErrorClass, RegExp[]];

const CHUNKSIZE_CASES: Case[] = [
  [{ chunksize: "2" }, TypeError, [/'chunksize'/]],
  [{ chunksize: true }, TypeError, [/'chunksize'/]],
  [{ chunksize: 0 }, RangeError, [/'chunksize'/]],
  [{ chunksize: 2.5 }, RangeError, [/'chunksize'/]],
  ["2", TypeError, [/chunksize/]],
  [true, TypeError, [/chunksize/]],
  [[2], TypeError, [/chunksize/]],
  [{ chunkSize: 2 }, TypeError, [/'chunkSize'/, /did you mean 'chunksize'/]],
  [{ chunk_size: 2 }, TypeError, [/'chunk_size'/, /did you mean 'chunksize'/]],
  [{ chunksze: 2 }, TypeError, [/'chunksze'/, /did you mean 'chunksize'/]],
];

const CALLBACK_CASES: Case[] = [
  [{ callback: 5 }, TypeError, [/'callback'/, /function/]],
  [{ callback: "x" }, TypeError, [/'callback'/]],
  [{ error_callback: "x" }, TypeError, [/'error_callback'/, /function/]],
  [{ errorCallback: 5 }, TypeError, [/'errorCallback'/]],
  [{ error_callback: cb, errorCallback: cb2 }, TypeError, [
    /'error_callback'/,
    /'errorCallback'/,
  ]],
  [{ errorcallback: cb }, TypeError, [
    /'errorcallback'/,
    /did you mean 'error_callback'/,
  ]],
  [{ error_Callback: cb }, TypeError, [/did you mean 'error_callback'/]],
  [{ callbak: cb }, TypeError, [/'callbak'/, /did you mean 'callback'/]],
];

describe("option checks: new Pool()", () => {
  const cases: [Record<string, unknown>, ErrorClass, RegExp[]][] = [
    [{ processes: "2" }, TypeError, [/'processes'/]],
    [{ processes: true }, TypeError, [/'processes'/]],
    [{ initializer: 5 }, TypeError, [/'initializer'/]],
    [{ initializer: "setup" }, TypeError, [/'initializer'/]],
    [{ initializer: {} }, TypeError, [/'initializer'/]],
    [{ initargs: 5 }, TypeError, [/'initargs'/]],
    [{ initargs: "ab" }, TypeError, [/'initargs'/]],
    [{ initargs: { length: 1 } }, TypeError, [/'initargs'/]],
    [{ maxtasksperchild: "3" }, TypeError, [/'maxtasksperchild'/]],
    [{ maxtasksperchild: 0 }, RangeError, [/'maxtasksperchild'/]],
    [{ maxTasksPerChild: "x" }, TypeError, [/'maxTasksPerChild'/]],
    [{ maxTasksPerChild: -1 }, RangeError, [/'maxTasksPerChild'/]],
    [{ maxtasksperchild: 2, maxTasksPerChild: 3 }, TypeError, [
      /'maxtasksperchild'/,
      /'maxTasksPerChild'/,
    ]],
    [{ context: 5 }, TypeError, [/'context'/]],
    [{ context: "thread" }, TypeError, [/'context'/]],
    [{ context: {} }, TypeError, [
      /'context'/,
      /WorkerAdapter/,
      /a string 'name'/,
      /a boolean 'sharedMemory'/,
      /a function 'spawn'/,
    ]],
    [{ context: { name: "mine", sharedMemory: false } }, TypeError, [
      /'context'/,
      /lacks a function 'spawn'/,
    ]],
    [{ context: { name: 7, sharedMemory: "yes", spawn() {} } }, TypeError, [
      /lacks a string 'name', a boolean 'sharedMemory'/,
    ]],
    [{ context: [] }, TypeError, [/'context'/, /a function 'spawn'/]],
    [
      {
        context: {
          name: "mine",
          sharedMemory: false,
          spawn() {},
          processes: 0,
        },
      },
      TypeError,
      [/context's 'processes' must be a positive integer: received 0/],
    ],
    [
      {
        context: {
          name: "mine",
          sharedMemory: false,
          spawn() {},
          processes: "4",
        },
      },
      TypeError,
      [/context's 'processes' must be a positive integer: received '4'/],
    ],
    [
      {
        context: {
          name: "mine",
          sharedMemory: false,
          spawn() {},
          prefetch: 0,
        },
      },
      TypeError,
      [/context's 'prefetch' /, /received 0/],
    ],
    [
      {
        context: {
          name: "mine",
          sharedMemory: false,
          spawn() {},
          prefetch: 1.5,
        },
      },
      TypeError,
      [/context's 'prefetch' /, /received 1.5/],
    ],
    [
      {
        context: {
          name: "mine",
          sharedMemory: false,
          spawn() {},
          prefetch: "2",
        },
      },
      TypeError,
      [/context's 'prefetch' /, /received '2'/],
    ],
    [
      {
        context: {
          name: "mine",
          sharedMemory: false,
          spawn() {},
          unordered: "true",
        },
      },
      TypeError,
      [/context's 'unordered' /, /must be true or false: received 'true'/],
    ],
    [
      {
        context: {
          name: "mine",
          sharedMemory: false,
          spawn() {},
          unordered: 1,
        },
      },
      TypeError,
      [/context's 'unordered' /, /must be true or false: received 1/],
    ],
    [{ max_tasks_per_child: 2 }, TypeError, [
      /'max_tasks_per_child'/,
      /did you mean 'maxtasksperchild'/,
    ]],
    [{ process: 2 }, TypeError, [/'process'/, /did you mean 'processes'/]],
    [{ initArgs: [] }, TypeError, [/'initArgs'/, /did you mean 'initargs'/]],
    [{ contex: "node" }, TypeError, [/'contex'/, /did you mean 'context'/]],
    [{ workers: 2 }, TypeError, [/'workers'/, /'processes'/]],
  ];
  for (const [options, kind, patterns] of cases) {
    const label = `new Pool(${show(options)})`;
    test(`${label} throws ${kind.name} naming the option`, T, async () => {
      const error = await badPool(options as PoolOptions);
      assertBad(error, kind, patterns, label);
    });
  }

  test("new Pool([2]) throws TypeError: not an options object", T, async () => {
    const error = await constructionError(() =>
      new Pool([2] as unknown as PoolOptions)
    );
    assertBad(error, TypeError, [/options object/], "new Pool([2])");
  });

  test(
    "new Pool() takes both spellings of maxtasksperchild with one value, and null options",
    T,
    async () => {
      await withPool(
        { maxtasksperchild: 2, maxTasksPerChild: 2, initargs: null } as never,
        async (pool) => {
          assert.deepEqual(
            await deadline(pool.map(fn, [1, 2, 3], 1), 20, "map"),
            [1, 2, 3],
          );
        },
      );
    },
  );
});

describe("option checks: apply() rejects", () => {
  const cases: Case[] = [
    [{ kwds: 5 }, TypeError, [/'kwds'/]],
    [{ kwds: null }, TypeError, [/'kwds'/]],
    [{ kwds: [1] }, TypeError, [/'kwds'/]],
    [{ transfer: 5 }, TypeError, [/'transfer'/]],
    [{ transfer: [1] }, TypeError, [/'transfer'/]],
    [{ transfer: [new Uint8Array(4)] }, TypeError, [/'transfer'/, /buffer/]],
    [{ transfer: [{ a: 1 }] }, TypeError, [/'transfer'/, /plain object/]],
    [{ transfer: [[new ArrayBuffer(1)]] }, TypeError, [/'transfer'/, /array/]],
    [{ callback: cb }, TypeError, [/'callback'/, /apply_async\(\)/]],
    [{ kwd: {} }, TypeError, [/'kwd'/, /did you mean 'kwds'/]],
    [{ scale: 3 }, TypeError, [/'scale'/, /kwds/]],
    [5, TypeError, [/options/]],
    ["kwds", TypeError, [/options/]],
  ];
  for (const [options, kind, patterns] of cases) {
    const label = `apply(f, [1], ${show(options)})`;
    test(`${label} rejects with ${kind.name} naming it`, T, async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const error = await rejected(
          () => pool.apply(fn, [1], options as never),
          label,
        );
        assertBad(error, kind, patterns, label);
      });
    });
  }

  test("apply(f, 'x') rejects with TypeError naming 'args'", T, async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const error = await rejected(
        () => pool.apply(fn, "x" as never),
        "apply",
      );
      assertBad(error, TypeError, [/'args'/], "apply(f, 'x')");
    });
  });
});

describe("option checks: apply_async() throws at the call", () => {
  const cases: Case[] = [
    ...CALLBACK_CASES,
    [{ kwds: 5 }, TypeError, [/'kwds'/]],
    [{ kwds: "a" }, TypeError, [/'kwds'/]],
    [{ transfer: "x" }, TypeError, [/'transfer'/]],
    [{ transfer: [null] }, TypeError, [/'transfer'/]],
    [{ transfer: [new Float64Array(1)] }, TypeError, [/'transfer'/, /buffer/]],
    [{ transfer: [Object.create(null)] }, TypeError, [
      /'transfer'/,
      /plain object/,
    ]],
    [{ chunksize: 2 }, TypeError, [/'chunksize' is an option of map/]],
    [{ kwargs: {} }, TypeError, [/'kwargs'/, /did you mean 'kwds'/]],
    [5, TypeError, [/options/]],
  ];
  for (const method of ["apply_async", "applyAsync"] as const) {
    for (const [options, kind, patterns] of cases) {
      const label = `${method}(f, [1], ${show(options)})`;
      test(`${label} throws ${kind.name} naming it`, T, async () => {
        await withPool({ processes: 1 }, (pool) => {
          const error = thrown(
            () => (pool as any)[method](fn, [1], options as never),
            label,
          );
          assertBad(error, kind, patterns, label);
        });
      });
    }
    test(`${method}(f, 5) throws TypeError naming 'args'`, T, async () => {
      await withPool({ processes: 1 }, (pool) => {
        const error = thrown(
          () => (pool as any)[method](fn, 5 as never),
          method,
        );
        assertBad(error, TypeError, [/'args'/], `${method}(f, 5)`);
      });
    });
  }

  test(
    "apply_async() takes errorCallback and error_callback, and both with one value",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const boom = () => {
          throw new Error("boom");
        };
        for (
          const key of ["error_callback", "errorCallback", "both"] as const
        ) {
          const seen: unknown[] = [];
          const record = (error: unknown) => seen.push(error);
          const options = key === "both"
            ? { error_callback: record, errorCallback: record }
            : { [key]: record };
          const result = pool.apply_async(boom, [], options);
          await deadline(result.wait(), 20, `wait ${key}`);
          assert.equal(seen.length, 1, key);
          assert.match(String(seen[0]), /boom/, key);
        }
        assert.equal(
          await deadline(
            pool.apply_async(fn, [7], { callback: null } as never).get(),
            20,
            "get",
          ),
          7,
        );
      });
    },
  );
});

describe("option checks: map() and starmap() reject", () => {
  const cases: Case[] = [
    ...CHUNKSIZE_CASES,
    [{ callback: cb }, TypeError, [/'callback'/, /map_async\(\)/]],
    [{ error_callback: cb }, TypeError, [/'error_callback'/]],
    [{ buffersize: 2 }, TypeError, [/'buffersize'/, /imap\(\)/]],
  ];
  for (const method of ["map", "starmap"] as const) {
    for (const [options, kind, patterns] of cases) {
      const label = `${method}(f, xs, ${show(options)})`;
      test(`${label} rejects with ${kind.name} naming it`, T, async () => {
        await withPool({ processes: 1 }, async (pool) => {
          const error = await rejected(
            () => (pool as any)[method](fn as never, [[1]], options as never),
            label,
          );
          assertBad(error, kind, patterns, label);
        });
      });
    }
  }
});

describe("option checks: map_async() and starmap_async() throw at the call", () => {
  const cases: Case[] = [
    ...CHUNKSIZE_CASES,
    ...CALLBACK_CASES,
    [{ buffersize: 2 }, TypeError, [/'buffersize'/, /imap\(\)/]],
    [{ kwds: {} }, TypeError, [/'kwds' is an option of apply/]],
  ];
  for (
    const method of [
      "map_async",
      "mapAsync",
      "starmap_async",
      "starmapAsync",
    ] as const
  ) {
    for (const [options, kind, patterns] of cases) {
      const label = `${method}(f, xs, ${show(options)})`;
      test(`${label} throws ${kind.name} naming it`, T, async () => {
        await withPool({ processes: 1 }, (pool) => {
          const error = thrown(
            () => (pool as any)[method](fn as never, [[1]], options as never),
            label,
          );
          assertBad(error, kind, patterns, label);
        });
      });
    }
  }

  test(
    "map_async() takes errorCallback and a null chunksize",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const seen: unknown[] = [];
        const result = pool.map_async(
          (x: number) => {
            if (x === 2) throw new Error("two");
            return x;
          },
          [1, 2, 3],
          {
            errorCallback: (error: unknown) => seen.push(error),
            chunksize: null,
          } as never,
        );
        await deadline(result.wait(), 20, "wait");
        assert.equal(seen.length, 1);
        assert.deepEqual(
          await deadline(pool.map(fn, [1, 2], null as never), 20, "map"),
          [1, 2],
        );
      });
    },
  );
});

describe("option checks: imap() and imap_unordered() throw at the call", () => {
  const cases: Case[] = [
    ...CHUNKSIZE_CASES,
    [{ buffersize: "2" }, TypeError, [/'buffersize'/]],
    [{ buffersize: 0 }, RangeError, [/'buffersize'/]],
    [{ buffersize: 1.5 }, RangeError, [/'buffersize'/]],
    [{ bufferSize: 2 }, TypeError, [
      /'bufferSize'/,
      /did you mean 'buffersize'/,
    ]],
    [{ callback: cb }, TypeError, [/'callback'/, /map_async\(\)/]],
  ];
  for (
    const method of ["imap", "imap_unordered", "imapUnordered"] as const
  ) {
    for (const [options, kind, patterns] of cases) {
      const label = `${method}(f, xs, ${show(options)})`;
      test(`${label} throws ${kind.name} naming it`, T, async () => {
        await withPool({ processes: 1 }, (pool) => {
          const error = thrown(
            () => (pool as any)[method](fn, [1], options as never),
            label,
          );
          assertBad(error, kind, patterns, label);
        });
      });
    }
  }
});

describe("option checks: get(), wait() and next() timeouts reject", () => {
  const bad: unknown[] = ["1", true, {}, [1], 1n];
  test(
    "AsyncResult.get(), wait() and IMapIterator.next() reject a timeout that is not a number with TypeError naming 'timeout'",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const result = pool.apply_async(fn, [1]);
        const it = pool.imap(fn, [1, 2]);
        try {
          for (const timeout of bad) {
            const label = `timeout ${typeof timeout} ${String(timeout)}`;
            for (
              const [what, call] of [
                ["get", () => result.get(timeout as never)],
                ["wait", () => result.wait(timeout as never)],
                ["next", () => it.next(timeout as never)],
              ] as const
            ) {
              const error = await rejected(call, `${what}(${label})`);
              assertBad(error, TypeError, [/'timeout'/], `${what}(${label})`);
            }
          }
          for (
            const [what, call] of [
              ["get", () => result.get(Number.NaN)],
              ["wait", () => result.wait(Number.NaN)],
              ["next", () => it.next(Number.NaN)],
            ] as const
          ) {
            const error = await rejected(call, `${what}(NaN)`);
            assert.ok(error instanceof RangeError, `${what}(NaN): ${error}`);
            assert.match((error as Error).message, /'timeout'/);
          }
          // The result and the iterator still work.
          assert.equal(await deadline(result.get(20), 25, "get"), 1);
          assert.deepEqual(await deadline(it.next(20), 25, "next"), {
            done: false,
            value: 1,
          });
        } finally {
          await it.return();
        }
      });
    },
  );
});

describe("an AbortSignal passed as the options themselves", () => {
  // It has no option keys of its own, so it passed as no options at all:
  // the call ran on, deaf to abort() (found by a tester).
  const signal = new AbortController().signal;
  const fix = /received an AbortSignal; pass it as \{ signal \}/;
  const id = (x: number) => x;
  test(
    "apply and map reject, apply_async, imap and new Pool throw",
    T,
    async () => {
      await withPool({}, async (pool) => {
        await assert.rejects(pool.apply(id, [1], signal as never), fix);
        assert.throws(() => pool.apply_async(id, [1], signal as never), fix);
        await assert.rejects(pool.map(id, [1], signal as never), fix);
        await assert.rejects(pool.starmap(id, [[1]], signal as never), fix);
        assert.throws(() => pool.imap(id, [1], signal as never), fix);
        assert.throws(() => pool.imap_unordered(id, [1], signal as never), fix);
        assert.throws(() => new Pool(signal as never), fix);
        // As { signal } it is taken.
        assert.equal(await pool.apply(id, [3], { signal }), 3);
      });
    },
  );
});

// ---------------------------------------------------------------------------
// Found by a tester: options that were taken without a word and ignored.

describe("an argument after the options is refused, not dropped", () => {
  const id = (x: number) => x;
  const aborted = AbortSignal.abort();
  const fix = /pass \{ chunksize: 1, signal \} as the third argument/;
  const takes = (method: string) =>
    new RegExp(
      `^Cannot call ${method}\\(\\) with 4 arguments as ${method}\\(\\) takes \\(fn, iterable, chunksize or options\\)`,
    );
  test(
    "map(f, xs, 1, { signal }) and starmap reject with TypeError naming the fix",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        for (const method of ["map", "starmap"] as const) {
          const error = await rejected(
            () => (pool as any)[method](id, [[1], [2]], 1, { signal: aborted }),
            method,
          );
          assertBad(error, TypeError, [takes(method), fix], method);
        }
      });
    },
  );

  test(
    "map_async, starmap_async, imap, imap_unordered and their aliases throw TypeError at the call",
    T,
    async () => {
      await withPool({ processes: 1 }, (pool) => {
        for (
          const [method, name] of [
            ["map_async", "map_async"],
            ["mapAsync", "map_async"],
            ["starmap_async", "starmap_async"],
            ["starmapAsync", "starmap_async"],
            ["imap", "imap"],
            ["imap_unordered", "imap_unordered"],
            ["imapUnordered", "imap_unordered"],
          ] as const
        ) {
          const error = thrown(
            () => (pool as any)[method](id, [[1]], 1, { signal: aborted }),
            method,
          );
          assertBad(error, TypeError, [takes(name), fix], method);
          // A bare signal after the chunksize is named as { signal } too.
          const bare = thrown(
            () => (pool as any)[method](id, [[1]], 2, aborted),
            `${method} bare signal`,
          );
          assertBad(bare, TypeError, [
            /pass \{ chunksize: 2, signal \} as the third argument/,
          ], `${method} bare signal`);
        }
      });
    },
  );

  test(
    "apply rejects and apply_async throws for an argument after the options, naming the merged object",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const error = await rejected(
          () =>
            (pool as any).apply(id, [1], { timeout: 5 }, { signal: aborted }),
          "apply",
        );
        assertBad(error, TypeError, [
          /^Cannot call apply\(\) with 4 arguments as apply\(\) takes \(fn, args, options\)/,
          /pass \{ timeout, signal \} as the third argument/,
        ], "apply");
        for (const method of ["apply_async", "applyAsync"]) {
          const thrownError = thrown(
            () => (pool as any)[method](id, [1], {}, { signal: aborted }),
            method,
          );
          assertBad(thrownError, TypeError, [
            /apply_async\(\) takes \(fn, args, options\)/,
            /pass \{ signal \} as the third argument/,
          ], method);
        }
        // Python-style spread arguments: the fix is one array.
        const spread = thrown(
          () => (pool as any).apply_async(id, 1, 2, 3),
          "spread",
        );
        assertBad(spread, TypeError, [
          /pass the function's arguments as one array/,
        ], "spread");
        // Three arguments (and undefined options) still run.
        assert.equal(await deadline(pool.apply(id, [4], undefined), 20), 4);
        assert.deepEqual(await deadline(pool.map(id, [1, 2], 1), 20), [1, 2]);
      });
    },
  );
});

describe("options that are a Map, a Set, a Date or a function are refused", () => {
  // Not a class instance: its properties and getters are options (tests of
  // timeout_option_test.ts), as are inherited ones.
  const signal = new AbortController().signal;
  const bad: [string, unknown, RegExp][] = [
    ["a Map", new Map([["signal", signal]]), /received a Map/],
    ["a Set", new Set(["signal"]), /received a Set/],
    ["a Date", new Date(0), /received a Date/],
    ["a function", () => ({ signal }), /received a function/],
  ];
  const fix =
    /options object: received .*; pass the options as an object literal/;
  for (const [label, options, kind] of bad) {
    test(
      `${label} as options: TypeError naming the options and the fix`,
      T,
      async () => {
        await withPool({ processes: 1 }, async (pool) => {
          const patterns = [/its options must be an options object/, kind, fix];
          assertBad(
            await rejected(() => pool.apply(fn, [1], options as never), label),
            TypeError,
            patterns,
            `apply ${label}`,
          );
          for (const method of ["apply_async", "applyAsync"]) {
            assertBad(
              thrown(() => (pool as any)[method](fn, [1], options), label),
              TypeError,
              patterns,
              `${method} ${label}`,
            );
          }
          const third = [
            /its third argument must be a chunksize or an options object/,
            kind,
            fix,
          ];
          for (const method of ["map", "starmap"]) {
            assertBad(
              await rejected(
                () => (pool as any)[method](fn, [[1]], options),
                label,
              ),
              TypeError,
              third,
              `${method} ${label}`,
            );
          }
          for (
            const method of [
              "map_async",
              "starmap_async",
              "imap",
              "imap_unordered",
            ]
          ) {
            assertBad(
              thrown(() => (pool as any)[method](fn, [[1]], options), label),
              TypeError,
              third,
              `${method} ${label}`,
            );
          }
        });
        assertBad(
          await constructionError(() => new Pool(options as never)),
          TypeError,
          [
            /its argument must be a number of processes or an options object/,
            kind,
            fix,
          ],
          `new Pool(${label})`,
        );
      },
    );
  }

  test("an array as apply() options names an array", T, async () => {
    await withPool({ processes: 1 }, async (pool) => {
      assertBad(
        await rejected(() => pool.apply(fn, [1], [signal] as never), "array"),
        TypeError,
        [/its options must be an options object: received an array/, fix],
        "apply array",
      );
    });
  });

  test("options with a null prototype are taken", T, async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const options = Object.assign(Object.create(null), { timeout: 20 });
      assert.equal(await deadline(pool.apply(fn, [5], options), 20), 5);
      const chunks = Object.assign(Object.create(null), { chunksize: 1 });
      assert.deepEqual(await deadline(pool.map(fn, [1, 2], chunks), 20), [
        1,
        2,
      ]);
    });
  });
});

describe("a detached ArrayBuffer in 'transfer' is refused at the call", () => {
  const message =
    /^Cannot call apply(_async)?\(\) as 'transfer' lists a detached ArrayBuffer \(moved by an earlier call or transfer\): pass a new buffer or a copy$/;
  const detached = () => {
    const buffer = new ArrayBuffer(8);
    structuredClone(buffer, { transfer: [buffer] });
    return buffer;
  };
  test("apply rejects and apply_async throws, with TypeError", T, async () => {
    await withPool({ processes: 1 }, async (pool) => {
      const buffer = detached();
      const size = (b: ArrayBuffer) => b.byteLength;
      assertBad(
        await rejected(
          () => pool.apply(size, [buffer], { transfer: [buffer] }),
          "apply",
        ),
        TypeError,
        [message],
        "apply",
      );
      assertBad(
        thrown(
          () => pool.apply_async(size, [buffer], { transfer: [buffer] }),
          "apply_async",
        ),
        TypeError,
        [message],
        "apply_async",
      );
      // Moved by an earlier call: the second call listing it is refused.
      const moved = new ArrayBuffer(8);
      const first = pool.apply_async(size, [moved], { transfer: [moved] });
      assert.equal(await deadline(first.get(), 20, "first"), 8);
      assertBad(
        thrown(
          () => pool.apply_async(size, [moved], { transfer: [moved] }),
          "again",
        ),
        TypeError,
        [message],
        "again",
      );
    });
  });
});

describe("new Pool() options of a call, not of the pool", () => {
  test(
    "new Pool({ timeout }) suggests 'taskTimeout'; new Pool({ signal }) says it is an option of each call",
    T,
    async () => {
      const timeout = await badPool({ timeout: 1 } as never);
      assertBad(timeout, TypeError, [
        /unexpected option 'timeout': did you mean 'taskTimeout'\?/,
      ], "timeout");
      const signal = await badPool(
        { signal: new AbortController().signal } as never,
      );
      assertBad(signal, TypeError, [
        /unexpected option 'signal': 'signal' is an option of each call \(apply\(\) and others\), not of the pool: pass \{ signal \} to the calls it should stop, or call pool\.terminate\(\) to stop them all/,
      ], "signal");
      const chunksize = await badPool({ chunksize: 2 } as never);
      assertBad(chunksize, TypeError, [
        /'chunksize' is an option of each call \(map\(\) and others\), not of the pool/,
      ], "chunksize");
    },
  );
});

// ---------------------------------------------------------------------------
// Found by a tester: arguments the pool dropped without a word, keys that got
// no hint, and 'transfer' slips that surfaced only at send time.

describe("new Pool() takes one argument: what follows is refused, not dropped", () => {
  const init = (n: number) => n;
  const takes =
    /^Cannot create pool with \d arguments as new Pool\(\) takes one \(a number of processes or an options object\), and what follows would be ignored: /;
  const cases: [string, () => Pool, RegExp][] = [
    [
      "new Pool(1, init, [42]) (Python's positional parameters)",
      () => new (Pool as any)(1, init, [42]),
      /pass new Pool\(\{ processes: 1, initializer: init, initargs: \[42\] \}\)$/,
    ],
    [
      "new Pool(2, { taskTimeout: 0.1 })",
      () => new (Pool as any)(2, { taskTimeout: 0.1 }),
      /pass new Pool\(\{ processes: 2, taskTimeout: 0\.1 \}\)$/,
    ],
    [
      "new Pool({ processes: 1 }, { maxtasksperchild: 3 })",
      () => new (Pool as any)({ processes: 1 }, { maxtasksperchild: 3 }),
      /pass new Pool\(\{ processes: 1, maxtasksperchild: 3 \}\)$/,
    ],
    [
      "new Pool(undefined, undefined)",
      () => new (Pool as any)(undefined, undefined),
      /pass one number of processes or one options object$/,
    ],
  ];
  for (const [label, make, fix] of cases) {
    test(`${label} throws TypeError naming the one object`, T, async () => {
      assertBad(await constructionError(make), TypeError, [takes, fix], label);
    });
  }
});

describe("options: misspelt keys a prototype gives are named too", () => {
  test(
    "an inherited key or a getter of a class instance gets the hint; methods are not options",
    T,
    async () => {
      class Getter {
        get timout(): number {
          return 1;
        }
      }
      const hint = /unexpected option 'timout': did you mean 'timeout'\?/;
      await withPool({ processes: 1 }, async (pool) => {
        for (
          const [label, options] of [
            ["inherited", Object.create({ timout: 1 })],
            ["getter", new Getter()],
          ] as const
        ) {
          assertBad(
            await rejected(() => pool.apply(fn, [1], options), label),
            TypeError,
            [/^Cannot call apply\(\) as it got/, hint],
            `apply ${label}`,
          );
          assertBad(
            thrown(() => pool.map_async(fn, [1], options as never), label),
            TypeError,
            [/^Cannot call map_async\(\) as it got/, hint],
            `map_async ${label}`,
          );
        }
        class Options {
          timeout = 20;
          get chunksize(): number {
            return 1;
          }
          describe(): string {
            return "a method, not an option";
          }
        }
        assert.deepEqual(
          await deadline(pool.map(fn, [1, 2], new Options()), 20, "map"),
          [1, 2],
        );
      });
      assertBad(
        await constructionError(() =>
          new Pool(Object.create({ ...poolOptions(), proceses: 1 }))
        ),
        TypeError,
        [/unexpected option 'proceses': did you mean 'processes'\?/],
        "new Pool(inherited)",
      );
    },
  );
});

describe("'transfer' slips are refused at the call, naming what was given", () => {
  const size = (b: ArrayBufferLike) => b.byteLength;
  const buffer = new ArrayBuffer(8);
  const notArray: [string, unknown, RegExp][] = [
    [
      "an ArrayBuffer",
      buffer,
      /received an ArrayBuffer; list it: transfer: \[buf\]$/,
    ],
    [
      "a Uint8Array",
      new Uint8Array(8),
      /received a Uint8Array; list its buffer: transfer: \[view\.buffer\]$/,
    ],
    [
      "a Set",
      new Set([buffer]),
      /received a Set; list its items in an array: transfer: \[\.\.\.items\]$/,
    ],
  ];
  for (const [label, transfer, message] of notArray) {
    test(
      `transfer: ${label} throws TypeError naming it and the fix`,
      T,
      async () => {
        await withPool({ processes: 1 }, async (pool) => {
          const patterns = [
            /^Cannot call apply(_async)?\(\) as 'transfer' must be an array: /,
            message,
          ];
          assertBad(
            await rejected(
              () => pool.apply(size, [buffer], { transfer } as never),
              label,
            ),
            TypeError,
            patterns,
            `apply ${label}`,
          );
          assertBad(
            thrown(
              () => pool.apply_async(size, [buffer], { transfer } as never),
              label,
            ),
            TypeError,
            patterns,
            `apply_async ${label}`,
          );
          assert.equal(buffer.byteLength, 8, "the buffer is not moved");
        });
      },
    );
  }

  test(
    "a SharedArrayBuffer listed is refused: it is shared, not moved",
    {
      ...T,
      skip: typeof SharedArrayBuffer === "undefined"
        ? "no SharedArrayBuffer"
        : false,
    },
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const shared = latch(2); // 8 bytes, a test's own (custom adapter)
        const message =
          /^Cannot call apply(_async)?\(\) as 'transfer' lists a SharedArrayBuffer \(at index 1\): a SharedArrayBuffer is shared, not moved: pass it in the arguments and leave it out of 'transfer'$/;
        const options = { transfer: [new ArrayBuffer(1), shared] };
        assertBad(
          await rejected(
            () => pool.apply(size, [shared], options as never),
            "apply",
          ),
          TypeError,
          [message],
          "apply",
        );
        assertBad(
          thrown(
            () => pool.apply_async(size, [shared], options as never),
            "apply_async",
          ),
          TypeError,
          [message],
          "apply_async",
        );
        // In the arguments alone, it is shared.
        assert.equal(await deadline(pool.apply(size, [shared]), 20), 8);
      });
    },
  );

  test(
    "the same buffer listed twice is refused, naming both indexes",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const twice = new ArrayBuffer(8);
        const other = new ArrayBuffer(4);
        const message =
          /^Cannot call apply(_async)?\(\) as 'transfer' lists the same ArrayBuffer twice \(at index 0 and 2\): list each once$/;
        const options = { transfer: [twice, other, twice] };
        assertBad(
          await rejected(() => pool.apply(size, [twice], options), "apply"),
          TypeError,
          [message],
          "apply",
        );
        assertBad(
          thrown(() => pool.apply_async(size, [twice], options), "apply_async"),
          TypeError,
          [message],
          "apply_async",
        );
        assert.equal(twice.byteLength, 8, "nothing moved");
        assert.equal(
          await deadline(pool.apply(size, [twice], { transfer: [twice] }), 20),
          8,
        );
      });
    },
  );
});

describe("close(), join() and stats() take no arguments", () => {
  test(
    "stats(1) and close('x') throw, join(5) rejects, with TypeError; terminate() ignores them (a listener's event)",
    T,
    async () => {
      const pool = new Pool(poolOptions({ processes: 1 }));
      try {
        assertBad(thrown(() => (pool as any).stats(1), "stats"), TypeError, [
          /^Cannot call stats\(\) with 1 argument as stats\(\) takes no arguments: received 1$/,
        ], "stats");
        assertBad(
          thrown(() => (pool as any).close("x"), "close"),
          TypeError,
          [
            /^Cannot call close\(\) with 1 argument as close\(\) takes no arguments: received 'x'$/,
          ],
          "close",
        );
        assert.equal(
          await deadline(pool.apply(fn, [1]), 20, "still open"),
          1,
          "close('x') did not close the pool",
        );
        pool.close();
        assertBad(
          await rejected(() => (pool as any).join(5), "join"),
          TypeError,
          [
            /^Cannot call join\(\) with 1 argument as join\(\) takes no arguments: received 5; it waits with no time limit/,
          ],
          "join",
        );
        const controller = new AbortController();
        const stopped = new Promise<void>((resolve) =>
          controller.signal.addEventListener(
            "abort",
            (event) => (pool.terminate as any).call(pool, event).then(resolve),
          )
        );
        controller.abort();
        await deadline(stopped, 20, "terminate(event)");
        await deadline(pool.join(), 20, "join");
      } finally {
        await deadline(pool.terminate(), 20, "terminate");
      }
    },
  );
});
