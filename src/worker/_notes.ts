// This module is browser compatible.
/**
 * A worker loop's notes to the pool about its running tasks: `started`
 * notes, posted at once, and `reportProgress` values, batched so that a
 * task reporting in a tight loop does not flood the main thread (at most
 * one `notes` message every {@linkcode NOTES_MS} while a task reports),
 * never dropped. The loop posts them before any result it posts, so every
 * note of a task arrives before the task's result.
 *
 * @module
 */

import type { ProgressReporter } from "../progress.ts";
import { NOTE_PROGRESS, NOTE_STARTED, putNote } from "../core/_wire.ts";
import { clause } from "../core/_messages.ts";

/**
 * Progress values wait at most this long (ms) before they are posted;
 * measured on 1,000,000 reports in a tight loop (README "Progress from
 * inside a task").
 */
export const NOTES_MS = 4;

/** One loop's buffer of notes; installed as the thread's progress reporter. */
export class NoteBuffer implements ProgressReporter {
  /** The running task whose caller listens to its progress, else -1. */
  seq = -1;
  #post: (notes: unknown[]) => void;
  #notes: unknown[] = [];
  #count = 0;
  #lastPost = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  /** @param post Posts a `notes` list; may throw (the channel is gone). */
  constructor(post: (notes: unknown[]) => void) {
    this.#post = post;
  }

  /** `reportProgress(value)` of the running task. */
  report(value: unknown): void {
    const seq = this.seq;
    if (seq < 0) return; // nobody listens, or no task is running
    if (typeof value === "object" && value !== null) value = snapshot(value);
    else if (typeof value === "function" || typeof value === "symbol") {
      throw notCloneable(`a ${typeof value}`);
    }
    putNote(this.#notes, seq, NOTE_PROGRESS, value);
    // Every call reads the clock: a sync task may report rarely and never
    // yield, so neither a timer nor a count of calls can tell when 4 ms
    // have passed (a value would wait for the task's end). `Date.now()`:
    // as cheap as `performance.now()` on Node and Bun, about half its cost
    // on Deno; whole milliseconds are enough here, and a clock set back
    // (elapsed < 0) posts rather than waits.
    const n = ++this.#count;
    const elapsed = Date.now() - this.#lastPost;
    if (elapsed >= NOTES_MS || elapsed < 0) this.flush();
    else if (n === 1) this.#arm(); // in case the task now awaits
  }

  /** Task `seq` starts: tells the pool at once (with what waits before it). */
  started(seq: number): void {
    putNote(this.#notes, seq, NOTE_STARTED, undefined);
    this.#count++;
    this.flush();
  }

  /** Posts the notes buffered, if any. */
  flush(): void {
    if (this.#count === 0 || this.#stopped) return;
    const notes = this.#notes;
    this.#notes = [];
    this.#count = 0;
    this.#lastPost = Date.now();
    try {
      this.#post(notes);
    } catch {
      // Values were cloned when reported, so only a channel that is gone
      // refuses them: the pool learns of it from the worker's exit.
    }
  }

  /** Drops what is buffered and the timer, for good. */
  stop(): void {
    this.#stopped = true;
    this.seq = -1;
    this.#notes = [];
    this.#count = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, NOTES_MS);
  }
}

/**
 * A copy of `value` as it is now (what structured clone would make of
 * it), or a TypeError saying why there is none. Small plain objects and
 * arrays of plain data are copied by hand (several times faster than
 * `structuredClone`, which costs microseconds a call); anything else goes
 * through `structuredClone`.
 */
function snapshot(value: object): unknown {
  const copy = plainCopy(value, 0);
  if (copy !== NOT_PLAIN) return copy;
  try {
    return structuredClone(value);
  } catch (error) {
    throw notCloneable(
      error instanceof Error ? error.message : String(error),
      error,
    );
  }
}

/** What `plainCopy` returns for a value it leaves to `structuredClone`. */
const NOT_PLAIN: unique symbol = Symbol("not plain");
/** Plain data deeper than this, or wider, goes to `structuredClone`. */
const PLAIN_DEPTH = 3;
const PLAIN_WIDTH = 32;

/**
 * A copy of plain data: primitives (not symbols), dense arrays and objects
 * whose prototype is `Object.prototype` or `null`, small and shallow.
 * Anything else, functions and symbols included (so `structuredClone`
 * names the problem): {@linkcode NOT_PLAIN}.
 */
function plainCopy(value: unknown, depth: number): unknown {
  if (typeof value !== "object") {
    return typeof value === "function" || typeof value === "symbol"
      ? NOT_PLAIN
      : value;
  }
  if (value === null) return null;
  if (depth >= PLAIN_DEPTH) return NOT_PLAIN;
  if (Array.isArray(value)) {
    const n = value.length;
    if (n > PLAIN_WIDTH || Object.getPrototypeOf(value) !== Array.prototype) {
      return NOT_PLAIN;
    }
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) {
      if (!(i in value)) return NOT_PLAIN; // a hole: kept by structuredClone
      const item = plainCopy(value[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out.push(item);
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (++n > PLAIN_WIDTH) return NOT_PLAIN;
    const item = plainCopy((value as Record<string, unknown>)[key], depth + 1);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    out[key] = item;
  }
  return out;
}

function notCloneable(why: string, cause?: unknown): TypeError {
  return new TypeError(
    `Cannot send this reportProgress() value to the pool as structured clone cannot copy it (${
      clause(why)
    }): report plain data (numbers, strings, plain objects and arrays; no functions, symbols or class instances with private state)`,
    { cause },
  );
}
