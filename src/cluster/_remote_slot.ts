/**
 * One slot of a cluster pool, as the engine sees a worker: a
 * {@linkcode WorkerHandle} that speaks the worker side of the wire protocol
 * itself. It keeps the init message and the define/forget tables, turns
 * each task of a `tasks` message into one self-contained JetStream message,
 * and hands each result back as it comes (the cluster adapter is
 * `unordered`: a tiny task's result does not wait behind a slow one posted
 * to the same slot before it, which may run on another host), each once: a
 * duplicate (a task run twice) is dropped, and a task whose deliveries ran
 * out is answered `STATUS_LOST`.
 *
 * @module
 */

import type {
  SpawnOptions,
  WorkerEvents,
  WorkerHandle,
} from "../core/adapter.ts";
import {
  type FnSpec,
  type InitMessage,
  type LostRecord,
  type MainMessage,
  putResult,
  readDefines,
  STATUS_LOST,
  TASK_STRIDE,
  WireError,
} from "../core/_wire.ts";
import {
  KIND_INIT_ERROR,
  KIND_NOTES,
  KIND_RESULT,
  packInit,
  packTask,
} from "./_protocol.ts";
import type { Epoch } from "./_epoch.ts";
import { errorText, subjects } from "./_settings.ts";

/** A task sent and not answered. */
interface Entry {
  /** The message body, until the server stored it. */
  bytes: Uint8Array | undefined;
  /** When it was last published (ms). */
  sentAt: number;
  /** Its stream sequence once stored (0 before). */
  at: number;
}

/** Republish a task the server did not confirm storing after this long (ms). */
const STORE_RETRY_MS = 2000;

/** A cluster slot: see the module doc. */
export class RemoteSlot implements WorkerHandle {
  /** Its key within the pool (the last token of its subjects). */
  readonly key: string;
  /** The engine's name for it, like `"PoolWorker-3"`. */
  readonly name: string;
  readonly #epoch: Epoch;
  readonly #events: WorkerEvents;
  readonly #maxTasks: number;
  readonly #subject: string;
  readonly #reply: string;
  #init: { bytes: Uint8Array; key: string } | undefined;
  #fns = new Map<number, FnSpec>();
  #pending = new Map<number, Entry>();
  #unstored = 0;
  #ready = false;
  #dead = false;
  /** Counted busy by its epoch (see `ref`). */
  #refd = false;

  /**
   * @param epoch The connection (and pool id) it belongs to.
   * @param key Its key.
   * @param options The engine's spawn options.
   * @param events Where it reports.
   */
  constructor(
    epoch: Epoch,
    key: string,
    options: SpawnOptions,
    events: WorkerEvents,
  ) {
    this.#epoch = epoch;
    this.key = key;
    this.name = options.name;
    this.#events = events;
    this.#maxTasks = options.maxTasks ?? 0;
    this.#subject = subjects.tasks(epoch.s, epoch.poolId, key);
    this.#reply = subjects.results(epoch.s, epoch.poolId, key);
  }

  /** Takes a message of the engine (see `MainMessage`). */
  post(data: unknown): void {
    if (this.#dead) return;
    const msg = data as MainMessage;
    switch (msg.type) {
      case "tasks":
        return this.#tasks(msg.tasks);
      case "define":
        return readDefines(msg.defs, (fid, spec) => this.#fns.set(fid, spec));
      case "forget":
        for (const fid of msg.fids) this.#fns.delete(fid);
        return;
      case "init":
        return this.#start(msg);
      default:
        throw new WireError(
          `a cluster slot cannot carry a '${
            (msg as { type: string }).type
          }' message`,
        );
    }
  }

  #start(msg: InitMessage): void {
    this.#init = packInit({
      initializer: msg.initializer,
      initargs: msg.initargs,
      maxTasks: this.#maxTasks,
    });
    this.#epoch.opened.then(
      () => {
        if (this.#dead) return;
        this.#ready = true;
        for (const [seq, entry] of this.#pending) this.#publish(seq, entry);
        this.#events.message({ type: "ready" });
      },
      (error) => this.#exit(error),
    );
  }

  #tasks(flat: unknown[]): void {
    const init = this.#init!;
    const n = flat.length / TASK_STRIDE;
    const limit = this.#epoch.maxPayload;
    const made: [number, Uint8Array][] = [];
    // Encode every task before sending any: a task that cannot be carried
    // throws here, and the engine sends the batch again one by one.
    for (let j = 0; j < n * TASK_STRIDE; j += TASK_STRIDE) {
      const seq = flat[j] as number;
      const fid = flat[j + 1] as number;
      const spec = this.#fns.get(fid);
      if (spec === undefined) {
        throw new WireError(`task ${seq} uses function ${fid}, never defined`);
      }
      const bytes = packTask(
        seq,
        spec,
        flat[j + 2] as number,
        flat[j + 3],
        init.key,
        init.bytes,
        this.#reply,
      );
      if (bytes.length > limit) {
        throw new RangeError(
          `a task of ${bytes.length} bytes is over the NATS server's max_payload (${limit} bytes): send smaller arguments or chunks, or raise max_payload in the server's configuration`,
        );
      }
      made.push([seq, bytes]);
    }
    for (const [seq, bytes] of made) {
      const entry: Entry = { bytes, sentAt: 0, at: 0 };
      this.#pending.set(seq, entry);
      this.#unstored++;
      if (this.#ready) this.#publish(seq, entry);
    }
  }

  #publish(seq: number, entry: Entry): void {
    if (entry.bytes === undefined) return;
    entry.sentAt = performance.now();
    this.#epoch.publishTask(this.#subject, this.key, seq, entry.bytes);
  }

  /** The server stored task `seq` (or refused it: then it is sent again). */
  stored(seq: number, ok: boolean, streamSeq = 0): void {
    const entry = this.#pending.get(seq);
    if (entry === undefined || entry.bytes === undefined) return;
    if (ok) {
      entry.at = streamSeq;
      entry.bytes = undefined;
      this.#unstored--;
    } else entry.sentAt = -Infinity; // again on the next retry
  }

  /** Sends again the tasks the server did not confirm storing in time. */
  retry(now: number): void {
    if (!this.#ready || this.#unstored === 0) return;
    for (const [seq, entry] of this.#pending) {
      if (entry.bytes !== undefined && now - entry.sentAt >= STORE_RETRY_MS) {
        this.#publish(seq, entry);
      }
    }
  }

  /** A message on the slot's results subject (body unpacked). */
  receive(body: unknown): void {
    if (this.#dead || !Array.isArray(body)) return;
    const seq = body[1] as number;
    const entry = this.#pending.get(seq);
    if (entry === undefined) return; // a duplicate, or too late
    switch (body[0]) {
      case KIND_RESULT:
        this.#answer(seq, entry, body[2] as number, body[3], body[4]);
        return;
      case KIND_NOTES:
        this.#events.message({ type: "notes", notes: body.slice(1) });
        return;
      case KIND_INIT_ERROR:
        this.#events.message({ type: "initError", error: body[2] });
        return;
    }
  }

  /** Task `seq` used its last delivery without a result. */
  lost(seq: number, deliveries: number): void {
    const entry = this.#pending.get(seq);
    if (this.#dead || entry === undefined) return;
    const record: LostRecord = {
      message:
        `Task delivered ${deliveries} times without a result (JetStream max_deliver): each host that took it died, lost its connection or held it past ackWait`,
      workerName: this.name,
    };
    this.#answer(seq, entry, STATUS_LOST, record, 0);
  }

  /** Hands the result of task `seq` to the engine (the entry leaves). */
  #answer(
    seq: number,
    entry: Entry,
    status: number,
    payload: unknown,
    busy: unknown,
  ): void {
    if (entry.bytes !== undefined) {
      entry.bytes = undefined;
      this.#unstored--;
    }
    this.#pending.delete(seq);
    const out: unknown[] = [];
    putResult(out, seq, status, payload);
    this.#events.message({
      type: "results",
      results: out,
      busy: typeof busy === "number" ? busy : 0,
    });
  }

  /** The connection failed or ended for good: the slot is gone. */
  fail(error: unknown): void {
    this.#exit(error);
  }

  #exit(error: unknown): void {
    if (this.#dead) return;
    this.#dead = true;
    this.unref();
    this.#epoch.release(this);
    this.#events.exit({
      error: error instanceof Error ? error : new Error(errorText(error)),
    });
  }

  /**
   * The engine gave it work: its connection stays open (the engine calls
   * `unref` when the slot is idle; once every slot is, the connection
   * closes and nothing of the pool holds the process).
   */
  ref(): void {
    if (this.#refd || this.#dead) return;
    this.#refd = true;
    this.#epoch.ref();
  }

  /** The slot is idle: see `ref`. */
  unref(): void {
    if (!this.#refd) return;
    this.#refd = false;
    this.#epoch.unref();
  }

  /** Whether it has tasks not answered. */
  get busy(): boolean {
    return this.#pending.size > 0;
  }

  /**
   * Stops just tasks `seqs`, whose calls are settled (`WorkerHandle.cancel`):
   * they are forgotten (a result that still comes is dropped), deleted from
   * the stream if no host took them yet, and the hosts running them stop
   * them; the slot's other tasks run on.
   */
  cancel(seqs: readonly number[]): void {
    if (this.#dead) return;
    const stored: number[] = [];
    for (const seq of seqs) {
      const entry = this.#pending.get(seq);
      if (entry === undefined) continue;
      if (entry.bytes !== undefined) {
        entry.bytes = undefined; // never sent again
        this.#unstored--;
      } else if (entry.at > 0) stored.push(entry.at);
      this.#pending.delete(seq);
    }
    if (this.#ready) void this.#epoch.cancel(this.key, stored, seqs);
  }

  /**
   * Stops the slot: its queued tasks are deleted from the stream, the hosts
   * running its tasks stop them, and, when it was the last slot of its
   * pool, the hosts close their local pools of it and the connection ends.
   */
  async terminate(): Promise<void> {
    if (this.#dead) return;
    this.#dead = true;
    const busy = this.#pending.size > 0;
    const seqs: number[] = [];
    for (const entry of this.#pending.values()) {
      if (entry.at > 0) seqs.push(entry.at);
    }
    this.#pending.clear();
    if (busy && this.#ready) await this.#epoch.cancel(this.key, seqs);
    this.unref();
    await this.#epoch.release(this);
  }
}
