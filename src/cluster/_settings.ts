/**
 * The options of `natsCluster` and `serveWorkers`, checked once, and the
 * names everything on the NATS side goes by (stream, consumer, subjects).
 *
 * @module
 */

import type { NodeConnectionOptions } from "@nats-io/transport-node";
import { distance } from "../_option_names.ts";

/** TLS options of {@linkcode NatsConnectionOptions}, as the NATS client reads them. */
export interface NatsTlsOptions {
  /** A CA certificate file (PEM) to verify the server with. */
  caFile?: string;
  /** A client certificate file (PEM), for servers that verify clients. */
  certFile?: string;
  /** The client certificate's key file (PEM). */
  keyFile?: string;
  /** The CA certificate itself (PEM text). */
  ca?: string;
  /** The client certificate itself (PEM text). */
  cert?: string;
  /** Its key itself (PEM text). */
  key?: string;
  /** Start with the TLS handshake (servers with `handshake_first`). */
  handshakeFirst?: boolean;
}

/**
 * Connection options, passed as they are to the official NATS client
 * (`ConnectionOptions` of `@nats-io/nats-core`, with Node's TLS options of
 * `@nats-io/transport-node`); the common ones are listed. `servers` is
 * given apart. Reconnection defaults to trying forever, every 0.5 s.
 *
 * @example Credentials
 * ```ts
 * import type { NatsConnectionOptions } from "@x/pool/cluster";
 *
 * const options: NatsConnectionOptions = { user: "pool", pass: "secret" };
 * console.log(options.user); // pool
 * ```
 */
export interface NatsConnectionOptions {
  /** User name (with `pass`). */
  user?: string;
  /** Password. */
  pass?: string;
  /** Authentication token. */
  token?: string;
  /**
   * An authenticator of the NATS client: `credsAuthenticator(bytes)`,
   * `nkeyAuthenticator(seed)`, `jwtAuthenticator(...)` from
   * `@nats-io/nats-core`, or a list of them.
   */
  authenticator?: unknown;
  /** TLS; `null` for none. */
  tls?: NatsTlsOptions | null;
  /**
   * The connection's name, as the server shows it (a host's `name` is its
   * host name, and names its connection `"@x/pool host <name>"`).
   */
  name?: string;
  /** Reconnection attempts (-1: forever, the default here). */
  maxReconnectAttempts?: number;
  /** Milliseconds between reconnection attempts (default 500 here). */
  reconnectTimeWait?: number;
  /** Milliseconds to wait for the first connection. */
  timeout?: number;
  /** Any other `ConnectionOptions` field, passed as it is. */
  [option: string]: unknown;
}

/** What the caller and the hosts agree on: the queue's names and limits. */
export interface QueueOptions {
  /** NATS server URLs, e.g. `"nats://127.0.0.1:4222"`. */
  servers: string | string[];
  /** JetStream stream name; default `"XPOOL"`. */
  stream?: string;
  /** First token of every subject; default `"xpool"`. */
  subjectPrefix?: string;
  /**
   * Seconds a host may hold a task without telling the server it is still
   * at work, before the task is delivered again; default 30. Hosts send
   * in-progress acks every third of it while a task runs.
   */
  ackWait?: number;
  /**
   * Deliveries of a task before it rejects with `WorkerLostError`; default 5.
   * A host gives back (`nak`s) a task it holds and could not start for a
   * while, for another host, and that counts as a delivery: never on a
   * task's last two deliveries, so give-backs alone never end in
   * `WorkerLostError` (and with 2 or less, hosts give nothing back).
   */
  maxDeliver?: number;
  /** Replicas of the stream when it is created here; default 1. */
  replicas?: number;
}

/** Checked settings. */
export interface Settings {
  /** Server URLs. */
  readonly servers: string[];
  /** Stream name. */
  readonly stream: string;
  /** The durable pull consumer all hosts share. */
  readonly consumer: string;
  /** Subject prefix. */
  readonly prefix: string;
  /** Ack wait, ms. */
  readonly ackWaitMs: number;
  /** Deliveries at most. */
  readonly maxDeliver: number;
  /** Stream replicas. */
  readonly replicas: number;
  /** The NATS client's options (servers included). */
  readonly connection: NodeConnectionOptions;
}

const OWN = new Set([
  "servers",
  "stream",
  "subjectPrefix",
  "ackWait",
  "maxDeliver",
  "replicas",
  "processes",
  "allowSource",
  "name",
  "context",
]);

/** Options only a host takes (`serveWorkers`). */
export const HOST_ONLY: readonly string[] = ["allowSource", "context"];

/** The NATS client's connection options (`ConnectionOptions`), passed on. */
const CONNECTION = [
  "authenticator",
  "debug",
  "maxPingOut",
  "maxReconnectAttempts",
  "noEcho",
  "noRandomize",
  "pass",
  "pedantic",
  "pingInterval",
  "port",
  "reconnect",
  "reconnectDelayHandler",
  "reconnectJitter",
  "reconnectJitterTLS",
  "reconnectTimeWait",
  "timeout",
  "tls",
  "token",
  "user",
  "verbose",
  "waitOnFirstConnect",
  "ignoreClusterUpdates",
  "inboxPrefix",
  "ignoreAuthErrorAbort",
  "noAsyncTraces",
  "resolve",
  "reconnectToServer",
];
/** Every option name either side takes. */
const KNOWN = [...OWN, ...CONNECTION];

const NAME = /^[A-Za-z0-9_-]+$/;
/** A server URL's scheme, when it has one. */
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

/** Throws a TypeError/RangeError naming `what` and the fix. */
function bad(what: string, must: string, value: unknown, range = false): never {
  const message = `Cannot ${what} as ${must}: received ${shown(value)}`;
  throw range ? new RangeError(message) : new TypeError(message);
}

/** Checks an optional positive integer option, at most `max`. */
export function integerOption(
  what: string,
  name: string,
  value: unknown,
  fallback: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    bad(what, `'${name}' must be a positive integer`, value);
  }
  if (value < 1 || value > max) {
    bad(what, `'${name}' must be from 1 to ${max}`, value, true);
  }
  return value;
}

/**
 * Checks the options shared by both sides (`what` is the start of each
 * error message, like `"create natsCluster()"`).
 */
export function settings(what: string, options: unknown): Settings {
  if (options === null || typeof options !== "object") {
    bad(what, "its options must be an object with 'servers'", options);
  }
  const o = options as QueueOptions & Record<string, unknown>;
  const servers = typeof o.servers === "string"
    ? o.servers.split(",").map((s) => s.trim()).filter((s) => s !== "")
    : Array.isArray(o.servers)
    ? o.servers.filter((s) => typeof s === "string" && s !== "")
    : [];
  if (
    servers.length === 0 ||
    (Array.isArray(o.servers) && servers.length !== o.servers.length)
  ) {
    bad(
      what,
      `'servers' must be a NATS server URL or a list of them, like "nats://127.0.0.1:4222"`,
      o.servers,
    );
  }
  for (const url of servers) {
    const scheme = SCHEME.exec(url)?.[1].toLowerCase();
    if (scheme !== undefined && !/^(nats|tls|ws|wss)$/.test(scheme)) {
      bad(
        what,
        `'servers' URLs must start with nats://, tls://, ws:// or wss:// (or be host:port), like "nats://127.0.0.1:4222"`,
        redact(url),
      );
    }
  }
  for (const key of Object.keys(o)) {
    if (KNOWN.includes(key)) continue;
    const near = KNOWN.find((name) =>
      name.toLowerCase() === key.toLowerCase() ||
      distance(name.toLowerCase(), key.toLowerCase()) <= 2
    );
    throw new TypeError(
      `Cannot ${what} as '${key}' is not an option${
        near ? `: did you mean '${near}'?` : ""
      } (options: ${
        [...OWN].join(", ")
      }, and the NATS client's connection options)`,
    );
  }
  for (const key of ["user", "pass", "token", "name", "inboxPrefix"]) {
    if (o[key] !== undefined && typeof o[key] !== "string") {
      bad(what, `'${key}' must be a string`, key === "name" ? o[key] : "***");
    }
  }
  for (const key of ["timeout", "reconnectTimeWait", "pingInterval"]) {
    const ms = o[key];
    // The NATS client (3.4.0) never lets the process exit after a first
    // connection attempt with a timeout of a few ms (measured: 1 ms).
    if (
      ms !== undefined &&
      (typeof ms !== "number" || !(ms >= 100 && ms <= 86_400_000))
    ) {
      bad(
        what,
        `'${key}' must be milliseconds from 100 to 86400000 (the NATS client's unit)`,
        ms,
        typeof ms === "number",
      );
    }
  }
  const stream = o.stream ?? "XPOOL";
  if (typeof stream !== "string" || !NAME.test(stream)) {
    bad(what, "'stream' must be letters, digits, '_' or '-'", stream);
  }
  const prefix = o.subjectPrefix ?? "xpool";
  if (typeof prefix !== "string" || !PREFIX.test(prefix)) {
    bad(
      what,
      "'subjectPrefix' must be dot-separated tokens of letters, digits, '_' or '-'",
      prefix,
    );
  }
  const ackWait = o.ackWait ?? 30;
  if (typeof ackWait !== "number" || !(ackWait >= 0.1 && ackWait <= 86400)) {
    bad(what, "'ackWait' must be seconds from 0.1 to 86400", ackWait, true);
  }
  const maxDeliver = integerOption(
    what,
    "maxDeliver",
    o.maxDeliver,
    5,
    1000,
  );
  const replicas = integerOption(what, "replicas", o.replicas, 1, 5);
  const connection: Record<string, unknown> = {
    // A server restart must not end a pool or a host: keep trying.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  };
  for (const [key, value] of Object.entries(o)) {
    if (!OWN.has(key) && value !== undefined) connection[key] = value;
  }
  connection.servers = servers;
  return {
    servers,
    stream,
    consumer: "hosts",
    prefix,
    ackWaitMs: Math.round(ackWait * 1000),
    maxDeliver,
    replicas,
    connection: connection as NodeConnectionOptions,
  };
}

/** Subjects. `pool` is a caller's pool id, `slot` a slot key. */
export const subjects = {
  /** Filter of the stream: every task. */
  allTasks: (s: Settings): string => `${s.prefix}.tasks.>`,
  /** Tasks of one slot (a JetStream subject). */
  tasks: (s: Settings, pool: string, slot: string): string =>
    `${s.prefix}.tasks.${pool}.${slot}`,
  /** Where the server acknowledges a stored task (core NATS). */
  stored: (s: Settings, pool: string): string => `${s.prefix}.stored.${pool}`,
  /** Results and notes for one slot (core NATS). */
  results: (s: Settings, pool: string, slot: string): string =>
    `${s.prefix}.results.${pool}.${slot}`,
  /** Where a caller confirms a result to the host that sent it. */
  confirm: (s: Settings, host: string): string => `${s.prefix}.confirm.${host}`,
  /** Cancel and gone notices of one pool (core NATS). */
  cancel: (s: Settings, pool: string): string => `${s.prefix}.cancel.${pool}`,
  /** JetStream's advisory: a task used its last delivery. */
  maxDeliveries: (s: Settings): string =>
    `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${s.stream}.${s.consumer}`,
};

/** The last two tokens of a task subject: `[pool, slot]`. */
export function taskOwner(subject: string): [string, string] {
  const end = subject.lastIndexOf(".");
  const mid = subject.lastIndexOf(".", end - 1);
  return [subject.slice(mid + 1, end), subject.slice(end + 1)];
}

/**
 * `servers` for messages, passwords and tokens in URLs replaced by `***`
 * (`nats://a:x@host` becomes `nats://a:***@host`).
 */
export function shownServers(s: Settings): string {
  return redact(s.servers.join(","));
}

/** `text` with the secrets of URLs in it replaced by `***`. */
export function redact(text: string): string {
  return text.replace(
    /(\b[A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/@\s:]*)(:[^/@\s]*)?@/g,
    (_m, scheme: string, user: string, pass: string | undefined) =>
      pass === undefined ? `${scheme}***@` : `${scheme}${user}:***@`,
  );
}

/** The message of anything thrown. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
