/**
 * The ring-buffer deque: order across growth and wraparound, batch
 * prepend, and random interleavings checked against a plain-array model.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { Deque } from "../src/core/_deque.ts";

const T = { timeout: 30_000 };

/** A small seeded generator (mulberry32), so failures replay. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("Deque is FIFO with push/shift and LIFO with push/pop", T, () => {
  const q = new Deque<number>();
  assert.equal(q.shift(), undefined);
  assert.equal(q.pop(), undefined);
  assert.equal(q.peek(), undefined);
  assert.equal(q.peekLast(), undefined);
  for (let i = 0; i < 5; i++) q.push(i);
  assert.equal(q.peek(), 0);
  assert.equal(q.peekLast(), 4);
  assert.equal(q.shift(), 0);
  assert.equal(q.pop(), 4);
  assert.deepEqual(q.toArray(), [1, 2, 3]);
  assert.equal(q.size, 3);
});

test(
  "Deque grows past its capacity and keeps order across wraparound",
  T,
  () => {
    const q = new Deque<number>(4);
    // Walk the head around the ring many times at a steady size.
    let next = 0;
    let expect = 0;
    for (let i = 0; i < 3; i++) q.push(next++);
    for (let round = 0; round < 100; round++) {
      q.push(next++);
      assert.equal(q.shift(), expect++);
    }
    assert.deepEqual(q.toArray(), [expect, expect + 1, expect + 2]);

    const r = new Deque<number>(4);
    for (let i = 0; i < 3; i++) r.push(i);
    r.shift();
    r.shift(); // head now at 2 of 4
    for (let i = 3; i < 1000; i++) r.push(i); // grows several times, wrapped
    assert.deepEqual(r.toArray(), Array.from({ length: 998 }, (_, i) => i + 2));
    for (let i = 1; i >= 0; i--) r.unshift(i);
    assert.deepEqual(r.drain(), Array.from({ length: 1000 }, (_, i) => i));
  },
);

test(
  "Deque.prependAll puts a batch of 16,384 back at the front in order",
  T,
  () => {
    const q = new Deque<number>();
    for (let i = 0; i < 100; i++) q.push(100_000 + i);
    q.shift(); // the head is not at 0
    const batch = Array.from({ length: 16_384 }, (_, i) => i);
    q.prependAll(batch);
    assert.equal(q.size, 16_384 + 99);
    assert.equal(q.peek(), 0);
    assert.equal(q.peekLast(), 100_099);
    const out = q.drain();
    assert.deepEqual(out.slice(0, 16_384), batch);
    assert.deepEqual(
      out.slice(16_384),
      Array.from({ length: 99 }, (_, i) => 100_001 + i),
    );
    q.prependAll([]);
    assert.equal(q.size, 0);
    q.prependAll([1, 2]);
    q.prependAll([0]);
    assert.deepEqual(q.toArray(), [0, 1, 2]);
  },
);

test(
  "Deque matches a plain-array model over a seeded random sequence",
  T,
  () => {
    for (const seed of [1, 2, 3, 42, 2024]) {
      const next = random(seed);
      const q = new Deque<number>(1 + Math.floor(next() * 8));
      const model: number[] = [];
      let n = 0;
      for (let step = 0; step < 20_000; step++) {
        const op = Math.floor(next() * 7);
        switch (op) {
          case 0:
          case 1:
            q.push(n);
            model.push(n++);
            break;
          case 2:
            assert.equal(q.shift(), model.shift(), `seed ${seed} step ${step}`);
            break;
          case 3:
            assert.equal(q.pop(), model.pop(), `seed ${seed} step ${step}`);
            break;
          case 4:
            q.unshift(n);
            model.unshift(n++);
            break;
          case 5: {
            const k = Math.floor(next() * 40);
            const batch = Array.from({ length: k }, () => n++);
            q.prependAll(batch);
            model.unshift(...batch);
            break;
          }
          case 6:
            assert.equal(q.peek(), model[0]);
            assert.equal(q.peekLast(), model.at(-1));
            break;
        }
        assert.equal(q.size, model.length);
        if (step % 997 === 0) assert.deepEqual(q.toArray(), model);
      }
      assert.deepEqual(q.drain(), model);
      assert.equal(q.size, 0);
    }
  },
);

test("Deque.removeAt takes an item from within, across wraparound", T, () => {
  const next = random(7);
  for (let round = 0; round < 200; round++) {
    const q = new Deque<number>(4);
    const model: number[] = [];
    // Wrap the ring: shift some, push more.
    for (let i = 0; i < 40; i++) {
      if (next() < 0.3 && model.length > 0) {
        assert.equal(q.shift(), model.shift());
      } else {
        q.push(i);
        model.push(i);
      }
    }
    while (model.length > 0) {
      const i = Math.floor(next() * (model.length + 1)) - (round % 2);
      const want = i >= 0 && i < model.length
        ? model.splice(i, 1)[0]
        : undefined;
      assert.equal(q.removeAt(i), want);
      assert.deepEqual(q.toArray(), model);
      assert.equal(q.size, model.length);
    }
    assert.equal(q.removeAt(0), undefined);
  }
});
