// This module is browser compatible.
/**
 * The engine's workers: the live {@linkcode Slot}s, started through the
 * {@linkcode WorkerAdapter} in slices (starting a worker blocks this thread,
 * up to ~100 ms on Deno), each one's messages read and handed to the engine
 * by type, replaced when they end while the pool still wants them, and all
 * stopped at once at the end.
 *
 * @module
 */

import type { WorkerAdapter, WorkerExit } from "./adapter.ts";
import { fromRecord } from "./_error_record.ts";
import type { Slot } from "./_slot.ts";
import { afterUnread, markUnread, syncedUnread } from "./_unread_results.ts";
import { gateRevoke } from "./_wire_gate.ts";
import { openSlot, type SlotInit } from "./_spawn.ts";

export type { SlotInit } from "./_spawn.ts";
import {
  fatalProtocol,
  RESULT_STRIDE,
  WireError,
  type WorkerMessage,
} from "./_wire.ts";
import {
  initializerError,
  startError,
  startupDeath,
  unreadableMessage,
} from "./_messages.ts";

/**
 * Longest wait (ms) for the workers' `terminate()` at the end: a custom
 * handle's may never settle (a socket to a host that vanished); then
 * `terminate()` and `join()` of the pool resolve after this anyway.
 */
export const TERMINATE_WAIT_MS = 5000;

/** Start workers for about this long (ms) before letting the event loop run. */
const SPAWN_SLICE_MS = 10;

/**
 * A replacement worker that does not start (its `spawn()` throws, or it
 * ends before `ready`) is started again after this many ms, doubling with
 * each failure in a row: 10, 20, 40, … ms.
 */
export const START_RETRY_MS = 10;

/**
 * At most this many times in a row (10 + 20 + … + 1280 ms: about 2.5 s);
 * the next failure breaks the pool. A worker's `ready` ends the row.
 */
export const START_RETRIES = 8;

/** What {@linkcode Workers} tells the engine, and asks it. */
export interface WorkersHost {
  /** A `results` message from `slot` (may throw a `WireError`). */
  results(slot: Slot, results: unknown[], busy: number | undefined): void;
  /** A `notes` message from `slot` (may throw a `WireError`). */
  notes(slot: Slot, notes: unknown): void;
  /** `slot`'s worker ended: it exited, or sent its last words (`fatal`). */
  exit(slot: Slot, info: WorkerExit): void;
  /** The pool cannot go on: a worker did not start or broke the protocol. */
  break(error: Error): void;
  /** A slice of workers was started: hand out work. */
  dispatch(): void;
  /** Whether the pool is broken (then no worker starts). */
  broken(): boolean;
  /** Whether to replace a worker that ended: running, or work pending. */
  wanted(): boolean;
}

/**
 * The set of workers.
 *
 * @example
 * ```ts
 * import { Workers } from "./_workers.ts";
 *
 * const workers = new Workers({ initargs: [] }, {
 *   results() {},
 *   notes() {},
 *   exit() {},
 *   break() {},
 *   dispatch() {},
 *   broken: () => false,
 *   wanted: () => false,
 * });
 * await workers.stop(); // none started: stops at once
 * if (workers.slots.length !== 0 || workers.spawned !== 0) throw new Error();
 * ```
 */
export class Workers {
  /** The live slots, in start order (the engine reads it directly). */
  readonly slots: Slot[] = [];
  #init: SlotInit;
  #host: WorkersHost;
  #adapter: WorkerAdapter | undefined;
  #spawned = 0;
  #spawnTimer: ReturnType<typeof setTimeout> | undefined;
  /** Workers stopped by an abort, to replace on the next turn. */
  #respawn = 0;
  #respawnTimer: ReturnType<typeof setTimeout> | undefined;
  #stopping: Promise<void> | undefined;
  #stopped = false;
  /** Workers of the start not yet ready: one that does not start breaks the pool. */
  #firsts = new Set<number>();
  /** Start retries in a row (see START_RETRIES), since `#failingSince`. */
  #failures = 0;
  #failingSince = 0;
  /** Replacements that did not start, to start again when the timer fires. */
  #retry = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param init What every worker's init message carries.
   * @param host The engine.
   */
  constructor(init: SlotInit, host: WorkersHost) {
    this.#init = init;
    this.#host = host;
  }

  /** Workers started so far, replacements included. */
  get spawned(): number {
    return this.#spawned;
  }

  /** Every worker has exited after {@linkcode Workers.stop}. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Starts `count` workers through `adapter`, in slices. */
  start(adapter: WorkerAdapter, count: number): void {
    this.#adapter = adapter;
    if (!this.#host.broken()) this.#spawnSlice(count);
  }

  /** Starts up to `left` workers for about SPAWN_SLICE_MS, the rest later. */
  #spawnSlice(left: number): void {
    this.#spawnTimer = undefined;
    const start = performance.now();
    while (left > 0 && this.#stopping === undefined && !this.#host.broken()) {
      this.spawn(true);
      if (--left > 0 && performance.now() - start >= SPAWN_SLICE_MS) {
        this.#spawnTimer = setTimeout(() => this.#spawnSlice(left), 0);
        break;
      }
    }
    this.#host.dispatch();
  }

  /**
   * Starts one worker (none once stopping or broken); `first`: one of the
   * start, not a replacement.
   */
  spawn(first = false): void {
    if (this.#stopping !== undefined || this.#host.broken()) return;
    const id = ++this.#spawned;
    if (first) this.#firsts.add(id);
    let slot: Slot;
    try {
      slot = openSlot(this.#adapter!, id, this.#init, (slot) => ({
        message: (data) => this.#onMessage(slot, data as WorkerMessage),
        // A JavaScript adapter may call exit() with nothing, or null.
        exit: (info) => this.#host.exit(slot, info ?? {}),
        messageError: (error, goesOn) =>
          this.#unreadable(slot, error, goesOn === true),
      }));
    } catch (error) {
      return this.notStarted(id, { error }, true);
    }
    this.slots.push(slot);
  }

  /**
   * Worker `id` did not start: its `spawn()` threw (`threw`, the error in
   * `info`), or it ended before `ready` (its work is queued again by the
   * engine). A worker of the start breaks the pool at once (as Python's
   * `Pool()` raises); a replacement is started again after a wait, up to
   * {@linkcode START_RETRIES} times in a row, while the live workers go on
   * with the queue; then the pool breaks with an error naming the cause.
   */
  notStarted(id: number, info: WorkerExit, threw: boolean): void {
    if (this.#stopping !== undefined || this.#host.broken()) return;
    const fail = (tries: number) => {
      const ms = tries > 1 ? performance.now() - this.#failingSince : 0;
      const name = `PoolWorker-${id}`;
      return threw
        ? startError(`worker '${name}'`, info.error, tries, ms)
        : startupDeath(name, info, tries, ms);
    };
    if (this.#firsts.delete(id)) return this.#host.break(fail(1));
    this.#retry++;
    if (this.#retryTimer !== undefined) return; // the next round starts it
    if (this.#failures >= START_RETRIES) {
      return this.#host.break(fail(this.#failures + 1));
    }
    if (this.#failures === 0) this.#failingSince = performance.now();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      const count = this.#retry; // a failure now counts for the next round
      this.#retry = 0;
      for (let i = 0; i < count; i++) this.replace();
      this.#host.dispatch();
    }, START_RETRY_MS * 2 ** this.#failures++);
  }

  /** Marks `slot` dead and drops it from the set. */
  remove(slot: Slot): void {
    slot.state = "dead";
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  /** Starts a worker in place of one that ended, if the pool wants it. */
  replace(): void {
    if (this.#host.wanted()) this.spawn();
  }

  /** Removes and stops `slot` (it did its `maxTasks`), and replaces it. */
  retire(slot: Slot): void {
    this.remove(slot);
    void slot.stop();
    this.replace();
  }

  /**
   * Removes `slot` (an abort stops it) and replaces it on the next turn,
   * then hands out work. Not at once: a burst of aborts would send what
   * was taken back again and again; and starting a worker blocks this
   * thread: the aborted call's rejection goes first.
   */
  replaceLater(slot: Slot): void {
    this.remove(slot);
    this.#respawn++;
    this.#respawnTimer ??= setTimeout(() => {
      this.#respawnTimer = undefined;
      for (; this.#respawn > 0; this.#respawn--) this.replace();
      this.#host.dispatch();
    }, 0);
  }

  /**
   * A message from `slot`'s worker could not be read here: the worker is
   * asked what it sent last, to find what the message held (see
   * `_unread_results.ts`). If it cannot be asked, it is stopped, its tasks
   * blamed as on a death.
   */
  #unreadable(slot: Slot, error: unknown, goesOn: boolean): void {
    if (!slot.live) return;
    try {
      if (goesOn) {
        if (markUnread(slot, error)) slot.handle!.post({ type: "sync" });
        return;
      }
    } catch {
      // it cannot be asked: stopped
    }
    // It runs on until terminated: no task may start there after the blame.
    if (slot.gate !== undefined) gateRevoke(slot.gate, slot.sent);
    void slot.stop();
    this.#host.exit(slot, { error: unreadableMessage(slot.name, error) });
  }

  #onMessage(slot: Slot, msg: WorkerMessage): void {
    if (!slot.live) return;
    try {
      this.#read(slot, msg);
    } catch (error) {
      // A malformed message from a transport: fail loudly, never hang.
      this.#host.break(
        error instanceof WireError ? error : new WireError(
          `cannot read a message from worker '${slot.name}': ${
            error instanceof Error ? error.message : String(error)
          }`,
        ),
      );
    }
  }

  #read(slot: Slot, msg: WorkerMessage): void {
    if (msg === null || typeof msg !== "object") {
      throw new WireError(
        `worker '${slot.name}' sent a message that is not an object: ${
          String(msg)
        }`,
      );
    }
    switch (msg.type) {
      case "results": {
        const results = msg.results;
        if (!Array.isArray(results) || results.length % RESULT_STRIDE !== 0) {
          throw new WireError(
            `worker '${slot.name}' sent results that are not a list of [seq, status, payload]`,
          );
        }
        return this.#host.results(
          slot,
          slot.unread === undefined ? results : afterUnread(slot, results),
          msg.busy,
        );
      }
      case "synced": {
        const lost = syncedUnread(slot, msg.seq);
        return lost.length > 0
          ? this.#host.results(slot, lost, undefined)
          : undefined;
      }
      case "notes":
        return this.#host.notes(slot, msg.notes);
      case "ready":
        slot.state = "ready";
        slot.since = performance.now();
        this.#failures = 0; // workers start again
        this.#firsts.delete(slot.id);
        return;
      case "initError":
        return this.#host.break(initializerError(slot.name, msg.error));
      case "fatal":
        if (typeof msg.started === "number") slot.reported = msg.started;
        if (typeof msg.lost === "number") slot.lostAt = msg.lost;
        void slot.stop();
        if (fatalProtocol(msg)) {
          // The worker refused a message of ours: a protocol slip, which a
          // replacement would only meet again (or hide). Fail loudly.
          throw new WireError(
            `worker '${slot.name}' refused ${
              String(msg.error?.message).replace(
                /^@x\/pool protocol error: /,
                "",
              )
            }`,
          );
        }
        return this.#host.exit(
          slot,
          msg.error ? { error: fromRecord(msg.error) } : { code: msg.code },
        );
      default: {
        const type = (msg as { type?: unknown }).type;
        return this.#host.break(
          new WireError(`message type ${type} is not known`),
        );
      }
    }
  }

  /**
   * Stops every worker (once; later calls return the same promise), which
   * resolves when all have exited, or after {@linkcode TERMINATE_WAIT_MS}
   * at most. No worker starts after this.
   */
  stop(): Promise<void> {
    clearTimeout(this.#spawnTimer);
    clearTimeout(this.#respawnTimer);
    clearTimeout(this.#retryTimer);
    this.#spawnTimer = this.#respawnTimer = this.#retryTimer = undefined;
    this.#stopping ??= (async () => {
      const slots = this.slots.splice(0);
      const stopping: Promise<void>[] = [];
      for (const slot of slots) {
        slot.state = "dead";
        stopping.push(slot.stop());
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(stopping),
        new Promise((resolve) =>
          timer = setTimeout(resolve, TERMINATE_WAIT_MS)
        ),
      ]);
      clearTimeout(timer);
      this.#stopped = true;
    })();
    return this.#stopping;
  }
}
