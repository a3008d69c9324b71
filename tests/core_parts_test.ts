/**
 * The engine's pure parts, without workers: the balancer's dispatch plan
 * and steal pick, death blame, the window, and the function registry.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { pickVictim, planDispatch } from "../src/core/_balance.ts";
import {
  blame,
  diedStarting,
  LOST_TWICE,
  movedAway,
  REQUEUE,
  RERUN,
  RUNNING,
  sentence,
  takeUnread,
} from "../src/core/_blame.ts";
import {
  clause,
  clauseText,
  initializerError,
  startError,
  unreadableMessage,
} from "../src/core/_messages.ts";
import { MAX_WINDOW, Window } from "../src/core/_window.ts";
import { Registry } from "../src/core/_registry.ts";
import {
  type FnSpec,
  gateClaim,
  gateKeep,
  newGate,
  TASK_TRANSFER,
} from "../src/core/_wire.ts";
import { WorkerLostError } from "../mod.ts";
import { abortAt, CallGroup, cancelledHead } from "../src/core/_cancel.ts";
import { countCancelled, slotsToVisit } from "../src/core/_cancel_tasks.ts";
import { countStats } from "../src/core/_stats.ts";
import { HEAD_WAIT_MS, HeadWait } from "../src/core/_head_wait.ts";
import { Slot, TaskRecord } from "../src/core/_slot.ts";
import { runningTask } from "../src/core/_deadline.ts";

const T = { timeout: 30_000 };

test(
  "planDispatch splits evenly, least loaded first, within each room",
  T,
  () => {
    assert.deepEqual(
      planDispatch(10, [
        { inflight: 3, room: 100 },
        { inflight: 0, room: 100 },
      ]),
      [{ slot: 1, count: 5 }, { slot: 0, count: 5 }],
    );
    // A full worker gets nothing; the rest is split among the others.
    assert.deepEqual(
      planDispatch(9, [
        { inflight: 0, room: 2 },
        { inflight: 1, room: 0 },
        { inflight: 2, room: 100 },
      ]),
      [{ slot: 0, count: 2 }, { slot: 2, count: 7 }],
    );
    // Fewer tasks than workers: one each, to the least loaded.
    assert.deepEqual(
      planDispatch(1, [{ inflight: 4, room: 5 }, { inflight: 1, room: 5 }]),
      [{ slot: 1, count: 1 }],
    );
    assert.deepEqual(planDispatch(5, []), []);
  },
);

test(
  "pickVictim takes the silent worker with most unstarted tasks, else says when",
  T,
  () => {
    assert.deepEqual(
      pickVictim([
        { unstarted: 3, silentMs: 50 },
        { unstarted: 9, silentMs: 30 },
        { unstarted: 20, silentMs: 5 },
      ], 20),
      { victim: 1, waitMs: Infinity },
    );
    assert.deepEqual(
      pickVictim([{ unstarted: 3, silentMs: 5 }, {
        unstarted: 1,
        silentMs: 15,
      }], 20),
      { victim: -1, waitMs: 5 },
    );
    assert.deepEqual(pickVictim([{ unstarted: 0, silentMs: 99 }], 20), {
      victim: -1,
      waitMs: Infinity,
    });
  },
);

const task = (ordinal: number, rerun = false) => ({ ordinal, rerun });

test(
  "blame without shared memory: the oldest unanswered task ran, the rest never started",
  T,
  () => {
    assert.deepEqual(blame([task(4), task(5), task(6)], -1), [
      RUNNING,
      REQUEUE,
      REQUEUE,
    ]);
    // Even a task that ran again before is blamed alone: no loop.
    assert.deepEqual(blame([task(0, true)], -1), [RUNNING]);
    assert.deepEqual(blame([], -1), []);
  },
);

test(
  "blame with the gate: last claimed ran, earlier lost results run once more, later never started",
  T,
  () => {
    // Ordinals 2..6 unanswered; the worker had claimed up to 4 (started = 5).
    assert.deepEqual(
      blame([task(2), task(3, true), task(4), task(5), task(6)], 5),
      [RERUN, LOST_TWICE, RUNNING, REQUEUE, REQUEUE],
    );
    // Nothing claimed of these: none is blamed.
    assert.deepEqual(blame([task(3), task(4)], 3), [REQUEUE, REQUEUE]);
  },
);

test(
  "sentence: the first task of a message the worker could not read is refused, not sent again; a message the pool could not read stops the worker",
  T,
  () => {
    const tasks = [task(0), task(1), task(2), task(3)];
    const cause = new Error("could not deserialize value");
    const verdict = sentence(tasks, 1, { name: "PoolWorker-2", lostAt: 2 }, {
      error: cause,
    });
    // 0 was running (a WorkerLostError), 2 could not be read (a TypeError,
    // not sent again), 1 and 3 run elsewhere.
    assert.deepEqual(verdict.requeue, [tasks[1], tasks[3]]);
    assert.equal(verdict.stranded[0], tasks[2]);
    const unread = verdict.stranded[1] as Error;
    assert.ok(unread instanceof TypeError);
    assert.match(unread.message, /could not read this task's arguments/);
    assert.match(unread.message, /pass flatter data/);
    assert.equal(verdict.settles, true);
    assert.equal(verdict.lost[0], tasks[0]);
    // Nothing unread: no task is refused, only the running one blamed.
    const plain = sentence([task(0), task(1)], -1, { name: "W" }, {});
    assert.equal(plain.stranded.length, 0);
    assert.equal(plain.settles, true);
    assert.deepEqual(takeUnread([task(0)], 5, "W", {}), []);
    // What this thread cannot copy either is the culprit, wherever it is in
    // the lost message; the first task of that message then runs elsewhere.
    const batch = [
      { ordinal: 2, payload: [1] },
      { ordinal: 3, payload: [() => 1] },
      { ordinal: 4, payload: [2], transfer: [] },
    ];
    const found = takeUnread(batch, 2, "W", {});
    assert.equal(found.length, 2);
    assert.equal((found[0] as { ordinal: number }).ordinal, 3);
    assert.match((found[1] as Error).message, /nor can this thread copy them/);
    assert.deepEqual(batch.map((t) => t.ordinal), [2, 4]);
    // A message from the worker the pool could not read.
    const stopped = sentence([task(0)], 1, { name: "W" }, {
      error: unreadableMessage("W", new RangeError("stack")),
    });
    assert.match(
      (stopped.lost[1] as Error).message,
      /was stopped before this task's result came .*could not be read on the pool's thread/,
    );
  },
);

test("diedStarting: not ready and no task claimed", T, () => {
  assert.equal(diedStarting(false, -1), true);
  assert.equal(diedStarting(false, 0), true);
  assert.equal(diedStarting(false, 1), false);
  assert.equal(diedStarting(true, -1), false);
});

test(
  "sentence marks re-runs and makes WorkerLostErrors for the blamed",
  T,
  () => {
    const tasks = [task(0), task(1), task(2)];
    const { requeue, lost } = sentence(tasks, 2, { name: "PoolWorker-7" }, {
      code: 1,
    });
    assert.deepEqual(requeue, [tasks[0], tasks[2]]);
    assert.equal(tasks[0].rerun, true);
    assert.equal(tasks[2].rerun, false);
    assert.equal(lost.length, 2);
    assert.equal(lost[0], tasks[1]);
    const error = lost[1] as WorkerLostError;
    assert.ok(error instanceof WorkerLostError);
    assert.equal(error.workerName, "PoolWorker-7");
    assert.equal(error.exitCode, 1);
    assert.match(error.message, /died while running this task \(exit code 1\)/);
  },
);

test(
  "Window: 1 until measured, then about 4 ms of work, at most MAX_WINDOW",
  T,
  () => {
    const w = new Window();
    assert.equal(w.size, 1);
    w.observe(100, 1); // 100 ms per task
    assert.equal(w.size, 1);
    const fast = new Window();
    fast.observe(1, 1000); // 1 µs per task
    assert.equal(fast.size, 4000);
    fast.observe(0, 5);
    assert.equal(fast.size, 2000 * 4); // EWMA halves the per-task time
    const zero = new Window();
    zero.observe(0, 10);
    assert.equal(zero.size, MAX_WINDOW);
  },
);

test(
  "Window.least: an adapter's prefetch is the least size (1 when absent or not a count)",
  T,
  () => {
    const w = new Window();
    w.least(2);
    assert.equal(w.size, 2); // before a measure too
    w.observe(100, 1);
    assert.equal(w.size, 2);
    for (let i = 0; i < 20; i++) w.observe(1, 1000);
    assert.ok(w.size > 2); // tiny tasks: the measure wins
    for (const bad of [undefined, 0, -1, NaN, 0.5]) {
      const v = new Window();
      v.least(bad);
      v.observe(100, 1);
      assert.equal(v.size, 1, String(bad));
    }
    const big = new Window();
    big.least(1e9);
    assert.equal(big.size, MAX_WINDOW);
  },
);

const spec = (source: string): FnSpec => ({ kind: "source", source });

test("Registry: one id per source, cached for the same function", T, () => {
  const r = new Registry(8);
  let described = 0;
  const describe = (fn: unknown): FnSpec => {
    described++;
    return spec(String(fn));
  };
  const f = (x: number) => x + 1;
  const id = r.fidFor(f, describe);
  assert.equal(r.fidFor(f, describe), id);
  assert.equal(r.fidFor((x: number) => x + 1, describe), id); // same source
  assert.equal(described, 1);
  assert.deepEqual(r.spec(id), spec(String(f)));
  assert.notEqual(r.fid(spec("other")), id);
  assert.equal(r.fid(spec("other")), r.fid(spec("other")));
});

test(
  "Registry stays bounded over 100,000 functions, evicts only unused ones, never reuses ids",
  T,
  () => {
    const r = new Registry(100);
    const evicted: number[] = [];
    r.onEvict = (fids) => evicted.push(...fids);
    const held = r.fid(spec("held"));
    r.retain(held);
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const fid = i % 10 === 0
        ? r.fidFor(new Function(`return ${i}`), (fn) => spec(String(fn)))
        : r.fid(spec(`() => ${i}`));
      assert.ok(!seen.has(fid), "ids are not reused");
      seen.add(fid);
      assert.ok(r.size <= 101, `size ${r.size}`);
    }
    assert.ok(evicted.length > 99_000);
    assert.ok(!evicted.includes(held));
    assert.deepEqual(r.spec(held), spec("held"));
    r.release(held);
    // In use by many queued tasks: nothing can go; the bound is soft.
    const busy = new Registry(10);
    for (let i = 0; i < 1000; i++) busy.retain(busy.fid(spec(`f${i}`)));
    assert.equal(busy.size, 1000);
  },
);

/** A task record of `group` for the tests below. */
function groupTask(seq: number, group?: CallGroup): TaskRecord {
  const sink = { ok() {}, fail() {}, partial() {} };
  return new TaskRecord(seq, 0, 0, seq, sink, undefined, undefined, group);
}

test("a call group visits every worker where its last task is unanswered", () => {
  const group = new CallGroup();
  const slots = [1, 2, 3].map((id) =>
    new Slot(id, `PoolWorker-${id}`, undefined)
  );
  for (const slot of slots) slot.state = "ready";
  // Worker 1: a task of the group, then another call's; worker 2: two of
  // the group; worker 3: one of the group, already answered.
  slots[0].trackAll([groupTask(1, group), groupTask(2)]);
  slots[1].trackAll([groupTask(3, group), groupTask(4, group)]);
  slots[2].trackAll([groupTask(5, group)]);
  slots[2].inflight.shift(); // answered
  const visit = slotsToVisit(group);
  assert.deepEqual([...visit].map((s) => s.id).sort(), [1, 2]);
  assert.equal(slotsToVisit(group).size, 0, "forgotten once visited");
});

test("aborting counts at once the group's tasks a worker started and has not answered", () => {
  const group = new CallGroup();
  const gate = newGate();
  const slot = new Slot(1, "PoolWorker-1", gate);
  slot.state = "ready";
  // Two of the group, then two of another call; the worker has started
  // all four (0 and 1 finished, their results on the way; it runs 3).
  const tasks = [groupTask(1, group), groupTask(2, group), groupTask(3)];
  slot.trackAll([...tasks, groupTask(4)]);
  for (let o = 0; o < 4; o++) assert.equal(gateClaim(gate, o), true);
  const finished: Slot[] = [];
  assert.equal(slotsToVisit(group, finished).size, 0, "nothing to stop");
  assert.deepEqual(finished, [slot], "but its started tasks are counted");
  group.cancelled = true;
  countCancelled(slot, group);
  assert.equal(slot.cancelledRun, 2);
  assert.deepEqual(tasks.map((t) => t.counted), [true, true, false]);
  const stats = countStats(1, 0, [slot], { completed: 0, failed: 0 });
  assert.equal(stats.failed, 2, JSON.stringify(stats));
  assert.equal(stats.running, 1, JSON.stringify(stats));
});

test("the running task: the oldest unanswered without a gate, once ready", () => {
  const slot = new Slot(1, "PoolWorker-1", undefined);
  const first = groupTask(1);
  slot.trackAll([first, groupTask(2)]);
  assert.equal(runningTask(slot), undefined, "not ready: nothing runs");
  slot.state = "ready";
  assert.equal(runningTask(slot), first);
});

/** A buffer already transferred away (detached). */
function movedBuffer(): ArrayBuffer {
  const buffer = new ArrayBuffer(8);
  structuredClone(buffer, { transfer: [buffer] });
  return buffer;
}

test(
  "sentence: a task whose transferred buffers went with the dead worker rejects, not blamed, instead of running again",
  T,
  () => {
    const gone = [movedBuffer()];
    const tasks = [
      { ordinal: 0, rerun: false, transfer: gone }, // finished, result lost
      { ordinal: 1, rerun: false }, // running
      { ordinal: 2, rerun: false, transfer: gone }, // never started
      { ordinal: 3, rerun: false, transfer: [new ArrayBuffer(8)] }, // copied
    ];
    assert.equal(movedAway(tasks[0]), true);
    assert.equal(movedAway(tasks[3]), false, "an adapter copied it");
    const { requeue, lost, stranded } = sentence(tasks, 2, {
      name: "PoolWorker-3",
    }, {
      code: 9,
    });
    assert.deepEqual(requeue, [tasks[3]]);
    assert.equal(lost.length, 2);
    assert.equal(lost[0], tasks[1]);
    assert.deepEqual([stranded[0], stranded[2]], [tasks[0], tasks[2]]);
    const [after, before] = [stranded[1], stranded[3]] as WorkerLostError[];
    for (const error of [after, before]) {
      assert.ok(error instanceof WorkerLostError);
      assert.equal(error.workerName, "PoolWorker-3");
      assert.equal(error.exitCode, 9);
      assert.match(error.message, /transferred to it .* lost with it/);
    }
    assert.match(after.message, /died before sending this task's result/);
    assert.match(before.message, /died before this task started/);
    assert.equal(tasks[0].rerun, false, "not marked to run again");
  },
);

test(
  "the gate never takes back a task flagged TASK_TRANSFER; the slot tells what runs across the gaps",
  T,
  () => {
    const slot = new Slot(1, "PoolWorker-1", newGate());
    slot.state = "ready";
    const group = new CallGroup();
    const tasks = [0, 1, 2, 3, 4].map((seq) =>
      groupTask(seq, seq === 3 ? group : undefined)
    );
    tasks[2].mode |= TASK_TRANSFER;
    tasks[3].mode |= TASK_TRANSFER; // of the group, aborted below
    slot.trackAll(tasks);
    const gate = slot.gate!;
    assert.equal(gateClaim(gate, 0), true); // the worker runs 0
    assert.equal(slot.unstarted(), 4);
    assert.deepEqual(slot.revokeUnstarted(), [tasks[1], tasks[4]]);
    assert.deepEqual(slot.inflight.toArray(), [tasks[0], tasks[2], tasks[3]]);
    assert.equal(slot.started(), 1);
    assert.equal(runningTask(slot), tasks[0]);
    assert.equal(slot.unstarted(), 0, "nothing left to take back");
    assert.equal(slot.keptWaiting(), 2);
    group.cancelled = true;
    assert.equal(cancelledHead(slot), false, "0 runs, not of the group");
    // The worker: 0 answered, 1 skipped, 2 kept and run.
    slot.answered();
    assert.equal(gateClaim(gate, 1), false);
    assert.equal(gateClaim(gate, 2), false);
    gateKeep(gate, 2);
    assert.equal(slot.started(), 3);
    assert.equal(runningTask(slot), tasks[2]);
    assert.equal(slot.keptWaiting(), 1);
    assert.equal(cancelledHead(slot), false);
    // 2 answered; 3, of the aborted call, starts: its worker is replaced.
    slot.answered();
    gateKeep(gate, 3);
    assert.equal(runningTask(slot), tasks[3]);
    assert.equal(cancelledHead(slot), true);
    // New work after the revoked ordinals: past the gate, nothing kept.
    const next = groupTask(5);
    slot.track(next);
    assert.equal(next.ordinal, 5);
    assert.equal(gateClaim(gate, 4), false, "4 was taken back");
    assert.equal(gateClaim(gate, 5), true);
    slot.answered();
    assert.equal(runningTask(slot), next);
    assert.equal(slot.holdsKept(), false);
    assert.equal(cancelledHead(slot), false);
  },
);

test("the running task with a gate: across ordinals taken back", T, () => {
  const slot = new Slot(1, "PoolWorker-1", newGate());
  const a = [0, 1, 2].map((seq) => groupTask(seq));
  slot.trackAll(a);
  gateClaim(slot.gate!, 0);
  assert.deepEqual(slot.revokeUnstarted(), [a[1], a[2]]); // 0 still runs
  const b = [3, 4].map((seq) => groupTask(seq)); // ordinals 3 and 4
  slot.trackAll(b);
  assert.equal(runningTask(slot), a[0]);
  gateClaim(slot.gate!, 3); // 0 finished (its result on the way), 3 runs
  assert.equal(runningTask(slot), b[0]);
  gateClaim(slot.gate!, 4);
  assert.equal(runningTask(slot), b[1]);
});

/** A slot with a gate, ready, sent tasks 0 (plain), 1 (of `group`), 2. */
function runningBehindFinished(group: CallGroup) {
  const slot = new Slot(1, "PoolWorker-1", newGate());
  slot.state = "ready";
  const tasks = [groupTask(0), groupTask(1, group), groupTask(2)];
  slot.trackAll(tasks);
  gateClaim(slot.gate!, 0);
  gateClaim(slot.gate!, 1); // 0 finished, its result on the way; 1 runs
  group.cancelled = true;
  return { slot, tasks };
}

test(
  "abortAt with a gate: a cancelled task running behind a finished one stops its worker once that one answered, not before",
  T,
  () => {
    const group = new CallGroup();
    const { slot, tasks } = runningBehindFinished(group);
    const at = abortAt(slot);
    assert.equal(at.stop, false, "0's result is on the way");
    assert.equal(at.later, true);
    assert.equal(slot.stopAtHead, true);
    assert.deepEqual(at.requeue, [tasks[2]], "2 taken back");
    assert.equal(cancelledHead(slot), false, "0 unanswered");
    slot.answered(); // 0's result came
    assert.equal(cancelledHead(slot), true, "1, the oldest, runs: stop");
  },
);

test(
  "abortAt with a gate: a cancelled task that is the oldest unanswered, running, stops its worker at once",
  T,
  () => {
    const group = new CallGroup();
    const { slot } = runningBehindFinished(group);
    slot.answered(); // 0's result came before the abort
    const at = abortAt(slot);
    assert.equal(at.stop, true);
    assert.equal(at.later, false);
  },
);

test(
  "HeadWait: a worker whose results do not come is stopped after HEAD_WAIT_MS; one whose cancelled task answered is not",
  T,
  async () => {
    const held = runningBehindFinished(new CallGroup()).slot;
    const came = runningBehindFinished(new CallGroup()).slot;
    for (const slot of [held, came]) assert.equal(abortAt(slot).later, true);
    const stopped: Slot[] = [];
    const wait = new HeadWait((slot) => stopped.push(slot));
    try {
      wait.add(held);
      wait.add(came);
      came.answered(); // 0
      came.answered(); // 1, the cancelled one: it finished
      await new Promise((resolve) => setTimeout(resolve, HEAD_WAIT_MS / 2));
      assert.deepEqual(stopped, [], "not before HEAD_WAIT_MS");
      for (let i = 0; i < 100 && stopped.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(stopped, [held]);
      assert.equal(came.stopAtHead, false);
    } finally {
      wait.clear();
    }
  },
);

test("a runtime's message inside a sentence loses one trailing period", () => {
  assert.equal(
    clause("Maximum call stack size exceeded."),
    "Maximum call stack size exceeded",
  );
  assert.equal(clause("no period"), "no period");
  assert.equal(clause("wait..."), "wait..");
  assert.equal(clause(""), "");
  assert.equal(clauseText(new RangeError("too deep.")), "too deep");
  assert.equal(clauseText("thrown."), "thrown");
  const init = initializerError(
    "W",
    {
      name: "Error",
      message: "bad config.",
    } as Parameters<typeof initializerError>[1],
  );
  assert.match(init.message, /: Error: bad config; no task can run/);
  for (const what of ["workers", "worker 'W'"]) {
    const error = startError(what, new Error("cannot spawn."));
    assert.match(error.message, /cannot spawn; the pool is broken/);
    assert.doesNotMatch(error.message, /\.;/);
  }
});
