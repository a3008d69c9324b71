/**
 * An `imap` input that stops its own call while the pool reads it: the
 * input aborts the call's `signal`, or closes the iterator, from inside its
 * own `next()` (API.md "Stopping work": the iterator's next `next()`
 * rejects with the reason, the input is read no further, its `return()`
 * runs). Found by a tester: an abort during the first reads (the first
 * `buffersize` chunks, read when the call starts) was lost and `next()`
 * never settled; a later one left a generator's `finally` unrun (its
 * `return()` was called while it was running, which throws).
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { IMapIterator } from "../mod.ts";
import { deadline, T, until, withPool } from "./_util.ts";

/** What an input did: items read, and whether its `finally` ran. */
interface Trace {
  read: number;
  cleaned: boolean;
}

/** A generator of 0..999 that calls `stop` when it reaches item `at`. */
function* stopping(trace: Trace, at: number, stop: () => void) {
  try {
    for (let i = 0; i < 1000; i++) {
      trace.read++;
      if (i === at) stop();
      yield i;
    }
  } finally {
    trace.cleaned = true;
  }
}

/** The async twin of {@linkcode stopping}. */
async function* stoppingAsync(trace: Trace, at: number, stop: () => void) {
  try {
    for (let i = 0; i < 1000; i++) {
      trace.read++;
      if (i === at) stop();
      yield await Promise.resolve(i);
    }
  } finally {
    trace.cleaned = true;
  }
}

/** Reads `it` to its end or first error; the values and the error. */
async function drain(it: IMapIterator<number>) {
  const values: number[] = [];
  try {
    for await (const value of it) values.push(value);
  } catch (error) {
    return { values, error };
  }
  return { values, error: undefined };
}

const METHODS = ["imap", "imap_unordered"] as const;
// 2 workers read 8 chunks when the call starts: 0, 3 and 7 are among them.
const AT = [0, 3, 7, 8, 200];

describe("an imap input that aborts its own call's signal", () => {
  for (const method of METHODS) {
    for (const kind of ["sync", "async"] as const) {
      test(
        `${method}, ${kind} generator, aborting at items ${AT.join(", ")}`,
        T,
        async () => {
          await withPool({}, async (pool) => {
            for (const at of AT) {
              const controller = new AbortController();
              const reason = new Error(`stop at ${at}`);
              const trace: Trace = { read: 0, cleaned: false };
              const stop = () => controller.abort(reason);
              const input = kind === "sync"
                ? stopping(trace, at, stop)
                : stoppingAsync(trace, at, stop);
              const it = pool[method]((x: number) => x, input, {
                signal: controller.signal,
              });
              const { values, error } = await deadline(
                drain(it),
                20,
                `${method} aborted at ${at}`,
              );
              assert.equal(error, reason, `the reason, at ${at}`);
              assert.ok(values.length <= at, `at most ${at} values before`);
              if (method === "imap") {
                assert.deepEqual(
                  values,
                  Array.from({ length: values.length }, (_, i) => i),
                );
              }
              assert.equal(trace.read, at + 1, `read no further than ${at}`);
              await until(() => trace.cleaned, 10, `finally ran (at ${at})`);
              assert.deepEqual(await it.next(), {
                done: true,
                value: undefined,
              });
            }
            // The pool goes on.
            assert.deepEqual(await pool.map((x: number) => x + 1, [1, 2]), [
              2,
              3,
            ]);
          });
        },
      );
    }
  }
});

describe("an imap input that closes its own iterator", () => {
  for (const method of METHODS) {
    test(`${method}: return() from inside the input ends it`, T, async () => {
      await withPool({}, async (pool) => {
        // read once imap() has returned (the iterator exists)
        for (const at of [8, 50, 200]) {
          const trace: Trace = { read: 0, cleaned: false };
          const held: { it?: IMapIterator<number> } = {};
          const input = stopping(trace, at, () => void held.it!.return());
          const it = held.it = pool[method]((x: number) => x, input);
          const { error } = await deadline(drain(it), 20, `${method} ${at}`);
          assert.equal(error, undefined);
          assert.equal(trace.read, at + 1, `read no further than ${at}`);
          await until(() => trace.cleaned, 10, `finally ran (at ${at})`);
        }
      });
    });
  }
});
