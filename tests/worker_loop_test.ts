/**
 * The real worker loop (`serveWorker`'s `WorkerLoop`), driven in this
 * thread through the thread adapter without the engine: the test posts
 * `init`, `define`, `forget` and `tasks` through the wire codec and watches
 * the results.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import type { WorkerExit, WorkerHandle } from "../src/core/adapter.ts";
import {
  deliverResult,
  gateNext,
  gateRevoke,
  gateStarted,
  type InitMessage,
  MODE_CALL,
  MODE_CALL1,
  MODE_MAP,
  MODE_STARMAP,
  newGate,
  putDefine,
  putTask,
  resultCount,
  resultSeq,
  TASK_TRANSFER,
  type TaskMode,
  type TaskSink,
  type WorkerMessage,
} from "../src/core/_wire.ts";
import { sourceSpec } from "../src/core/_function_source.ts";
// Functions sent as source call currentProcess by name: the loop binds it.
import { currentProcess } from "../src/current_process.ts";
import { ThreadAdapter, type ThreadWorker } from "./_thread_adapter.ts";
import { until } from "./_util.ts";
import { serveWorker } from "../src/worker/serve.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;

const T = { timeout: 20_000 };

/** What became of one task. */
interface Outcome {
  ok?: unknown;
  error?: Error;
  values?: unknown[];
  errors?: [number, Error][];
}

const sink: TaskSink = {
  ok: (ctx, value) => (ctx as Outcome).ok = value,
  fail: (ctx, error) => (ctx as Outcome).error = error as Error,
  partial: (ctx, values, errors) => {
    (ctx as Outcome).values = values;
    (ctx as Outcome).errors = errors;
  },
};

/** The main side of one worker, by hand. */
class Driver {
  readonly messages: WorkerMessage[] = [];
  readonly exits: WorkerExit[] = [];
  readonly outcomes = new Map<number, Outcome>();
  /** Sequence numbers of each results message, in arrival order. */
  readonly batches: number[][] = [];
  readonly handle: WorkerHandle;
  readonly worker: ThreadWorker;

  readonly id: number;
  readonly name: string;

  constructor(adapter: ThreadAdapter, id = 1) {
    this.id = id;
    const name = this.name = `PoolWorker-${id}`;
    this.handle = adapter.spawn({ name, id }, {
      message: (data) => this.#receive(data as WorkerMessage),
      exit: (info) => this.exits.push(info),
    });
    this.worker = adapter.workers.at(-1)!;
  }

  #receive(msg: WorkerMessage): void {
    this.messages.push(msg);
    if (msg.type !== "results") return;
    const seqs: number[] = [];
    for (let k = 0; k < resultCount(msg.results); k++) {
      const seq = resultSeq(msg.results, k);
      assert.ok(!this.outcomes.has(seq), `result ${seq} came twice`);
      const outcome: Outcome = {};
      deliverResult(msg.results, k, sink, outcome);
      this.outcomes.set(seq, outcome);
      seqs.push(seq);
    }
    this.batches.push(seqs);
  }

  init(extra: Partial<InitMessage> = {}): void {
    this.handle.post(
      {
        type: "init",
        id: this.id,
        name: this.name,
        initargs: [],
        ...extra,
      } satisfies InitMessage,
    );
  }

  define(fid: number, fn: Fn): void {
    const defs: unknown[] = [];
    putDefine(defs, fid, sourceSpec(fn, "task"));
    this.handle.post({ type: "define", defs });
  }

  forget(...fids: number[]): void {
    this.handle.post({ type: "forget", fids });
  }

  /** Posts one batch of `[seq, fid, mode, payload]` tasks. */
  tasks(...list: [number, number, TaskMode, unknown][]): void {
    const flat: unknown[] = [];
    list.forEach(([seq, fid, mode, payload], k) =>
      putTask(flat, k, seq, fid, mode, payload)
    );
    this.handle.post({ type: "tasks", tasks: flat });
  }

  /** Waits for the results of `seqs`; returns their outcomes. */
  async results(...seqs: number[]): Promise<Outcome[]> {
    await until(
      () => seqs.every((s) => this.outcomes.has(s)),
      10,
      `results ${seqs.join(",")} of ${this.name}`,
    );
    return seqs.map((s) => this.outcomes.get(s)!);
  }

  /** Sequence numbers in the order their results came. */
  order(): number[] {
    return this.batches.flat();
  }
}

async function withAdapter(
  adapter: ThreadAdapter,
  body: (adapter: ThreadAdapter) => Promise<void>,
): Promise<void> {
  try {
    await body(adapter);
  } finally {
    for (const w of adapter.workers) await w.handle.terminate();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  "the loop answers init with ready, then returns results in order",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const d = new Driver(adapter);
      d.init();
      d.define(1, (x: number) => x * 2);
      d.tasks(
        ...Array.from({ length: 10 }, (_, i) =>
          [i, 1, MODE_CALL1, i] as [number, number, TaskMode, unknown]),
      );
      d.tasks([10, 1, MODE_CALL, [21]]);
      const out = await d.results(...Array.from({ length: 11 }, (_, i) =>
        i));
      assert.deepEqual(d.messages[0], { type: "ready" });
      assert.deepEqual(out.map((o) => o.ok), [
        ...Array.from({ length: 10 }, (_, i) => i * 2),
        42,
      ]);
      assert.deepEqual(d.order(), Array.from({ length: 11 }, (_, i) => i));
      assert.equal(d.worker.tasks, 11);
      assert.equal(d.worker.batches, 2);
      assert.equal(d.worker.ran, 11);
    }),
);

test(
  "a chunk with failing items is a partial result; a throwing call an error",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const d = new Driver(adapter);
      d.init();
      d.define(1, (x: number) => {
        if (x % 2 === 0) throw new RangeError(`even ${x}`);
        return x;
      });
      d.define(2, (a: number, b: number) => a + b);
      d.tasks(
        [0, 1, MODE_MAP, [1, 2, 3, 4]],
        [1, 2, MODE_STARMAP, [[1, 2], [3, 4]]],
        [2, 1, MODE_CALL1, 8],
        [3, 1, MODE_MAP, [5, 7]],
      );
      const [partial, star, thrown, whole] = await d.results(0, 1, 2, 3);
      assert.deepEqual(partial.values, [1, undefined, 3, undefined]);
      assert.deepEqual(partial.errors!.map(([i]) => i), [1, 3]);
      assert.ok(partial.errors![0][1] instanceof Error);
      assert.match(partial.errors![1][1].message, /even 4/);
      assert.deepEqual(star.ok, [3, 7]);
      assert.match(thrown.error!.message, /even 8/);
      assert.deepEqual(whole.ok, [5, 7]);
    }),
);

test(
  "async tasks and async chunk items keep their order",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const d = new Driver(adapter);
      d.init();
      d.define(1, async (x: number) => {
        await (globalThis as any)[Symbol.for("xpool.sleep")](x);
        return x;
      });
      d.define(
        2,
        (x: number) => x === 1 ? Promise.reject(new Error("one")) : x,
      );
      d.define(3, async (x: number) => {
        await null;
        if (x < 0) throw new TypeError("negative");
        return -x;
      });
      d.tasks(
        [0, 1, MODE_CALL1, 15],
        [1, 1, MODE_CALL1, 0],
        [2, 2, MODE_MAP, [0, 1, 2]],
        [3, 3, MODE_CALL1, 4],
        [4, 3, MODE_CALL1, -1],
      );
      const out = await d.results(0, 1, 2, 3, 4);
      assert.deepEqual(d.order(), [0, 1, 2, 3, 4]);
      assert.equal(out[0].ok, 15);
      assert.equal(out[1].ok, 0);
      assert.deepEqual(out[2].values, [0, undefined, 2]);
      assert.match(out[2].errors![0][1].message, /one/);
      assert.equal(out[3].ok, -4);
      assert.equal(out[4].error!.name, "TypeError");
    }),
);

test(
  "an initializer that throws answers initError and runs no task",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const d = new Driver(adapter);
      d.init({
        initializer: sourceSpec((n: number) => {
          throw new Error(`init failed ${n}`);
        }, "initializer"),
        initargs: [7],
      });
      d.define(1, (x: number) => x);
      d.tasks([0, 1, MODE_CALL1, 1]);
      await until(() => d.messages.length > 0, 10, "initError");
      await sleep(20);
      assert.equal(d.messages.length, 1);
      const [msg] = d.messages;
      assert.equal(msg.type, "initError");
      assert.match(
        (msg as { error: { message: string } }).error.message,
        /init failed 7/,
      );
      assert.equal(d.worker.ran, 0);
    }),
);

test(
  "the initializer runs first, as this worker",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const d = new Driver(adapter, 4);
      d.init({
        initializer: sourceSpec(async (k: string) => {
          await null;
          (globalThis as any)[Symbol.for(k)] = currentProcess().name;
        }, "initializer"),
        initargs: ["xpool.test.init"],
      });
      d.define(1, (k: string) => (globalThis as any)[Symbol.for(k)]);
      d.tasks([0, 1, MODE_CALL1, "xpool.test.init"]);
      const [out] = await d.results(0);
      assert.equal(out.ok, "PoolWorker-4");
      delete (globalThis as any)[Symbol.for("xpool.test.init")];
    }),
);

test(
  "forget drops a function; its id can then name another one",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const d = new Driver(adapter);
      d.init();
      d.define(1, (x: number) => x + 1);
      d.tasks([0, 1, MODE_CALL1, 1]);
      assert.equal((await d.results(0))[0].ok, 2);
      d.forget(1);
      d.tasks([1, 1, MODE_CALL1, 1]);
      assert.match(
        (await d.results(1))[0].error!.message,
        /Unknown task function #1/,
      );
      d.define(1, (x: number) => x * 100);
      d.tasks([2, 1, MODE_CALL1, 3]);
      assert.equal((await d.results(2))[0].ok, 300);
    }),
);

test(
  "the gate: a revoked ordinal is skipped, the rest run",
  T,
  () =>
    withAdapter(
      new ThreadAdapter({ startDelay: () => 30 }),
      async (adapter) => {
        const gate = newGate();
        const d = new Driver(adapter);
        d.init({ control: gate });
        d.define(1, (x: number) => x);
        d.tasks(
          [0, 1, MODE_CALL1, 0],
          [1, 1, MODE_CALL1, 1],
          [2, 1, MODE_CALL1, 2],
        );
        d.tasks([3, 1, MODE_CALL1, 3], [4, 1, MODE_CALL1, 4]);
        // The worker is still starting: take back ordinals 0, 1 and 2.
        assert.equal(gateRevoke(gate, 3), 0);
        const out = await d.results(3, 4);
        assert.deepEqual(out.map((o) => o.ok), [3, 4]);
        await sleep(20);
        assert.deepEqual(d.order(), [3, 4]);
        assert.equal(d.worker.ran, 2);
        assert.equal(gateNext(gate), 5, "the worker claimed 3 and 4");
      },
    ),
);

test(
  "the gate: a revoked task flagged TASK_TRANSFER runs all the same, and the kept cell says so",
  T,
  () =>
    withAdapter(
      new ThreadAdapter({ startDelay: () => 30 }),
      async (adapter) => {
        const gate = newGate();
        const d = new Driver(adapter);
        d.init({ control: gate });
        d.define(1, (x: number) => x);
        const kept = (MODE_CALL1 | TASK_TRANSFER) as TaskMode;
        d.tasks(
          [0, 1, MODE_CALL1, 0],
          [1, 1, kept, 1],
          [2, 1, MODE_CALL1, 2],
          [3, 1, kept, 3],
        );
        // The worker is still starting: take back ordinals 0 to 3; it
        // still runs 1 and 3 (their buffers would be there), not 0 and 2.
        assert.equal(gateRevoke(gate, 4), 0);
        assert.equal(gateStarted(gate), 0, "none started yet");
        const out = await d.results(1, 3);
        assert.deepEqual(out.map((o) => o.ok), [1, 3]);
        assert.equal(gateStarted(gate), 4, "it started the kept 3");
        assert.equal(gateNext(gate), 4, "the gate stays revoked below 4");
        d.tasks([4, 1, MODE_CALL1, 4]);
        assert.deepEqual((await d.results(4)).map((o) => o.ok), [4]);
        await sleep(20);
        assert.deepEqual(d.order(), [1, 3, 4]);
        assert.equal(d.worker.ran, 3);
        assert.equal(gateStarted(gate), 5);
      },
    ),
);

test(
  "with the gate, short tasks' results are batched; without, one per task",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const n = 200;
      const list = Array.from(
        { length: n },
        (_, i) => [i, 1, MODE_CALL1, i] as [number, number, TaskMode, unknown],
      );
      const gated = new Driver(adapter, 1);
      gated.init({ control: newGate() });
      gated.define(1, (x: number) => x);
      gated.tasks(...list);
      const plain = new Driver(adapter, 2);
      plain.init();
      plain.define(1, (x: number) => x);
      plain.tasks(...list);
      await gated.results(...list.map(([s]) => s));
      await plain.results(...list.map(([s]) => s));
      assert.ok(
        gated.batches.length < n,
        `${gated.batches.length} messages for ${n} results`,
      );
      assert.equal(plain.batches.length, n, "one result per message");
    }),
);

test(
  "results finished so far are posted before a task not known to be short",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const d = new Driver(adapter);
      d.init({ control: newGate() });
      d.define(1, (x: number) => x);
      d.define(2, (ms: number) => {
        const end = performance.now() + ms;
        while (performance.now() < end) { /* busy */ }
        return ms;
      });
      d.tasks(
        [0, 1, MODE_CALL1, 0],
        [1, 1, MODE_CALL1, 1],
        [2, 1, MODE_CALL1, 2],
        [3, 2, MODE_CALL1, 30], // another function: may run long
        [4, 1, MODE_CALL1, 4],
      );
      await d.results(0, 1, 2, 3, 4);
      const slow = d.batches.find((b) => b.includes(3))!;
      for (const seq of [0, 1, 2]) {
        assert.ok(
          !slow.includes(seq),
          `result ${seq} waited for the slow task`,
        );
      }
    }),
);

test(
  "a result that cannot be cloned fails alone",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const d = new Driver(adapter);
      d.init({ control: newGate() });
      d.define(1, (x: number) => (x === 1 ? () => x : x));
      d.tasks(
        [0, 1, MODE_CALL1, 0],
        [1, 1, MODE_CALL1, 1],
        [2, 1, MODE_CALL1, 2],
      );
      const out = await d.results(0, 1, 2);
      assert.equal(out[0].ok, 0);
      assert.equal(out[1].error!.name, "DataCloneError");
      assert.equal(out[2].ok, 2);
    }),
);

test(
  "two loops in one thread share no state",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const a = new Driver(adapter, 1);
      const b = new Driver(adapter, 2);
      const gate = newGate();
      a.init({ control: gate });
      b.init();
      // The same function id names different functions in each.
      a.define(1, (x: number) => `${currentProcess().name}:${x + 1}`);
      b.define(1, (x: number) => `${currentProcess().name}:${x * 10}`);
      b.define(2, async (x: number) => {
        await (globalThis as any)[Symbol.for("xpool.sleep")](5);
        return `${currentProcess().name}:${x}`;
      });
      a.define(2, async (x: number) => {
        await (globalThis as any)[Symbol.for("xpool.sleep")](5);
        return `${currentProcess().name}:${x}`;
      });
      for (let i = 0; i < 3; i++) {
        a.tasks([i * 2, 1, MODE_CALL1, i], [i * 2 + 1, 2, MODE_CALL1, i]);
        b.tasks([i * 2, 1, MODE_CALL1, i], [i * 2 + 1, 2, MODE_CALL1, i]);
      }
      const seqs = [0, 1, 2, 3, 4, 5];
      const [ra, rb] = await Promise.all([
        a.results(...seqs),
        b.results(...seqs),
      ]);
      assert.deepEqual(ra.map((o) => o.ok), [
        "PoolWorker-1:1",
        "PoolWorker-1:0",
        "PoolWorker-1:2",
        "PoolWorker-1:1",
        "PoolWorker-1:3",
        "PoolWorker-1:2",
      ]);
      assert.deepEqual(rb.map((o) => o.ok), [
        "PoolWorker-2:0",
        "PoolWorker-2:0",
        "PoolWorker-2:10",
        "PoolWorker-2:1",
        "PoolWorker-2:20",
        "PoolWorker-2:2",
      ]);
      assert.equal(gateNext(gate), 6, "only worker 1 claims through the gate");
      a.forget(1);
      a.tasks([6, 1, MODE_CALL1, 0]);
      b.tasks([6, 1, MODE_CALL1, 5]);
      assert.match((await a.results(6))[0].error!.message, /Unknown/);
      assert.equal((await b.results(6))[0].ok, "PoolWorker-2:50");
    }),
);

test(
  "a task that exits its worker: results before it arrive, then fatal and exit",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const d = new Driver(adapter);
      d.init({ control: newGate() });
      d.define(1, (x: number) => {
        if (x === 2) (globalThis as any)[Symbol.for("xpool.die")](3);
        return x;
      });
      d.tasks(
        [0, 1, MODE_CALL1, 0],
        [1, 1, MODE_CALL1, 1],
        [2, 1, MODE_CALL1, 2],
        [3, 1, MODE_CALL1, 3],
      );
      await until(() => d.exits.length > 0, 10, "exit");
      assert.deepEqual(d.exits, [{ code: 3 }]);
      assert.deepEqual(d.order(), [0, 1]);
      assert.deepEqual(d.messages.at(-1), {
        type: "fatal",
        code: 3,
        started: 3,
      }); // no `protocol` field: the user's code ended it
      assert.equal(d.worker.ran, 3, "task 3 never started");
      assert.equal(d.worker.alive, false);
      d.tasks([4, 1, MODE_CALL1, 4]); // posting to a dead worker: ignored
    }),
);

test(
  "a worker that dies silently loses the results it had not posted",
  T,
  () =>
    withAdapter(new ThreadAdapter({ dieSilently: true }), async (adapter) => {
      const d = new Driver(adapter);
      d.init({ control: newGate() });
      d.define(1, async (x: number) => {
        if (x === 9) {
          await (globalThis as any)[Symbol.for("xpool.sleep")](5);
          (globalThis as any)[Symbol.for("xpool.die")](1);
        }
        return x;
      });
      d.tasks([0, 1, MODE_CALL1, 0]);
      await d.results(0);
      d.tasks([1, 1, MODE_CALL1, 1], [2, 1, MODE_CALL1, 9], [
        3,
        1,
        MODE_CALL1,
        3,
      ]);
      await until(() => d.exits.length > 0, 10, "exit");
      assert.deepEqual(d.exits, [{ code: 1 }]);
      assert.ok(d.messages.every((m) => m.type !== "fatal"), "no fatal");
      assert.ok(!d.outcomes.has(2) && !d.outcomes.has(3));
    }),
);

test(
  "start-up: a slow start delays, a failed start exits",
  T,
  () =>
    withAdapter(
      new ThreadAdapter({
        startDelay: (name) => (name === "PoolWorker-1" ? 40 : 0),
        startFails: (name) => name === "PoolWorker-2",
      }),
      async (adapter) => {
        const slow = new Driver(adapter, 1);
        const dead = new Driver(adapter, 2);
        slow.init();
        dead.init();
        await sleep(15);
        assert.equal(slow.messages.length, 0, "still starting");
        await until(() => slow.messages.length > 0, 10, "ready");
        assert.deepEqual(slow.messages, [{ type: "ready" }]);
        await until(() => dead.exits.length > 0, 10, "exit");
        assert.deepEqual(dead.exits, [{ code: 1 }]);
        assert.deepEqual(dead.messages, []);
        assert.equal(adapter.workers.length, 2);
      },
    ),
);

test(
  "terminate stops a loop mid-task: no exit event, nothing left running",
  T,
  () =>
    withAdapter(new ThreadAdapter(), async (adapter) => {
      const d = new Driver(adapter);
      d.init();
      d.define(1, async (ms: number) => {
        await (globalThis as any)[Symbol.for("xpool.sleep")](ms);
        return ms;
      });
      d.tasks([0, 1, MODE_CALL1, 60_000], [1, 1, MODE_CALL1, 0]);
      // The worker's `ready` may still be on its way through the channel
      // when the task starts: wait for it too, or terminate drops it.
      await until(
        () => d.worker.ran === 1 && d.messages.length === 1,
        10,
        "ready received and task started",
      );
      await d.handle.terminate();
      await sleep(20);
      assert.equal(d.worker.alive, false);
      assert.deepEqual(d.exits, []);
      assert.deepEqual(d.messages, [{ type: "ready" }]);
      assert.equal(d.worker.ran, 1);
    }),
);

test(
  "a malformed message from the pool is a fatal WireError naming it, never ignored",
  T,
  async () => {
    const cases: [string, unknown, RegExp][] = [
      ["a number", 42, /not an object: number 42/],
      ["null", null, /not an object: null/],
      ["an unknown type", { type: "Tasks", tasks: [] }, /of type "Tasks"/],
      [
        "a task list not an array",
        { type: "tasks", tasks: "x" },
        /tasks are not a flat/,
      ],
      [
        "a task without payload",
        { type: "tasks", tasks: [5, 1, MODE_CALL] },
        /4 slots a task/,
      ],
      [
        "an unknown mode",
        { type: "tasks", tasks: [5, 1, 77, [1]] },
        /task 0 .*mode number 77/,
      ],
      [
        "a string seq",
        { type: "tasks", tasks: ["s5", 1, MODE_CALL1, 1] },
        /seq "s5"/,
      ],
      ["a call without an argument list", {
        type: "tasks",
        tasks: [5, 1, MODE_CALL, 1],
      }, /payload number 1/],
      [
        "defs of odd length",
        { type: "define", defs: [1] },
        /define message whose defs/,
      ],
      [
        "fids not integers",
        { type: "forget", fids: ["a"] },
        /forget message whose fids/,
      ],
    ];
    for (const [label, bad, why] of cases) {
      await withAdapter(new ThreadAdapter(), async (adapter) => {
        const d = new Driver(adapter);
        d.init();
        d.define(1, (x: number) => x + 1);
        d.tasks([0, 1, MODE_CALL1, 1]);
        await d.results(0);
        d.handle.post(bad);
        d.tasks([1, 1, MODE_CALL1, 2]);
        await until(
          () => d.messages.some((m) => m.type === "fatal"),
          10,
          `fatal for ${label}`,
        );
        const fatal = d.messages.at(-1) as Extract<
          WorkerMessage,
          { type: "fatal" }
        >;
        assert.equal(fatal.type, "fatal", label);
        assert.equal(fatal.error?.name, "WireError", label);
        assert.equal(fatal.protocol, true, `${label}: said a protocol slip`);
        assert.match(fatal.error!.message, why, label);
        await sleep(10);
        assert.equal(d.outcomes.has(1), false, `${label}: nothing runs after`);
        assert.equal(
          d.messages.at(-1),
          fatal,
          `${label}: nothing posted after`,
        );
      });
    }
  },
);

test(
  "a malformed init is refused: no ready, a fatal WireError",
  T,
  async () => {
    const inits: [unknown, RegExp][] = [
      [{ type: "init" }, /init message whose id/],
      [{ type: "init", id: 1, name: 2, initargs: [] }, /name number 2/],
      [{ type: "init", id: 1, name: "w", initargs: 3 }, /initargs/],
      [
        { type: "init", id: 1, name: "w", initargs: [], control: [0] },
        /control/,
      ],
    ];
    for (const [bad, why] of inits) {
      await withAdapter(new ThreadAdapter(), async (adapter) => {
        const d = new Driver(adapter);
        d.handle.post(bad);
        await until(() => d.messages.length > 0, 10, "fatal");
        assert.equal(d.messages.length, 1);
        const [fatal] = d.messages as {
          type: string;
          error?: Error;
          protocol?: true;
        }[];
        assert.equal(fatal.type, "fatal");
        assert.equal(fatal.error?.name, "WireError");
        assert.equal(fatal.protocol, true, "said a protocol slip");
        assert.match(fatal.error!.message, why);
      });
    }
  },
);

test("serveWorker refuses a channel without post or listen, naming the fix", () => {
  const cases: [unknown, RegExp][] = [
    [undefined, /received undefined/],
    [null, /received null/],
    [{}, /its post is undefined/],
    [{ post: "x", listen() {} }, /its post is string/],
    [{ post() {} }, /its listen is undefined/],
    [{ post() {}, listen() {}, onFatal: 1 }, /its onFatal is number/],
  ];
  for (const [channel, why] of cases) {
    assert.throws(
      () => serveWorker(channel as Parameters<typeof serveWorker>[0]),
      (error: Error) =>
        error instanceof TypeError &&
        /serveWorker\(channel\) takes a WorkerChannel/.test(error.message) &&
        why.test(error.message),
      String(why),
    );
  }
});
