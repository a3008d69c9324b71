/**
 * A host's pulling: it asks the shared durable consumer for as many tasks
 * as the host has room for, in batches (pull requests with an expiry), and
 * asks again as room frees. A pull request lost with its server (a NATS
 * cluster's leader change, a reconnection) is given up on, never waited on.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/nats-core";
import type { Consumer, FetchOptions, JsMsg } from "@nats-io/jetstream";

/** A pull request waits this long for tasks (ms). */
const PULL_EXPIRES_MS = 5_000;
/** After a failed pull, wait this long (ms). */
const RETRY_MS = 500;

/** See the module doc. */
export class Puller {
  readonly #nc: NatsConnection;
  readonly #consumer: Consumer;
  readonly #free: () => number;
  readonly #batch: () => number;
  readonly #take: (msg: JsMsg) => void;
  /** Tasks asked for and not received yet. */
  #credit = 0;
  #fetches = new Set<{ stop(): void }>();
  #wake: () => void = () => {};
  #stopped = false;

  /**
   * @param nc The connection.
   * @param consumer The durable consumer.
   * @param free How many more tasks the host can take now.
   * @param batch The fewest tasks worth a pull request now (each pull is a
   *   request and a subscription: tiny tasks are pulled by the dozen).
   * @param take Takes each task pulled.
   */
  constructor(
    nc: NatsConnection,
    consumer: Consumer,
    free: () => number,
    batch: () => number,
    take: (msg: JsMsg) => void,
  ) {
    this.#nc = nc;
    this.#consumer = consumer;
    this.#free = free;
    this.#batch = batch;
    this.#take = take;
    void this.#loop();
    void this.#watch();
  }

  /** Room may have freed: pull more. */
  wake(): void {
    this.#wake();
  }

  /** Stops pulling (tasks already on their way are still taken). */
  stop(): void {
    this.#stopped = true;
    this.#wake();
    for (const batch of this.#fetches) batch.stop();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      const want = this.#free() - this.#credit;
      if (want > 0 && (want >= this.#batch() || this.#credit === 0)) {
        this.#credit += want;
        void this.#fetch(want);
      }
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  /** After a reconnection, pull anew (pending pull requests may be lost). */
  async #watch(): Promise<void> {
    for await (const status of this.#nc.status()) {
      if (status.type === "reconnect") {
        for (const batch of this.#fetches) batch.stop();
      }
    }
  }

  async #fetch(want: number): Promise<void> {
    let left = want;
    try {
      // A callback, not an iterator: the tasks of one read from the socket
      // are taken in one go, so that the host hands them to its workers in
      // one message and its answers leave in one write.
      const batch = await this.#consumer.fetch({
        max_messages: want,
        expires: PULL_EXPIRES_MS,
        callback: (msg: JsMsg) => {
          left--;
          this.#credit--;
          this.#take(msg);
        },
      } as FetchOptions);
      this.#fetches.add(batch);
      // Never wait on a pull request much past its expiry.
      const watchdog = setTimeout(() => batch.stop(), PULL_EXPIRES_MS + 2000);
      let error: void | Error;
      try {
        error = await batch.closed();
      } finally {
        clearTimeout(watchdog);
        this.#fetches.delete(batch);
      }
      if (error) throw error; // as the iterator would have thrown it
    } catch {
      // the connection or the consumer went away: try again shortly
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
    this.#credit -= left;
    this.#wake();
  }
}
