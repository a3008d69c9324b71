import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { IMapIterator, moduleTask, RemoteError } from "../mod.ts";
import { deadline, fixture, rejection, T, withPool } from "./_util.ts";

type Tasks = typeof import("./fixtures/tasks.ts");

const TASKS = fixture("tasks.ts");

describe("moduleTask()", () => {
  test("moduleTask() runs a named export with Pool.map()", T, async () => {
    await withPool({}, async (pool) => {
      const double = moduleTask<Tasks["double"]>(TASKS, "double");
      assert.deepEqual(await deadline(pool.map(double, [1, 2, 3]), 20, "map"), [
        2,
        4,
        6,
      ]);
    });
  });

  test("moduleTask() defaults to the default export", T, async () => {
    await withPool({}, async (pool) => {
      const square = moduleTask<Tasks["default"]>(TASKS);
      assert.equal(square.name, "default");
      assert.equal(await deadline(pool.apply(square, [9]), 20, "apply"), 81);
    });
  });

  test("moduleTask() accepts an absolute URL string", T, async () => {
    await withPool({}, async (pool) => {
      const double = moduleTask<Tasks["double"]>(TASKS.href, "double");
      assert.equal(double.url, TASKS.href);
      assert.equal(await deadline(pool.apply(double, [5]), 20, "apply"), 10);
    });
  });

  test("moduleTask() export may use its module's imports", T, async () => {
    await withPool({}, async (pool) => {
      const loud = moduleTask<Tasks["loud"]>(TASKS, "loud");
      assert.equal(
        await deadline(pool.apply(loud, ["hi"]), 20, "apply"),
        "<HI>",
      );
    });
  });

  test(
    "moduleTask() module is imported once per worker and keeps its state",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const count = moduleTask<Tasks["countCalls"]>(TASKS, "countCalls");
        const seen: number[] = [];
        for (let i = 0; i < 3; i++) {
          seen.push(await deadline(pool.apply(count), 20, "apply"));
        }
        assert.deepEqual(seen, [1, 2, 3]);
      });
    },
  );

  test("moduleTask() works with apply_async, starmap and imap", T, async () => {
    await withPool({}, async (pool) => {
      const add = moduleTask<Tasks["add"]>(TASKS, "add");
      const echo = moduleTask<Tasks["echoLater"]>(TASKS, "echoLater");
      assert.equal(
        await deadline(pool.apply_async(add, [2, 3]).get(), 20, "apply_async"),
        5,
      );
      assert.deepEqual(
        await deadline(pool.starmap(add, [[1, 1], [2, 2]]), 20, "starmap"),
        [2, 4],
      );
      assert.deepEqual(
        await deadline(
          pool.starmap(echo, [["a", 30], ["b", 1]]),
          20,
          "starmap",
        ),
        ["a", "b"],
      );
      const it = pool.imap(moduleTask<Tasks["double"]>(TASKS, "double"), [
        4,
        5,
      ]);
      assert.ok(it instanceof IMapIterator);
      const out: number[] = [];
      await deadline(
        (async () => {
          for await (const value of it) out.push(value);
        })(),
        20,
        "imap",
      );
      assert.deepEqual(out, [8, 10]);
    });
  });

  test(
    "moduleTask() export that throws arrives as a RemoteError",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const fail = moduleTask<Tasks["fail"]>(TASKS, "fail");
        const error = await deadline(
          rejection(pool.apply(fail, ["from fixture"])),
          20,
          "apply",
        );
        assert.ok(error instanceof RemoteError);
        assert.equal(error.name, "RangeError");
        assert.equal(error.message, "from fixture");
      });
    },
  );

  test(
    "moduleTask() with a missing export rejects clearly and the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const missing = moduleTask(TASKS, "noSuchExport");
        const error = await deadline(
          rejection(pool.apply(missing)),
          20,
          "apply",
        );
        assert.match(error.message, /noSuchExport/);
        const notFn = moduleTask(TASKS, "notAFunction");
        const notFnError = await deadline(
          rejection(pool.apply(notFn)),
          20,
          "apply",
        );
        assert.match(notFnError.message, /notAFunction/);
        assert.equal(
          await deadline(
            pool.apply(moduleTask<Tasks["double"]>(TASKS, "double"), [1]),
            20,
            "apply",
          ),
          2,
        );
      });
    },
  );

  test(
    "moduleTask() of a missing module rejects and the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const task = moduleTask(fixture("no_such_module.ts"), "f");
        const error = await deadline(rejection(pool.apply(task)), 20, "apply");
        assert.match(error.message, /no_such_module/);
        assert.equal(
          await deadline(pool.apply(() => "alive"), 20, "apply"),
          "alive",
        );
      });
    },
  );

  test(
    "moduleTask() of a module that throws on import rejects and the pool goes on",
    T,
    async () => {
      await withPool({}, async (pool) => {
        const task = moduleTask(fixture("throws_on_import.ts"), "unreachable");
        const error = await deadline(rejection(pool.apply(task)), 20, "apply");
        assert.match(error.message, /fixture module failed to load/);
        assert.equal(
          await deadline(pool.apply(() => "alive"), 20, "apply"),
          "alive",
        );
      });
    },
  );

  test(
    "moduleTask() throws TypeError for a relative path or empty names",
    T,
    () => {
      assert.throws(
        () => moduleTask("./fixtures/tasks.ts", "double"),
        TypeError,
      );
      assert.throws(() => moduleTask("../tasks.ts"), TypeError);
      assert.throws(() => moduleTask(""), TypeError);
      assert.throws(() => moduleTask(TASKS, ""), TypeError);
    },
  );

  test("moduleTask() handle exposes url and name", T, () => {
    const task = moduleTask<Tasks["double"]>(TASKS, "double");
    assert.equal(task.url, TASKS.href);
    assert.equal(task.name, "double");
  });
});
