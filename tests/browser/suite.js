// The browser suite: the parts of the API.md contract that apply in a
// browser, run through the "web" context against the built library
// (dist/esm). tests/browser/run.mjs opens this page in headless Chromium
// in five modes and reads the results from the console:
//   same      page and library on one origin (the shared suite's browser part)
//   cross     library on another origin with CORS, like a CDN: the worker
//             starts through the SecurityError -> blob fallback
//   csp       page, library and worker all served with
//             `Content-Security-Policy: script-src 'self'` (no 'unsafe-eval')
//   csp-page  only the page has that policy; the worker script is served
//             without one, so the worker may eval (RUNTIMES.md §3)
//   coi       page, library and workers served with COOP/COEP headers: the
//             page is cross-origin isolated, so SharedArrayBuffer exists and
//             the pool uses its shared gate (work stealing, exact blame)
//   cross-csp library on the CDN origin, page with
//             `script-src 'self' blob: <cdn>`: the blob worker inherits the
//             page's policy, so it may not eval either
// Each result is one console line: `__POOLTEST__ {"name","ok","error","ms"}`,
// then `__POOLTEST_DONE__ {"passed","failed"}`.

const params = new URLSearchParams(location.search);
const MODE = params.get("mode") ?? "same";
const ROOT = new URL(params.get("root") ?? "/", location.href);
const LIB = new URL("dist/esm/mod.js", ROOT);
const FIXTURES = new URL("tests/browser/fixtures/tasks.js", ROOT);
const TEST_MS = 30_000;

const lib = await import(LIB.href);
const {
  Pool,
  RemoteError,
  TimeoutError,
  WorkerLostError,
  moduleTask,
  cpuCount,
  currentProcess,
} = lib;

// ---- tiny harness -------------------------------------------------------

const tests = [];
/** Registers a test for the given modes (default: same, cross and coi). */
function test(name, modes, fn) {
  if (typeof modes === "function") {
    [fn, modes] = [modes, ["same", "cross", "coi"]];
  }
  if (modes.includes(MODE)) tests.push({ name, fn });
}

function assert(condition, message) {
  if (!condition) throw new Error(`Assertion failed: ${message}`);
}
function equal(actual, expected, what = "value") {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}
function includes(text, part, what = "message") {
  if (!String(text).includes(part)) {
    throw new Error(
      `${what} ${JSON.stringify(String(text))} lacks ${JSON.stringify(part)}`,
    );
  }
}
/** The error `promise` rejects with; fails if it fulfils or takes > `s` seconds. */
async function rejection(promise, s = 20) {
  let timer;
  try {
    const outcome = await Promise.race([
      Promise.resolve(promise).then(
        (value) => ({ value }),
        (error) => ({ error }),
      ),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve({ late: true }), s * 1000);
      }),
    ]);
    if (outcome.late) throw new Error(`did not settle within ${s}s`);
    if (!("error" in outcome)) {
      throw new Error(
        `expected a rejection, got ${JSON.stringify(outcome.value)}`,
      );
    }
    return outcome.error;
  } finally {
    clearTimeout(timer);
  }
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const task = (name) => moduleTask(FIXTURES, name);

/** Runs `fn(pool)` with a fresh pool that is terminated afterwards. */
async function withPool(options, fn) {
  const pool = new Pool(options);
  try {
    return await fn(pool);
  } finally {
    await pool.terminate();
  }
}

// ---- environment ---------------------------------------------------------

test("a COOP/COEP page is cross-origin isolated with SharedArrayBuffer", [
  "coi",
], () => {
  assert(globalThis.crossOriginIsolated === true, "crossOriginIsolated");
  assert(typeof SharedArrayBuffer === "function", "SharedArrayBuffer exists");
});

test(
  "tasks queued behind a blocked worker are taken back and run on the idle one",
  [
    "coi",
  ],
  async () => {
    const pool = new Pool(2);
    try {
      await pool.map((x) => x, Array.from({ length: 50 }, (_, i) => i)); // warm up
      const sab = new SharedArrayBuffer(4);
      const items = Array.from({ length: 6 }, (_, i) => ({ i, sab }));
      const result = await pool.map(
        ({ i, sab }) => {
          const cell = new Int32Array(sab);
          if (i === 0) return Atomics.wait(cell, 0, 0, 5000) !== "timed-out";
          if (i === 5) {
            Atomics.store(cell, 0, 1);
            Atomics.notify(cell, 0);
          }
          return i;
        },
        items,
        1,
      );
      equal(result, [true, 1, 2, 3, 4, 5], "item 0 was woken by item 5");
    } finally {
      await pool.terminate();
    }
  },
);

test("cpuCount() is navigator.hardwareConcurrency", () => {
  equal(cpuCount(), navigator.hardwareConcurrency, "cpuCount()");
});

test("new Pool() defaults to cpuCount() workers and the web context", async () => {
  await withPool(undefined, async (pool) => {
    equal(pool.processes, cpuCount(), "processes");
    equal(await pool.apply((x) => x + 1, [1]), 2, "apply");
  });
});

test("new Pool({ context: 'node' }) throws a clear error in a browser", () => {
  let error;
  try {
    new Pool({ processes: 1, context: "node" });
  } catch (e) {
    error = e;
  }
  assert(error instanceof Error, "constructor threw");
  includes(error.message, "node:worker_threads");
});

test("the library has no node: import in its browser module graph", () => {
  // Every module of dist/esm the page loaded came from the library's origin
  // over http: a node: specifier would have failed the import above.
  const loaded = performance.getEntriesByType("resource")
    .map((e) => e.name)
    .filter((name) => name.includes("/dist/esm/"));
  assert(loaded.some((n) => n.endsWith("/mod.js")), "mod.js was loaded");
  assert(loaded.every((n) => n.startsWith("http")), "all over http");
});

test(
  "a direct cross-origin Worker throws SecurityError (so the pool used the blob fallback)",
  ["cross", "cross-csp"],
  () => {
    let error;
    try {
      new Worker(new URL("dist/esm/src/worker/bundle.js", ROOT), {
        type: "module",
      });
    } catch (e) {
      error = e;
    }
    equal(error?.name, "SecurityError", "error name");
    assert(ROOT.origin !== location.origin, "library is on another origin");
  },
);

// ---- map family ------------------------------------------------------------

test("Pool.map() returns results in input order when later items finish first", async () => {
  await withPool(2, async (pool) => {
    const out = await pool.map(
      async (x) => {
        await new Promise((r) => setTimeout(r, (10 - x) * 15));
        return x * x;
      },
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
      1,
    );
    equal(out, [1, 4, 9, 16, 25, 36, 49, 64, 81], "results");
  });
});

test("Pool.map() of an empty input resolves to []", async () => {
  await withPool(2, async (pool) => {
    equal(await pool.map((x) => x, []), [], "results");
  });
});

test("Pool.map() with many items and chunks gives every result", async () => {
  await withPool(2, async (pool) => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const out = await pool.map((x) => x * 2, xs, { chunksize: 7 });
    equal(out.length, 1000, "length");
    assert(out.every((v, i) => v === i * 2), "values");
  });
});

test("Pool.starmap() spreads each argument array", async () => {
  await withPool(2, async (pool) => {
    equal(await pool.starmap((a, b) => a * b, [[1, 2], [3, 4], [5, 6]]), [
      2,
      12,
      30,
    ], "results");
  });
});

test("Pool.map_async() runs callback before the result settles", async () => {
  await withPool(2, async (pool) => {
    let seen;
    const result = pool.map_async((x) => x + 1, [1, 2, 3], {
      callback: (r) => {
        seen = r;
      },
    });
    equal(await result.get(10), [2, 3, 4], "get");
    equal(seen, [2, 3, 4], "callback");
    assert(result.ready() && result.successful(), "ready and successful");
  });
});

test("Pool.map() with a failing item rejects with the first failure, error_callback once", async () => {
  await withPool(2, async (pool) => {
    let calls = 0;
    const error = await rejection(
      pool.map_async(
        (x) => {
          if (x === 3) throw new TypeError(`bad ${x}`);
          return x;
        },
        [1, 2, 3, 4, 5],
        { chunksize: 1, error_callback: () => calls++ },
      ),
    );
    assert(error instanceof RemoteError, "RemoteError");
    equal(error.name, "TypeError", "name");
    equal(error.message, "bad 3", "message");
    equal(calls, 1, "error_callback calls");
    equal(await pool.map((x) => x, [1, 2]), [1, 2], "pool still usable");
  });
});

// ---- apply ---------------------------------------------------------------

test("Pool.apply() passes args and kwds; apply_async() is awaitable", async () => {
  await withPool(2, async (pool) => {
    equal(
      await pool.apply((a, b, kw) => a + b + kw.c, [1, 2], { kwds: { c: 3 } }),
      6,
      "apply",
    );
    const r = pool.apply_async((a) => a * 10, [4]);
    equal(await r, 40, "await apply_async");
    equal(await r.get(1), 40, "get");
  });
});

test("Pool.apply() moves transferred ArrayBuffers", async () => {
  await withPool(1, async (pool) => {
    const buf = new Uint8Array([1, 2, 3, 4]).buffer;
    const sum = await pool.apply(
      (b) => new Uint8Array(b).reduce((a, x) => a + x, 0),
      [buf],
      { transfer: [buf] },
    );
    equal(sum, 10, "sum");
    equal(buf.byteLength, 0, "sender's buffer detached");
  });
});

// ---- imap ----------------------------------------------------------------

test("Pool.imap() yields in input order when later items finish first", async () => {
  await withPool(2, async (pool) => {
    const out = [];
    for await (
      const r of pool.imap(async (x) => {
        await new Promise((res) => setTimeout(res, (6 - x) * 20));
        return x;
      }, [1, 2, 3, 4, 5])
    ) out.push(r);
    equal(out, [1, 2, 3, 4, 5], "order");
  });
});

test("Pool.imap_unordered() yields in completion order", async () => {
  await withPool(2, async (pool) => {
    const out = [];
    const it = pool.imap_unordered(async (ms) => {
      await new Promise((res) => setTimeout(res, ms));
      return ms;
    }, [400, 10]);
    for await (const r of it) out.push(r);
    equal(out, [10, 400], "completion order");
  });
});

test("Pool.imap() over an infinite generator can break and leaves the pool usable", async () => {
  await withPool(2, async (pool) => {
    let produced = 0;
    function* naturals() {
      for (let i = 0;; i++) {
        produced++;
        yield i;
      }
    }
    const out = [];
    for await (const r of pool.imap((x) => x * x, naturals())) {
      out.push(r);
      if (out.length === 20) break;
    }
    equal(out.slice(0, 5), [0, 1, 4, 9, 16], "first results");
    assert(produced < 200, `input read lazily (read ${produced})`);
    equal(await pool.apply(() => "ok"), "ok", "pool still usable");
  });
});

test("IMapIterator.next(timeout) rejects with TimeoutError, then goes on", async () => {
  await withPool(1, async (pool) => {
    const it = pool.imap(async (ms) => {
      await new Promise((r) => setTimeout(r, ms));
      return ms;
    }, [300]);
    const error = await rejection(it.next(0.02));
    assert(error instanceof TimeoutError, `TimeoutError, got ${error}`);
    equal(error.name, "TimeoutError", "name");
    equal((await it.next(10)).value, 300, "value after timeout");
  });
});

test("Pool.imap() with a failing item rejects at its position and goes on", async () => {
  await withPool(2, async (pool) => {
    const it = pool.imap((x) => {
      if (x === 2) throw new RangeError("two");
      return x;
    }, [1, 2, 3]);
    equal((await it.next()).value, 1, "first");
    const error = await rejection(it.next());
    equal(error.name, "RangeError", "second rejects");
    equal((await it.next()).value, 3, "third");
  });
});

// ---- timeouts, errors --------------------------------------------------------

test("AsyncResult.get(timeout) rejects with TimeoutError; the task keeps running", async () => {
  await withPool(1, async (pool) => {
    const r = pool.apply_async(async () => {
      await new Promise((res) => setTimeout(res, 300));
      return "late";
    });
    const error = await rejection(r.get(0.05));
    assert(error instanceof TimeoutError, "TimeoutError");
    assert(!r.ready(), "not ready yet");
    await r.wait(0.01); // never rejects
    equal(await r.get(10), "late", "result after the timeout");
  });
});

test("a task's TypeError arrives as RemoteError with name, message and worker stack", async () => {
  await withPool(1, async (pool) => {
    const error = await rejection(pool.apply(function thrower() {
      throw new TypeError("bad");
    }));
    assert(error instanceof RemoteError, "instanceof RemoteError");
    equal(error.name, "TypeError", "name");
    equal(error.message, "bad", "message");
    includes(error.stack, "thrower", "stack");
  });
});

test("a non-Error throw arrives too", async () => {
  await withPool(1, async (pool) => {
    const error = await rejection(pool.apply(() => {
      throw "plain string";
    }));
    assert(error instanceof RemoteError, "RemoteError");
    includes(error.message, "plain string");
  });
});

test("a free variable is reported with a hint that points at moduleTask", async () => {
  const secret = 42;
  await withPool(1, async (pool) => {
    const error = await rejection(pool.apply(() => secret));
    includes(error.message, "'secret'");
    includes(error.message, "moduleTask");
  });
});

test("a method shorthand is refused at the call with a TypeError", async () => {
  await withPool(1, (pool) => {
    const obj = {
      m(x) {
        return x;
      },
    };
    let error;
    try {
      pool.apply_async(obj.m, [1]);
    } catch (e) {
      error = e;
    }
    assert(error instanceof TypeError, `TypeError, got ${error}`);
    includes(error.message, "method shorthand");
  });
});

test("an argument that cannot be cloned rejects that task, the pool goes on", async () => {
  await withPool(1, async (pool) => {
    const error = await rejection(pool.apply((f) => typeof f, [() => 1]));
    includes(error.name + error.message, "lone");
    equal(await pool.apply((x) => x, [5]), 5, "next task");
  });
});

test("a result that cannot be cloned rejects that task with DataCloneError", async () => {
  await withPool(1, async (pool) => {
    const error = await rejection(pool.apply(() => () => 1));
    equal(error.name, "DataCloneError", "name");
    equal(await pool.apply((x) => x, [6]), 6, "next task");
  });
});

// ---- lifecycle -----------------------------------------------------------

test("Pool.terminate() rejects pending work and leaves nothing running", async () => {
  const pool = new Pool(2);
  const pending = [1, 2, 3, 4].map(() =>
    pool.apply_async(() => new Promise(() => {}))
  );
  const busy = pool.apply_async(() => {
    for (;;) {
      // a busy loop: only terminate() can stop it
    }
  });
  await sleep(100);
  await pool.terminate();
  for (const r of [...pending, busy]) {
    const error = await rejection(r.get(), 5);
    assert(error instanceof Error, "rejected with an Error");
  }
  await pool.join();
});

test("close() stops new work ('Pool not running'), queued work still runs, join() waits", async () => {
  const pool = new Pool(2);
  try {
    const early = await rejection(pool.join());
    includes(early.message, "Pool is still running");
    const r = pool.map_async(async (x) => {
      await new Promise((res) => setTimeout(res, 50));
      return x;
    }, [1, 2, 3]);
    pool.close();
    const late = await rejection(pool.map((x) => x, [1]));
    includes(late.message, "Pool not running");
    await pool.join();
    equal(await r.get(0), [1, 2, 3], "queued work finished");
  } finally {
    await pool.terminate();
  }
});

test("Pool[Symbol.asyncDispose]() closes and joins", async () => {
  const pool = new Pool(1);
  const r = pool.apply_async(() => 7);
  await pool[Symbol.asyncDispose]();
  equal(await r.get(0), 7, "result");
});

// ---- worker death ----------------------------------------------------------

test("a task that calls self.close() rejects with WorkerLostError; the pool goes on", async () => {
  await withPool(1, async (pool) => {
    const error = await rejection(pool.apply(() => {
      self.close();
      return new Promise(() => {});
    }));
    assert(error instanceof WorkerLostError, `WorkerLostError, got ${error}`);
    equal(
      await pool.apply(() => currentProcess().name),
      "PoolWorker-2",
      "replacement",
    );
  });
});

test("an unhandled rejection in a worker rejects its task with WorkerLostError", async () => {
  await withPool(1, async (pool) => {
    const error = await rejection(pool.apply(() => {
      Promise.reject(new Error("nobody catches this"));
      return new Promise(() => {});
    }));
    assert(error instanceof WorkerLostError, `WorkerLostError, got ${error}`);
    equal(await pool.apply((x) => x, [1]), 1, "pool still usable");
  });
});

test("an uncaught throw in a worker timer rejects the running task with WorkerLostError", async () => {
  await withPool(1, async (pool) => {
    const error = await rejection(pool.apply(() => {
      setTimeout(() => {
        throw new Error("from a timer");
      }, 10);
      return new Promise(() => {});
    }));
    assert(error instanceof WorkerLostError, `WorkerLostError, got ${error}`);
    includes(error.cause?.message ?? error.message, "from a timer");
  });
});

// ---- identity, initializer, maxtasksperchild -------------------------------

test("currentProcess() is MainProcess on the page and PoolWorker-N in workers", async () => {
  equal(currentProcess().name, "MainProcess", "main");
  await withPool(2, async (pool) => {
    const names = await pool.map(
      async (_x) => {
        await new Promise((r) => setTimeout(r, 30));
        return currentProcess().name;
      },
      [1, 2, 3, 4, 5, 6],
      1,
    );
    assert(names.every((n) => /^PoolWorker-[12]$/.test(n)), names.join());
    equal(new Set(names).size, 2, "both workers took part");
  });
});

test("initializer runs once per worker before its first task", async () => {
  const options = {
    processes: 2,
    initializer: async (base) => {
      await new Promise((r) => setTimeout(r, 10));
      globalThis.base = base;
      globalThis.inits = (globalThis.inits ?? 0) + 1;
    },
    initargs: [100],
  };
  await withPool(options, async (pool) => {
    const out = await pool.map((x) => [globalThis.base + x, globalThis.inits], [
      1,
      2,
      3,
      4,
    ], 1);
    equal(
      out.map((o) => o[0]),
      [101, 102, 103, 104],
      "tasks saw the initializer",
    );
    assert(out.every((o) => o[1] === 1), "once per worker");
  });
});

test("an initializer that throws rejects tasks with an error naming it", async () => {
  const options = {
    processes: 1,
    initializer: () => {
      throw new Error("init exploded");
    },
  };
  await withPool(options, async (pool) => {
    const error = await rejection(pool.apply(() => 1));
    includes(error.message + " " + error.cause?.message, "init exploded");
    includes(error.message.toLowerCase(), "initializer");
  });
});

test("maxtasksperchild replaces workers after that many tasks", async () => {
  await withPool({ processes: 1, maxtasksperchild: 2 }, async (pool) => {
    const names = [];
    for (let i = 0; i < 6; i++) {
      names.push(await pool.apply(() => currentProcess().name));
    }
    equal(names, [
      "PoolWorker-1",
      "PoolWorker-1",
      "PoolWorker-2",
      "PoolWorker-2",
      "PoolWorker-3",
      "PoolWorker-3",
    ], "names");
  });
});

// ---- moduleTask (every mode: it is the CSP-safe path) ------------------------

const ALL = ["same", "cross", "csp", "csp-page", "cross-csp"];
/** Modes whose workers run under a policy without 'unsafe-eval'. */
const EVAL_BLOCKED = ["csp", "cross-csp"];

test("moduleTask: default and named exports run in workers", ALL, async () => {
  await withPool(2, async (pool) => {
    equal(
      await pool.map(moduleTask(FIXTURES), [1, 2, 3]),
      [1, 4, 9],
      "default",
    );
    equal(await pool.map(task("double"), [1, 2, 3]), [2, 4, 6], "named");
  });
});

test(
  "moduleTask: module state, imports of the library, errors",
  ALL,
  async () => {
    await withPool(1, async (pool) => {
      equal(await pool.apply(task("countCalls")), 1, "first call");
      equal(await pool.apply(task("countCalls")), 2, "module state kept");
      equal(
        await pool.apply(task("whoAmI")),
        { name: "PoolWorker-1", id: 1 },
        "currentProcess",
      );
      const error = await rejection(pool.apply(task("fail"), ["nope"]));
      assert(error instanceof RemoteError, "RemoteError");
      equal(error.name, "RangeError", "name");
    });
  },
);

test("moduleTask as initializer", ALL, async () => {
  const options = {
    processes: 2,
    initializer: task("setState"),
    initargs: ["ready"],
  };
  await withPool(options, async (pool) => {
    equal(await pool.map(task("getState"), [0, 0, 0]), [
      "ready",
      "ready",
      "ready",
    ], "state");
  });
});

test("moduleTask with a missing export rejects clearly", ALL, async () => {
  await withPool(1, async (pool) => {
    const error = await rejection(pool.apply(task("nope")));
    includes(error.message, "nope");
  });
});

// ---- Content-Security-Policy -------------------------------------------------

test("under the page's CSP, eval is blocked on the main thread (sanity)", [
  "csp",
  "csp-page",
  "cross-csp",
], () => {
  let error;
  try {
    new Function("return 1");
  } catch (e) {
    error = e;
  }
  equal(error?.name, "EvalError", "new Function on the page");
});

test(
  "CSP worker: eval is blocked in the worker too (sanity)",
  EVAL_BLOCKED,
  async () => {
    await withPool(1, async (pool) => {
      equal(await pool.apply(task("canEval")), false, "canEval in worker");
    });
  },
);

test(
  "CSP worker: a function sent by source rejects with EvalError pointing at moduleTask",
  EVAL_BLOCKED,
  async () => {
    await withPool(1, async (pool) => {
      const error = await rejection(pool.apply((x) => x * 2, [21]));
      assert(error instanceof RemoteError, `RemoteError, got ${error}`);
      equal(error.name, "EvalError", "name");
      includes(error.message, "moduleTask");
      includes(error.message, "Content-Security-Policy");
      // the same pool still runs module tasks
      equal(
        await pool.apply(task("double"), [21]),
        42,
        "moduleTask afterwards",
      );
    });
  },
);

test(
  "CSP worker: map of a sent function rejects with the same clear error",
  EVAL_BLOCKED,
  async () => {
    await withPool(2, async (pool) => {
      const error = await rejection(pool.map((x) => x, [1, 2, 3]));
      includes(error.message, "moduleTask");
    });
  },
);

test(
  "CSP worker: an initializer sent by source breaks the pool with a clear error",
  EVAL_BLOCKED,
  async () => {
    const options = { processes: 1, initializer: () => {} };
    await withPool(options, async (pool) => {
      const error = await rejection(pool.apply(task("double"), [1]));
      includes(error.message + " " + error.cause?.message, "moduleTask");
    });
  },
);

test(
  "CSP page only: the URL worker has its own (empty) policy, so sent functions work",
  ["csp-page"],
  async () => {
    await withPool(1, async (pool) => {
      equal(await pool.apply(task("canEval")), true, "canEval in worker");
      equal(await pool.apply((x) => x * 2, [21]), 42, "sent function");
    });
  },
);

test(
  "CSP page only: a method shorthand is caught in the worker (no up-front check without eval)",
  ["csp-page"],
  async () => {
    await withPool(1, async (pool) => {
      const obj = {
        m(x) {
          return x;
        },
      };
      const error = await rejection(pool.apply(obj.m, [1]));
      includes(error.message, "re-create");
    });
  },
);

// ---- run -------------------------------------------------------------------

const log = document.getElementById("log");
let passed = 0;
let failed = 0;
for (const { name, fn } of tests) {
  const start = performance.now();
  let error;
  let timer;
  try {
    await Promise.race([
      (async () => await fn())(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out after ${TEST_MS} ms`)),
          TEST_MS,
        );
      }),
    ]);
  } catch (e) {
    error = e;
  } finally {
    clearTimeout(timer);
  }
  const ms = Math.round(performance.now() - start);
  if (error) failed++;
  else passed++;
  const record = {
    name,
    ok: !error,
    ms,
    error: error ? `${error.name}: ${error.message}` : undefined,
  };
  log.textContent += `${error ? "FAIL" : "ok  "} ${name} (${ms} ms)${
    error ? "\n     " + record.error : ""
  }\n`;
  console.log("__POOLTEST__ " + JSON.stringify(record));
}
console.log("__POOLTEST_DONE__ " + JSON.stringify({ passed, failed }));
