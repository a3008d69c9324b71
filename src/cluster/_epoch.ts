/**
 * One connection of a cluster adapter, from the first slot that needs it
 * to the last slot's end: the pool id its slots go by, the stream and
 * consumer it made sure of, and the subscriptions every slot shares (the
 * results of the pool, the server's confirmations of stored tasks, and
 * JetStream's max-deliveries advisory). When the last slot ends it tells
 * the hosts the pool is gone and closes; a later slot opens a new epoch
 * with a new pool id.
 *
 * @module
 */

import { headers, nuid } from "@nats-io/nats-core";
import type { NatsConnection, Subscription } from "@nats-io/nats-core";
import { bounded, openQueue, type Queue } from "./_queue.ts";
import { packCancel, packGone, readTask, unpack } from "./_protocol.ts";
import type { RemoteSlot } from "./_remote_slot.ts";
import {
  errorText,
  type Settings,
  shownServers,
  subjects,
  taskOwner,
} from "./_settings.ts";

/** The NATS server's default max_payload, until the server says. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** How often unconfirmed tasks are looked at (ms). */
const RETRY_EVERY_MS = 1000;
/** Bound on each request made while stopping (ms). */
const STOP_MS = 3000;
/**
 * Every slot idle this long: the connection closes (so that an idle pool
 * does not keep the process alive), to reopen on the next task (ms).
 */
const IDLE_CLOSE_MS = 250;

const text = new TextDecoder();

/** The stream sequence in a PubAck (`{"stream":"x","seq":12}`); 0 if none. */
function streamSeq(ack: string): number {
  const at = ack.indexOf('"seq":');
  return at < 0 ? 0 : parseInt(ack.slice(at + 6), 10) || 0;
}

/** See the module doc. */
export class Epoch {
  /** The settings. */
  readonly s: Settings;
  /** This pool's id: the token after the subject prefix's kind. */
  readonly poolId: string = nuid.next();
  /** Resolves once connected with the stream there; rejects if that fails. */
  readonly opened: Promise<Queue>;
  /** The largest message the server takes. */
  maxPayload = DEFAULT_MAX_PAYLOAD;
  /** Set once it closes (or failed): slots then need a new epoch. */
  ending = false;
  readonly #slots = new Map<string, RemoteSlot>();
  #queue: Queue | undefined;
  #subs: Subscription[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed: Promise<void> | undefined;
  /** Slots with tasks (see `ref`). */
  #busy = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Closed while idle: the next `ref` reopens. */
  #asleep = false;
  #storedPrefix: string;

  /** @param s Settings. */
  constructor(s: Settings) {
    this.s = s;
    this.#storedPrefix = `${subjects.stored(s, this.poolId)}.`;
    this.opened = (async () => {
      const queue = await openQueue(s);
      if (this.ending) {
        await queue.nc.close().catch(() => {});
        throw new Error("the pool stopped while connecting");
      }
      this.#listen(queue);
      return queue;
    })();
    this.opened.catch(() => {
      this.ending = true;
    });
  }

  /** Adds a slot. */
  add(slot: RemoteSlot): void {
    this.#slots.set(slot.key, slot);
  }

  /** A slot has tasks: keep (or reopen) the connection. */
  ref(): void {
    if (this.#busy++ > 0) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#asleep && !this.ending) this.#wake();
  }

  /** A slot has no task left: after the last, close while idle. */
  unref(): void {
    if (--this.#busy === 0) this.#idleSoon();
  }

  #idleSoon(): void {
    if (this.ending || this.#queue === undefined) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#sleep(), IDLE_CLOSE_MS);
  }

  #sleep(): void {
    this.#idleTimer = undefined;
    const queue = this.#queue;
    if (this.#busy > 0 || this.ending || queue === undefined) return;
    this.#unlisten();
    this.#queue = undefined;
    this.#asleep = true;
    void queue.nc.close().catch(() => {});
  }

  #wake(): void {
    this.#asleep = false;
    openQueue(this.s).then((queue) => {
      if (this.ending) return void queue.nc.close().catch(() => {});
      this.#listen(queue);
      for (const slot of this.#slots.values()) slot.retry(Infinity);
    }, (error) => {
      if (this.ending) return;
      this.#end();
      for (const slot of [...this.#slots.values()]) slot.fail(error);
    });
  }

  #listen(queue: Queue): void {
    this.#queue = queue;
    const { nc } = queue;
    const s = this.s;
    this.maxPayload = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    this.#subs.push(
      nc.subscribe(`${subjects.results(s, this.poolId, "*")}`, {
        callback: (_error, msg) => {
          const key = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
          let body: unknown;
          try {
            body = unpack(msg.data);
          } catch {
            return; // not ours to read: drop it
          }
          this.#slots.get(key)?.receive(body);
          if (msg.reply) msg.respond();
        },
      }),
      nc.subscribe(`${this.#storedPrefix}>`, {
        callback: (_error, msg) => {
          const [key, seq] = taskOwner(msg.subject);
          // A PubAck; an error, or an empty status message (no
          // responders: no stream leader just now), means not stored.
          const ack = msg.data.length > 0 ? text.decode(msg.data) : "";
          const ok = ack !== "" && !ack.includes('"error"');
          this.#slots.get(key)?.stored(
            Number(seq),
            ok,
            ok ? streamSeq(ack) : 0,
          );
        },
      }),
      nc.subscribe(subjects.maxDeliveries(s), {
        callback: (_error, msg) => void this.#advisory(msg.data),
      }),
    );
    this.#timer = setInterval(() => {
      const now = performance.now();
      for (const slot of this.#slots.values()) slot.retry(now);
    }, RETRY_EVERY_MS);
    nc.closed().then((error) => {
      if (this.ending || this.#queue !== queue) return; // or closed while idle
      this.#end();
      const why = new Error(
        `lost the connection to ${shownServers(s)}${
          error ? `: ${errorText(error)}` : ""
        }`,
        { cause: error },
      );
      for (const slot of [...this.#slots.values()]) slot.fail(why);
    });
    if (this.#busy === 0) this.#idleSoon();
  }

  /** Publishes task `seq` of slot `key`; the server confirms on `stored`. */
  publishTask(subject: string, key: string, seq: number, bytes: Uint8Array) {
    const nc = this.#queue?.nc;
    if (nc === undefined || nc.isClosed()) return; // sent again on retry
    const h = headers();
    h.set("Nats-Msg-Id", `${this.poolId}.${key}.${seq}`);
    try {
      nc.publish(subject, bytes, {
        reply: `${this.#storedPrefix}${key}.${seq}`,
        headers: h,
      });
    } catch {
      // draining or reconnecting: sent again on retry
    }
  }

  /** A task used its last delivery: answer it lost and remove it. */
  async #advisory(data: Uint8Array): Promise<void> {
    const queue = this.#queue;
    if (queue === undefined) return;
    try {
      const event = JSON.parse(text.decode(data)) as {
        stream_seq: number;
        deliveries: number;
      };
      const stored = await queue.jsm.streams.getMessage(this.s.stream, {
        seq: event.stream_seq,
      });
      if (stored === null) return;
      const [pool, key] = taskOwner(stored.subject);
      if (pool !== this.poolId) return; // another pool's task
      const task = readTask(stored.data);
      this.#slots.get(key)?.lost(task.seq, event.deliveries);
      await queue.jsm.streams.deleteMessage(this.s.stream, event.stream_seq);
    } catch {
      // gone meanwhile (purged, or deleted by a retry of this)
    }
  }

  /**
   * Stops the tasks of slot `key` (only those numbered `tasks` when given):
   * the hosts stop the ones they run (and drop the ones they are given
   * later), and `seqs` (their stream
   * sequences) are deleted from the stream one by one. Never a purge by
   * subject: on a work queue that moves the shared consumer past the
   * messages of other slots and pools stored meanwhile, which are then lost.
   */
  async cancel(
    key: string,
    seqs: number[],
    tasks?: readonly number[],
  ): Promise<void> {
    const queue = this.#queue;
    if (queue === undefined || queue.nc.isClosed()) return;
    try {
      queue.nc.publish(
        subjects.cancel(this.s, this.poolId),
        packCancel(key, tasks),
      );
    } catch {
      // closed meanwhile
    }
    await bounded(
      Promise.all(
        seqs.map((seq) =>
          queue.jsm.streams.deleteMessage(this.s.stream, seq, false).catch(
            () => false, // taken meanwhile: the host drops it
          )
        ),
      ),
      STOP_MS,
    );
  }

  /**
   * Takes out a slot that ended; after the last one (looked at on the next
   * turn, so that a slot replacing it keeps the epoch), closes. Resolves
   * when closed, or at once when other slots remain.
   */
  release(slot: RemoteSlot): Promise<void> {
    if (this.#slots.get(slot.key) === slot) this.#slots.delete(slot.key);
    return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() =>
      this.#slots.size === 0 ? this.close() : undefined
    );
  }

  /** Tells the hosts the pool is gone and closes the connection. */
  close(): Promise<void> {
    return this.#closed ??= (async () => {
      this.#end();
      await bounded(this.opened, STOP_MS);
      const queue = this.#queue;
      if (queue === undefined || queue.nc.isClosed()) return; // or asleep
      const nc: NatsConnection = queue.nc;
      try {
        nc.publish(subjects.cancel(this.s, this.poolId), packGone());
      } catch {
        // closed meanwhile
      }
      await bounded(nc.flush(), STOP_MS);
      await nc.close().catch(() => {});
    })();
  }

  #end(): void {
    this.ending = true;
    clearTimeout(this.#idleTimer);
    this.#unlisten();
  }

  #unlisten(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const sub of this.#subs) sub.unsubscribe();
    this.#subs = [];
  }
}
