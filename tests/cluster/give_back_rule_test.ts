/**
 * The give-back rule of a cluster host (`src/cluster/_give_back.ts`): how
 * long a host waits before it gives back the tasks it holds follows its
 * tasks' usual run time, a median, so that one slow task among tiny ones
 * does not make it hold tiny tasks behind the next slow one for seconds
 * (found by a tester: 1–17 tiny tasks waited ~2 s on one host while the
 * other was idle, in a third of the rounds).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  GIVE_BACK_MS,
  GiveBack,
  mayGiveBack,
  RECENT,
} from "../../src/cluster/_give_back.ts";

test("patience: GIVE_BACK_MS before any answer and for tiny tasks", () => {
  const giving = new GiveBack(1, 5, () => {});
  assert.equal(giving.patience, GIVE_BACK_MS);
  for (let i = 0; i < 40; i++) giving.answered(1);
  assert.equal(giving.usualMs, 1);
  assert.equal(giving.patience, GIVE_BACK_MS);
});

test("patience: one slow task among tiny ones does not raise it", () => {
  const giving = new GiveBack(1, 5, () => {});
  for (let i = 0; i < 20; i++) giving.answered(1);
  giving.answered(2000); // the slow task of the last round ends last
  assert.equal(giving.patience, GIVE_BACK_MS);
  giving.answered(2000);
  giving.answered(NaN); // unknown run time: not counted
  assert.equal(giving.patience, GIVE_BACK_MS);
});

test("patience: twice the usual run time when tasks are slow", () => {
  const giving = new GiveBack(2, 5, () => {});
  for (let i = 0; i < RECENT; i++) giving.answered(300);
  assert.equal(giving.patience, 600);
  // Tasks got fast: the old run times leave the window.
  for (let i = 0; i < RECENT; i++) giving.answered(2);
  assert.equal(giving.patience, GIVE_BACK_MS);
});

test("due: nothing while the host holds no more than its threads", () => {
  const giving = new GiveBack(2, 5, () => {});
  const jobs = [{ phase: 0, delivery: 1 }, { phase: 0, delivery: 1 }];
  assert.deepEqual(giving.due(jobs, 2), []);
});

test("mayGiveBack: never on the last two deliveries", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => mayGiveBack(n, 5)),
    [true, true, true, false, false],
  );
  assert.deepEqual([1, 2].map((n) => mayGiveBack(n, 2)), [false, false]);
});
