/**
 * A host's pulling pace (src/cluster/_pace.ts), without a server: how many
 * tasks it holds, when it pulls a thread's next task ahead, and how it
 * measures run times of jobs that waited behind others.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AHEAD_MAX_MS,
  AHEAD_MS,
  DEPTH_MS,
  MAX_DEPTH,
  Pace,
  type PacedJob,
} from "../../src/cluster/_pace.ts";

const T = { timeout: 10_000 };
const job = (): PacedJob => ({ near: false, soon: undefined });

test(
  "Pace: one task per thread for slow tasks, DEPTH_MS of work per thread for short ones",
  T,
  () => {
    const pace = new Pace(2, () => {});
    assert.equal(pace.room(), 2); // unmeasured: 1 s per task
    let t = 0;
    for (let i = 0; i < 200; i++) pace.measure(0.01, 0, t += 0.01); // 10 µs tasks
    assert.equal(pace.room(), 2 * MAX_DEPTH);
    const mid = new Pace(3, () => {});
    for (let i = 0; i < 200; i++) mid.measure(DEPTH_MS / 4, 0, t += 1);
    assert.equal(mid.room(), 3 * 4);
    assert.equal(mid.free(5), 12 - 5);
  },
);

test(
  "Pace: a job that waited behind others is measured by its share of the time between answers",
  T,
  () => {
    const pace = new Pace(1, () => {});
    pace.measure(50, 0, 1000);
    // Held behind 3 others for 150 ms, answered 50 ms after the previous one.
    for (let i = 0; i < 100; i++) pace.measure(200, 3, 1000 + 50 * (i + 1));
    assert.equal(pace.room(), 1);
    const tiny = new Pace(2, () => {});
    tiny.measure(1, 0, 1);
    // 100 answers of one batch: the first carries the interval, the rest 0.
    let now = 1;
    for (let b = 0; b < 50; b++) {
      now += 2; // 2 ms per batch of 100 on 2 threads: 0.04 ms per task
      for (let i = 0; i < 100; i++) tiny.measure(5, 200, now);
    }
    assert.ok(
      tiny.room() >= 2 * Math.round(DEPTH_MS / 0.2),
      String(tiny.room()),
    );
  },
);

test(
  "Pace: the next task of a thread is pulled AHEAD_MS before its running one should end, and only for measured tasks up to AHEAD_MAX_MS",
  T,
  async () => {
    let wakes = 0;
    const pace = new Pace(1, () => wakes++);
    const first = job();
    pace.started(first); // nothing measured yet: no pull ahead
    assert.equal(first.soon, undefined);
    pace.ended(first);
    for (let i = 0; i < 100; i++) pace.measure(AHEAD_MS + 20, 0, 100 * (i + 1));
    const j = job();
    pace.started(j);
    assert.notEqual(j.soon, undefined);
    assert.equal(pace.free(1), 0);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(j.near, true);
    assert.equal(wakes, 1);
    assert.equal(pace.free(1), 1); // its thread's next one may come now
    pace.ended(j);
    assert.equal(pace.free(0), 1);
    // Ended before its mark: the timer is cleared, nothing counted.
    const k = job();
    pace.started(k);
    pace.ended(k);
    assert.equal(k.soon, undefined);
    assert.equal(k.near, false);
    // Long tasks: no pull ahead.
    const slow = new Pace(1, () => {});
    for (let i = 0; i < 100; i++) {
      slow.measure(AHEAD_MAX_MS * 2, 0, AHEAD_MAX_MS * 2 * (i + 1));
    }
    const s = job();
    slow.started(s);
    assert.equal(s.soon, undefined);
  },
);

test(
  "Pace: a job that came with every thread busy is not counted as ending before a running one ends",
  T,
  async () => {
    const pace = new Pace(1, () => {});
    for (let i = 0; i < 100; i++) pace.measure(AHEAD_MS + 20, 0, 100 * (i + 1));
    const a = job(), b = job();
    pace.started(a);
    pace.started(b, true); // pulled ahead: waits behind a
    assert.equal(b.soon, undefined);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(a.near, true);
    assert.equal(b.near, false); // its timer has not run: it has not started
    assert.equal(pace.free(2), 0); // a's next one is b: nothing more to pull
    pace.ended(a); // b starts now
    assert.notEqual(b.soon, undefined);
    assert.equal(pace.free(1), 0);
    pace.ended(b);
    assert.equal(b.soon, undefined);
    // One that ends while it waits leaves nothing behind.
    const c = job(), d = job();
    pace.started(c);
    pace.started(d, true);
    pace.ended(d);
    pace.ended(c);
    assert.equal(d.soon, undefined);
    assert.equal(pace.free(0), 1);
  },
);

test(
  "Pace: the first answer replaces the guess of 1 s per task",
  T,
  () => {
    const pace = new Pace(2, () => {});
    pace.measure(DEPTH_MS / 4, 0, 10);
    assert.equal(pace.room(), 2 * 4);
  },
);
