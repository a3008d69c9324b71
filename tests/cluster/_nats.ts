/**
 * NATS servers for the cluster tests: `nats-server` with JetStream on a free
 * port and a temporary store directory, started and stopped by the test
 * itself (bounded in time), restarted on the same port and store (file
 * storage survives), as a three-server cluster with routes (for R3
 * streams), or with users or a token (credential tests).
 *
 * Readiness is checked without a NATS client: the server's "Server is
 * ready" line, a TCP connection that receives the protocol's `INFO` line,
 * and the monitoring endpoint `/healthz` (JetStream current; in a cluster,
 * a meta leader elected).
 *
 * ```ts
 * const server = await startNats();
 * try {
 *   // ... natsCluster({ servers: server.url }) ...
 *   await server.restart(); // same port, same store
 * } finally {
 *   await server.close(); // stops it and removes its directory
 * }
 * ```
 *
 * @module
 */

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  forgetDir,
  type Proc,
  removeAtExit,
  sleep,
  startProc,
  tail,
} from "./_proc.ts";

/** Where nats-server is looked for (XPOOL_NATS_SERVER overrides). */
const CANDIDATES = ["/usr/sbin/nats-server", "/usr/bin/nats-server"];

/** The nats-server binary, or undefined when not installed. */
export function natsServerPath(): string | undefined {
  // deno-lint-ignore no-explicit-any
  const env = (globalThis as any).process?.env?.XPOOL_NATS_SERVER;
  if (typeof env === "string" && env !== "") return env;
  return CANDIDATES.find((p) => existsSync(p));
}

/**
 * The reason the cluster tests cannot run here (for `skip:`), or false.
 * CI installs the server (`.ci/run`: apt-get install nats-server).
 */
export const noNatsServer: string | false = natsServerPath() === undefined
  ? "nats-server is not installed (apt-get install nats-server; or set XPOOL_NATS_SERVER)"
  : false;

/** A free TCP port on `host` (bound, read, released). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A user of a server started with `users`. */
export interface NatsUser {
  /** User name. */
  user: string;
  /** Its password. */
  pass: string;
}

/** Options of {@linkcode startNats}. */
export interface NatsServerOptions {
  /** Client port; default a free one. */
  port?: number;
  /** Address to listen on; default 127.0.0.1 (a bridge address for namespaces). */
  host?: string;
  /** Name in logs and in the JetStream cluster; default "xpool-<port>". */
  serverName?: string;
  /** Users with passwords (authorization block). Not with `token`. */
  users?: NatsUser[];
  /** A token every client must present. Not with `users`. */
  token?: string;
  /** Join a cluster: this server's route port and the routes to the others. */
  cluster?: { name: string; port: number; routes: string[] };
  /** Seconds to wait for readiness; default 20. */
  startSeconds?: number;
  /** Extra lines for the configuration file. */
  extraConfig?: string;
}

/** A nats-server with JetStream, its directory and its process. */
export interface NatsServer {
  /** The client URL, `nats://host:port`. */
  readonly url: string;
  /** Client port (kept across restarts). */
  readonly port: number;
  /** Monitoring (HTTP) port on 127.0.0.1. */
  readonly monitorPort: number;
  /** The JetStream store directory (kept across restarts). */
  readonly storeDir: string;
  /** The configuration file. */
  readonly configFile: string;
  /** The current process (a new one after each restart). */
  readonly proc: Proc;
  /** Whether the current process runs. */
  readonly running: boolean;
  /** Output of every process so far (for failure reports). */
  output(): string;
  /**
   * Starts the server again on the same port and store (after stop or
   * kill); resolves when ready.
   */
  start(): Promise<void>;
  /** Stops it (SIGTERM; SIGKILL after `seconds`). */
  stop(seconds?: number): Promise<void>;
  /** kill -9. */
  kill(): Promise<void>;
  /** Stop (or kill -9 with `{ kill: true }`), then start on the same port and store. */
  restart(options?: { kill?: boolean; downSeconds?: number }): Promise<void>;
  /** Stops it and removes its directory. Idempotent. */
  close(): Promise<void>;
  /** {@linkcode close} for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

function q(s: string): string {
  return JSON.stringify(s);
}

/** Starts nats-server -js with a temp store; resolves when it serves JetStream. */
export async function startNats(
  options: NatsServerOptions = {},
): Promise<NatsServer> {
  const bin = natsServerPath();
  if (bin === undefined) throw new Error(String(noNatsServer));
  if (options.users && options.token !== undefined) {
    throw new Error("startNats: users and token cannot be combined");
  }
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? await freePort(host);
  const monitorPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "xpool-nats-"));
  removeAtExit(dir);
  const storeDir = join(dir, "store");
  const configFile = join(dir, "nats.conf");
  const serverName = options.serverName ?? `xpool-${port}`;
  const lines = [
    `server_name: ${q(serverName)}`,
    `listen: ${q(`${host}:${port}`)}`,
    `http: ${q(`127.0.0.1:${monitorPort}`)}`,
    `jetstream { store_dir: ${
      q(storeDir)
    }, max_file_store: 1G, max_memory_store: 256M }`,
  ];
  if (options.cluster) {
    const c = options.cluster;
    lines.push(
      `cluster { name: ${q(c.name)}, listen: ${
        q(`127.0.0.1:${c.port}`)
      }, routes: [${c.routes.map(q).join(", ")}] }`,
    );
  }
  if (options.users) {
    lines.push(
      `authorization { users: [${
        options.users.map((u) =>
          `{ user: ${q(u.user)}, password: ${q(u.pass)} }`
        )
          .join(", ")
      }] }`,
    );
  }
  if (options.token !== undefined) {
    lines.push(`authorization { token: ${q(options.token)} }`);
  }
  if (options.extraConfig) lines.push(options.extraConfig);
  writeFileSync(configFile, lines.join("\n") + "\n");
  const startSeconds = options.startSeconds ?? 20;
  let proc: Proc | undefined;
  let earlier = "";
  let closed = false;
  const launch = async () => {
    if (proc) earlier += proc.output() + "\n";
    proc = startProc(bin, ["-c", configFile], {
      label: `nats-server ${serverName}`,
    });
    try {
      await ready(
        proc,
        host,
        port,
        monitorPort,
        !!options.cluster,
        startSeconds,
      );
    } catch (error) {
      await proc.stop(2);
      throw error;
    }
  };
  const server: NatsServer = {
    url: `nats://${host}:${port}`,
    port,
    monitorPort,
    storeDir,
    configFile,
    get proc() {
      return proc!;
    },
    get running() {
      return proc?.running ?? false;
    },
    output: () => earlier + (proc?.output() ?? ""),
    async start() {
      if (proc?.running) throw new Error(`${serverName} is running`);
      await launch();
    },
    async stop(seconds = 5) {
      await proc?.stop(seconds);
    },
    async kill() {
      await proc?.kill();
    },
    async restart(opts = {}) {
      if (opts.kill) await proc?.kill();
      else await proc?.stop();
      if (opts.downSeconds) await sleep(opts.downSeconds * 1000);
      await launch();
    },
    async close() {
      if (closed) return;
      closed = true;
      await proc?.stop();
      rmSync(dir, { recursive: true, force: true });
      forgetDir(dir);
    },
    [Symbol.asyncDispose]() {
      return server.close();
    },
  };
  try {
    await launch();
  } catch (error) {
    closed = true;
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return server;
}

/** Three (or `size`) servers joined by routes: the cluster of an R3 stream. */
export interface NatsCluster {
  /** The servers, in order. */
  readonly servers: NatsServer[];
  /** Their client URLs (a client's `servers` list). */
  readonly urls: string[];
  /** Output of every server. */
  output(): string;
  /** Stops every server and removes their directories. */
  close(): Promise<void>;
  /** {@linkcode close} for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts `size` (default 3) JetStream servers in one cluster on loopback;
 * resolves when every one is ready and a meta leader is elected.
 */
export async function startNatsCluster(
  options: { size?: number; name?: string; startSeconds?: number } = {},
): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const name = options.name ?? "xpool";
  const routePorts: number[] = [];
  const ports: number[] = [];
  for (let i = 0; i < size; i++) {
    routePorts.push(await freePort());
    ports.push(await freePort());
  }
  const routes = routePorts.map((p) => `nats-route://127.0.0.1:${p}`);
  // The servers wait for each other (JetStream needs a meta leader), so they
  // start together.
  const started = await Promise.allSettled(
    ports.map((port, i) =>
      startNats({
        port,
        serverName: `${name}-${i + 1}`,
        cluster: {
          name,
          port: routePorts[i],
          routes: routes.filter((_, j) => j !== i),
        },
        startSeconds: options.startSeconds ?? 30,
      })
    ),
  );
  const servers = started.flatMap((r) =>
    r.status === "fulfilled" ? [r.value] : []
  );
  const cluster: NatsCluster = {
    servers,
    urls: servers.map((s) => s.url),
    output: () => servers.map((s) => s.output()).join("\n"),
    async close() {
      await Promise.all(servers.map((s) => s.close()));
    },
    [Symbol.asyncDispose]() {
      return cluster.close();
    },
  };
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await cluster.close();
    throw (failed as PromiseRejectedResult).reason;
  }
  return cluster;
}

/** Waits for the log line, the INFO line on the client port, and /healthz. */
async function ready(
  proc: Proc,
  host: string,
  port: number,
  monitorPort: number,
  clustered: boolean,
  seconds: number,
): Promise<void> {
  const end = Date.now() + seconds * 1000;
  const left = () => Math.max(0.1, (end - Date.now()) / 1000);
  await proc.waitFor(/Server is ready/, left());
  let last = "";
  while (Date.now() < end) {
    if (!proc.running) {
      throw new Error(`${proc.label} exited:\n${tail(proc.output())}`);
    }
    try {
      const info = await probeInfo(host, port, 2);
      if (!info.startsWith("INFO ")) throw new Error(`not INFO: ${info}`);
      const health = await httpGet(monitorPort, "/healthz", 2);
      if (health.status !== 200) {
        throw new Error(`/healthz ${health.status} ${health.body}`);
      }
      if (!clustered) return;
      const jsz = await httpGet(monitorPort, "/jsz", 2);
      const leader = JSON.parse(jsz.body)?.meta_cluster?.leader;
      if (typeof leader === "string" && leader !== "") return;
      throw new Error("no JetStream meta leader yet");
    } catch (error) {
      last = String((error as Error)?.message ?? error);
    }
    await sleep(100);
  }
  throw new Error(
    `${proc.label} not ready within ${seconds}s (${last}):\n${
      tail(proc.output())
    }`,
  );
}

/** Connects to a NATS client port and returns the first line (INFO {...}). */
export function probeInfo(
  host: string,
  port: number,
  seconds: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no INFO from ${host}:${port} within ${seconds}s`));
    }, seconds * 1000);
    socket.setEncoding("utf8");
    socket.on("data", (s: string) => {
      data += s;
      const nl = data.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.slice(0, nl).trim());
      }
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      reject(new Error(`${host}:${port} closed before INFO`));
    });
  });
}

/** GET on 127.0.0.1:`port` over HTTP/1.0 (no client library, no keep-alive). */
export function httpGet(
  port: number,
  path: string,
  seconds: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let data = "";
    const socket = connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`GET ${path} on :${port}: no answer in ${seconds}s`));
    }, seconds * 1000);
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      socket.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`);
    });
    socket.on("data", (s: string) => {
      data += s;
    });
    socket.on("error", (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d+)/.exec(data);
      if (!m) {
        reject(new Error(`GET ${path} on :${port}: no HTTP answer`));
        return;
      }
      const at = data.indexOf("\r\n\r\n");
      resolve({ status: Number(m[1]), body: at < 0 ? "" : data.slice(at + 4) });
    });
  });
}

/** GET `path` of the monitoring port as JSON (e.g. "/jsz?streams=true"). */
export async function monitor(
  server: NatsServer,
  path: string,
  seconds = 5,
): Promise<any> {
  const { status, body } = await httpGet(server.monitorPort, path, seconds);
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${body}`);
  return JSON.parse(body);
}
