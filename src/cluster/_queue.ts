/**
 * Opening a connection and making sure the work queue exists: a JetStream
 * stream with work-queue retention and file storage over every task
 * subject, and one durable pull consumer that every host pulls from
 * (explicit acks, `ack_wait`, `max_deliver`). Whoever comes first (a pool
 * or a host) creates them; the others use them as they are.
 *
 * @module
 */

import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/nats-core";
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import {
  errorText,
  redact,
  type Settings,
  shownServers,
  subjects,
} from "./_settings.ts";
import { clauseText } from "../core/_messages.ts";

/** Tasks a consumer may have delivered and unacknowledged, all hosts together. */
const MAX_ACK_PENDING = 100_000;

/** What the queue really is (the first to create it chose its limits). */
export interface Queue {
  /** The connection. */
  readonly nc: NatsConnection;
  /** JetStream's management API on it. */
  readonly jsm: JetStreamManager;
  /** The consumer's ack wait, ms. */
  readonly ackWaitMs: number;
  /** The consumer's max deliveries. */
  readonly maxDeliver: number;
}

/**
 * Connects to the servers of `s`; the error of a failed connection says
 * which servers and what the server answered (`Authorization Violation`).
 */
export async function openConnection(s: Settings): Promise<NatsConnection> {
  try {
    return await connect(s.connection);
  } catch (error) {
    throw new Error(
      `cannot connect to ${shownServers(s)}: ${
        redact(errorText(error))
      } (check 'servers' and the credentials)`,
      { cause: error },
    );
  }
}

/** Connects and makes sure the stream and the consumer exist. */
export async function openQueue(s: Settings): Promise<Queue> {
  const nc = await openConnection(s);
  try {
    return await ensureQueue(nc, s);
  } catch (error) {
    await nc.close().catch(() => {});
    throw error;
  }
}

/** Makes sure the stream and the consumer of `s` exist on `nc`. */
export async function ensureQueue(
  nc: NatsConnection,
  s: Settings,
): Promise<Queue> {
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
  } catch (error) {
    throw new Error(
      `JetStream is not available on ${shownServers(s)}: ${
        clauseText(error)
      }; start nats-server with -js`,
      { cause: error },
    );
  }
  try {
    await jsm.streams.info(s.stream);
  } catch (error) {
    if (!(missing(error, JetStreamApiCodes.StreamNotFound))) throw error;
    await jsm.streams.add({
      name: s.stream,
      subjects: [subjects.allTasks(s)],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: s.replicas,
    }).catch(async (error) => {
      // Another pool or host created it meanwhile.
      await jsm.streams.info(s.stream).catch(() => {
        if (/overlap/i.test(errorText(error))) {
          throw new Error(
            `Cannot create stream '${s.stream}': its subjects '${
              subjects.allTasks(s)
            }' overlap those of another stream on the server (${
              errorText(error)
            }): give each stream its own subjectPrefix (the host command's --subject-prefix), the same on its pools and hosts`,
            { cause: error },
          );
        }
        throw error;
      });
    });
  }
  let info;
  try {
    info = await jsm.consumers.info(s.stream, s.consumer);
  } catch (error) {
    if (!(missing(error, JetStreamApiCodes.ConsumerNotFound))) throw error;
    const config = {
      durable_name: s.consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: s.ackWaitMs * 1_000_000,
      max_deliver: s.maxDeliver,
      max_ack_pending: MAX_ACK_PENDING,
    };
    info = await jsm.consumers.add(s.stream, config).catch(async (error) => {
      return await jsm.consumers.info(s.stream, s.consumer).catch(() => {
        throw error;
      });
    });
  }
  return {
    nc,
    jsm,
    ackWaitMs: Math.round((info.config.ack_wait ?? s.ackWaitMs * 1e6) / 1e6),
    maxDeliver: info.config.max_deliver ?? s.maxDeliver,
  };
}

/**
 * A host's explicit `ackWait`/`maxDeliver` (given, and not what the
 * existing consumer has): updates the shared consumer to them (JetStream
 * allows it on a durable consumer) and says so on stderr, for every pool
 * and host from then on. Returns the queue as it is now.
 */
export async function applyHostLimits(
  queue: Queue,
  s: Settings,
  explicit: { ackWait: boolean; maxDeliver: boolean },
): Promise<Queue> {
  const change: { ack_wait?: number; max_deliver?: number } = {};
  if (explicit.ackWait && queue.ackWaitMs !== s.ackWaitMs) {
    change.ack_wait = s.ackWaitMs * 1_000_000;
  }
  if (explicit.maxDeliver && queue.maxDeliver !== s.maxDeliver) {
    change.max_deliver = s.maxDeliver;
  }
  if (Object.keys(change).length === 0) return queue;
  let info;
  try {
    info = await queue.jsm.consumers.update(s.stream, s.consumer, change);
  } catch (error) {
    throw new Error(
      `cannot update the consumer '${s.consumer}' of stream '${s.stream}' to ackWait ${
        s.ackWaitMs / 1000
      } s, maxDeliver ${s.maxDeliver}: ${
        clauseText(error)
      }; start the host without --ack-wait/--max-deliver to use the consumer as it is`,
      { cause: error },
    );
  }
  const was = `ackWait ${
    queue.ackWaitMs / 1000
  } s, maxDeliver ${queue.maxDeliver}`;
  const ackWaitMs = Math.round((info.config.ack_wait ?? 0) / 1e6) ||
    s.ackWaitMs;
  const maxDeliver = info.config.max_deliver ?? s.maxDeliver;
  console.error(
    `@x/pool: consumer '${s.consumer}' of stream '${s.stream}' updated from ${was} to ackWait ${
      ackWaitMs / 1000
    } s, maxDeliver ${maxDeliver} (for every pool and host on it)`,
  );
  return { ...queue, ackWaitMs, maxDeliver };
}

/** Whether `error` is JetStream's answer `code` (a stream or consumer not found). */
function missing(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/** Resolves `promise`, or `undefined` after `ms` (never rejects). */
export function bounded<T>(
  promise: Promise<T>,
  ms: number,
): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.catch(() => undefined),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
