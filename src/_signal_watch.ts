// This module is browser compatible.
/**
 * The watch of one signal in one pool ({@linkcode SignalWatch}): its one
 * `abort` listener, the calls on it, and the group of the tasks of its calls
 * without a time limit, so that such a call allocates nothing of its own
 * (a small entry for a map is listed; the results of its first `apply`
 * calls, and past those none: found among the engine's tasks if the
 * signal fires). The listener is
 * removed once no call uses it (on the next timer turn): a long-lived
 * signal shared by many calls gathers nothing.
 *
 * @module
 */

import { CallGroup, type Engine } from "./core/_engine.ts";
import type { TaskSink } from "./core/_wire.ts";
import { AsyncResult, isPending, settleResult } from "./async_result.ts";
import type { TaskRecord } from "./core/_slot.ts";
import { APPLY_SINK } from "./_result_sinks.ts";
import type { CallStop } from "./_stop.ts";

/**
 * What an aborted signal settles, besides its {@linkcode CallStop}s: the
 * result of a signal-only `apply`, or a map or `imap` call.
 */
export interface Entry {
  /** Settles the call with the rejection (idempotent). */
  settle(reason: unknown): void;
  /** The call settled: nothing to do. */
  done: boolean;
}

/**
 * The watch of one signal in one pool: the signal's one `abort` listener,
 * the calls on it, and (as a `CallGroup`) the tasks of its calls that have
 * no time limit: they share this group, so such a call allocates nothing
 * of its own. Its calls that have a time limit (a {@linkcode CallStop}
 * each, with its own group) hang from it in a doubly linked list. An
 * `EventTarget` adds and removes listeners in time linear in their number
 * (100,000 calls on one signal, a listener each, took minutes); and no
 * set: hashing each call cost a fifth of a tiny task (Node 24).
 */
export class SignalWatch extends CallGroup {
  /** The signal. */
  readonly signal: AbortSignal;
  /** The pool's engine. */
  readonly engine: Engine;
  /** The watch of the same signal in another pool. */
  nextWatch: SignalWatch | undefined = undefined;
  /** The first of its calls with a time limit. */
  head: CallStop | undefined = undefined;
  /**
   * Results of its first `apply` calls (settled ones linger); `undefined`
   * once more than {@linkcode LISTED} (`#found`): then none is listed, and
   * they are found among the engine's tasks if the signal fires. Listing
   * them all cost a tenth of a tiny task (Node 24, 100,000 calls on one
   * signal): the list, old, kept settled results alive until all settled.
   */
  #results: AsyncResult<unknown>[] | undefined = undefined;
  /** Its `apply` calls are too many to list: found in the engine. */
  #found = false;
  /** Its `apply` calls without a time limit not settled. */
  #applies = 0;
  /** Entries of its map and `imap` calls; settled ones linger until compacted. */
  #entries: Entry[] | undefined = undefined;
  /** Calls on it not settled (time-limited ones not counted). */
  #live = 0;
  /** Listed in `IDLE`, to stop listening unless used again soon. */
  #idle = false;
  #fired = false;

  /**
   * Nothing per watch but itself: it is its own `abort` listener (an
   * `EventListener` object, no closure) and its own apply sink.
   *
   * @param signal The signal.
   * @param engine The pool's engine.
   */
  constructor(signal: AbortSignal, engine: Engine) {
    super();
    this.signal = signal;
    this.engine = engine;
    try {
      signal.addEventListener("abort", this, { once: true });
    } catch (error) {
      // Deno and Node: a frozen native AbortSignal takes no listener
      throw new TypeError(
        `Cannot watch the 'signal' option: its addEventListener("abort") threw (${
          error instanceof Error ? error.message : String(error)
        }); a frozen AbortSignal takes no listener on Deno and Node: pass one that is not frozen`,
        { cause: error },
      );
    }
  }

  /**
   * The sink of its `apply` tasks: itself (the context is the result; the
   * outcome counts the call settled, then settles it as `APPLY_SINK` does).
   */
  get applySink(): TaskSink {
    return this;
  }

  /**
   * Sink: an `apply` task's value. The count and the settling written out
   * here, not through `#applied()` and `APPLY_SINK.ok`: two calls less on
   * the path of every result (JavaScriptCore inlines fewer levels of it).
   */
  ok(ctx: unknown, value: unknown): void {
    this.#applies--;
    if (--this.#live === 0) this.#unused();
    settleResult(ctx as AsyncResult<unknown>, true, value);
  }

  /** Sink: an `apply` task's error. */
  fail(ctx: unknown, error: unknown): void {
    this.#applied();
    APPLY_SINK.fail(ctx, error);
  }

  /** Sink: an `apply` task's partial outcome. */
  partial(ctx: unknown, values: unknown[], errors: [number, Error][]): void {
    this.#applied();
    APPLY_SINK.partial(ctx, values, errors);
  }

  /** The signal's `abort` event (an `EventListener` object). */
  handleEvent(): void {
    this.#fire();
  }

  /**
   * An `apply` call without a time limit starts watching; its task, of
   * this group, has this watch as its sink (or under its progress sink)
   * and `result` as its context.
   */
  addApply(result: AsyncResult<unknown>): void {
    this.#live++;
    this.#applies++;
    if (this.#found) return;
    const results = this.#results ??= [];
    if (results.length < LISTED) results.push(result);
    else {
      this.#results = undefined;
      this.#found = true;
    }
  }

  /** A map or `imap` call starts watching (`settled()` when it ends). */
  add(entry: Entry): void {
    const entries = this.#entries ??= [];
    entries.push(entry);
    if ((++this.#live - this.#applies) * 2 + 64 < entries.length) {
      // Mostly settled: keep the others (amortised constant time).
      this.#entries = entries.filter((e) => !e.done);
    }
  }

  /** An `apply` call settled. */
  #applied(): void {
    this.#applies--;
    this.settled();
  }

  /** A call added by {@linkcode SignalWatch.add} settled. */
  settled(): void {
    if (--this.#live === 0) this.#unused();
  }

  /** No call on it is left unsettled. */
  #unused(): void {
    this.#results = this.#entries = undefined;
    this.#found = false;
    this.#maybeDetach();
  }
  /** Links a time-limited call. */
  link(call: CallStop): void {
    const head = this.head;
    call.nextCall = head;
    if (head !== undefined) head.prevCall = call;
    this.head = call;
  }

  /** Unlinks a time-limited call that settled. */
  unlink(call: CallStop): void {
    const { prevCall, nextCall } = call;
    if (prevCall !== undefined) prevCall.nextCall = nextCall;
    else if (this.head === call) this.head = nextCall;
    else return; // not linked (the signal fired)
    if (nextCall !== undefined) nextCall.prevCall = prevCall;
    call.prevCall = call.nextCall = undefined;
    this.#maybeDetach();
  }

  /**
   * No call uses it: it stops listening on the next timer turn, unless a
   * call uses it again by then (one call after another on one signal would
   * otherwise make a watch and add and remove a listener per call).
   */
  #maybeDetach(): void {
    if (this.#idle || this.#live > 0 || this.head !== undefined) return;
    this.#idle = true;
    IDLE.push(this);
    sweepSoon();
  }

  /** Stops listening if still unused (see `#maybeDetach`). */
  detachIfIdle(): void {
    this.#idle = false;
    if (this.#fired || this.#live > 0 || this.head !== undefined) return;
    forget(this);
    this.signal.removeEventListener("abort", this);
  }

  #fire(): void {
    this.#fired = true;
    forget(this);
    const reason = this.signal.reason;
    // Its apply calls, found before any callback runs (one may change the
    // engine's queue).
    const results = this.#found
      ? this.engine.tasksOf(this, this.#applies, pickApply).map((t) =>
        t.ctx as AsyncResult<unknown>
      )
      : this.#results ?? [];
    let each = this.head;
    this.head = undefined;
    while (each !== undefined) {
      const next = each.nextCall;
      each.prevCall = each.nextCall = undefined;
      each.abort(reason);
      each = next;
    }
    const entries = this.#entries ?? [];
    this.#results = this.#entries = undefined;
    this.#found = false;
    this.#live = this.#applies = 0;
    for (const entry of entries) if (!entry.done) entry.settle(reason);
    for (const result of results) settleResult(result, false, reason);
    this.engine.abort(this);
  }
}

/** Apply results listed by a watch before it stops listing them. */
const LISTED = 16;

/** A task of a watch that is an `apply` call's, not settled. */
function pickApply(task: TaskRecord): boolean {
  const ctx = task.ctx;
  return ctx instanceof AsyncResult && isPending(ctx);
}

/** Watches no call used lately: they stop listening on the next sweep. */
let IDLE: SignalWatch[] = [];
let sweepTimer: ReturnType<typeof setTimeout> | undefined;

function sweepSoon(): void {
  sweepTimer ??= setTimeout(() => {
    sweepTimer = undefined;
    const idle = IDLE;
    IDLE = [];
    for (const watch of idle) watch.detachIfIdle();
  }, 0);
}

/**
 * Each signal's first watch (others chain through `nextWatch`), while in
 * use: a watch leaves when its signal fires or no call uses it. Kept on the
 * signal itself, under a symbol (an inline-cached property: with a signal
 * per call, a `WeakMap` made the garbage collector's work per call several
 * times the rest of it, and a `Map`'s hashing cost more than the call);
 * in a `Map` for a signal that cannot take a property (frozen).
 */
const WATCH: unique symbol = Symbol("@x/pool signal watch");
type Keyed = AbortSignal & { [WATCH]?: SignalWatch | undefined };
let FROZEN: Map<AbortSignal, SignalWatch> | undefined;
/** The watch found last: most programs pass one signal to many calls. */
let lastWatch: SignalWatch | undefined;

function firstOf(signal: AbortSignal): SignalWatch | undefined {
  const first = (signal as Keyed)[WATCH];
  return first !== undefined || FROZEN === undefined
    ? first
    : FROZEN.get(signal);
}

function setFirst(signal: AbortSignal, watch: SignalWatch | undefined): void {
  try {
    (signal as Keyed)[WATCH] = watch; // undefined, not deleted: same shape
    return;
  } catch {
    // not extensible
  }
  if (watch !== undefined) (FROZEN ??= new Map()).set(signal, watch);
  else FROZEN?.delete(signal);
}

/**
 * Whether `value` is the signal of the watch used last (so a checked
 * signal, not fired): a call passing it again needs no check.
 */
export function isWatched(value: unknown): value is AbortSignal {
  return lastWatch !== undefined && lastWatch.signal === value;
}

/** The watch of `signal` (not aborted) in `engine`'s pool, made if need be. */
export function watchSignal(signal: AbortSignal, engine: Engine): SignalWatch {
  const last = lastWatch;
  if (last !== undefined && last.signal === signal && last.engine === engine) {
    return last;
  }
  const first = firstOf(signal);
  let watch = first;
  while (watch !== undefined && watch.engine !== engine) {
    watch = watch.nextWatch;
  }
  if (watch === undefined) {
    watch = new SignalWatch(signal, engine);
    watch.nextWatch = first;
    setFirst(signal, watch);
  }
  return lastWatch = watch;
}

/**
 * The watch of `signal` in `engine`'s pool, made if need be, or `undefined`
 * when the signal is aborted. The watch used last is taken without reading
 * `aborted` (a getter: a call into the runtime per call): a watch is
 * dropped as its signal fires, before any listener added after it runs (a
 * call from a listener added before it joins it, and is settled by it).
 */
export function watchLive(
  signal: AbortSignal,
  engine: Engine,
): SignalWatch | undefined {
  const last = lastWatch;
  if (last !== undefined && last.signal === signal && last.engine === engine) {
    return last;
  }
  return watchOther(signal, engine);
}

/**
 * {@linkcode watchLive} for another signal than the last one's: apart, so
 * that V8 does not inline the `aborted` getter into the submitting path.
 */
function watchOther(
  signal: AbortSignal,
  engine: Engine,
): SignalWatch | undefined {
  return signal.aborted ? undefined : watchSignal(signal, engine);
}

/** `watch` is done (its signal fired, or no call uses it now). */
function forget(watch: SignalWatch): void {
  if (lastWatch === watch) lastWatch = undefined;
  const signal = watch.signal;
  const first = firstOf(signal);
  if (first === watch) setFirst(signal, watch.nextWatch);
  else {
    for (let w = first; w !== undefined; w = w.nextWatch) {
      if (w.nextWatch === watch) {
        w.nextWatch = watch.nextWatch;
        break;
      }
    }
  }
  watch.nextWatch = undefined;
}

/**
 * Watches a map or `imap` call without a time limit on `signal`: `settle`
 * runs if it fires first. Returns the group for the call's tasks and the
 * function to call once the call's work is over.
 */
export function watchEntry(
  signal: AbortSignal,
  engine: Engine,
  settle: (reason: unknown) => void,
): Watched {
  const watch = watchSignal(signal, engine);
  const entry: Entry = { settle, done: false };
  watch.add(entry);
  return {
    group: watch,
    finish: () => {
      if (entry.done) return;
      entry.done = true;
      watch.settled();
    },
  };
}

/** How the tasks of a call that can be stopped are submitted. */
export interface Watched {
  /** The group its tasks carry (`cancelled` when its signal was aborted already). */
  readonly group: CallGroup;
  /** The call's work is over: stop watching. */
  finish(): void;
}
