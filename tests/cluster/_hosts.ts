/**
 * Worker hosts for the cluster tests: `src/cluster/cli.ts` as a separate
 * process on Deno, Bun or Node 24, optionally inside a network namespace
 * (`ip netns exec <ns> ...`). A host is ready when it prints its one line
 * `serving <name> <processes>`; it is stopped with SIGTERM (it drains),
 * then SIGKILL after a bound, or killed with -9 to simulate a crash.
 *
 * ```ts
 * const host = await startHost({ runtime: "bun", servers: server.url, name: "host-a" });
 * try {
 *   // ... run a pool against the server ...
 * } finally {
 *   await host.stop();
 * }
 * ```
 *
 * Runtimes are found in this order: XPOOL_DENO / XPOOL_BUN / XPOOL_NODE24
 * (the test matrix sets them), the repository's pinned devDependencies
 * (node_modules/.bin), the running runtime itself when it is the one asked
 * for (Node >= 24 for "node"), and Node 24 from npx's cache.
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Exit, type Proc, startProc, tail } from "./_proc.ts";

/** A runtime a host can run on. */
export type HostRuntime = "deno" | "bun" | "node";

/** The runtimes hosts run on. */
export const HOST_RUNTIMES: readonly HostRuntime[] = ["deno", "bun", "node"];

/** The repository's root directory. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** The host command line (the same file on every runtime). */
export const CLI: string = join(ROOT, "src", "cluster", "cli.ts");

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

function env(name: string): string | undefined {
  try {
    const v = g.process?.env?.[name];
    return typeof v === "string" && v !== "" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The runtime running the tests. */
export const callerRuntime: HostRuntime =
  typeof g.Deno?.version?.deno === "string"
    ? "deno"
    : typeof g.Bun?.version === "string"
    ? "bun"
    : "node";

function version(path: string): string | undefined {
  try {
    return execFileSync(path, ["--version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    }).trim().split("\n")[0].replace(/^(deno |v)/, "").split(" ")[0];
  } catch {
    return undefined;
  }
}

function findNode24(): string | undefined {
  const fromEnv = env("XPOOL_NODE24");
  if (fromEnv) return fromEnv;
  if (callerRuntime === "node") {
    const major = Number(String(g.process.versions.node).split(".")[0]);
    if (major >= 24) return g.process.execPath;
  }
  // npx's cache (`npx -y node@24...` puts it there).
  const cache = join(
    env("npm_config_cache") ?? join(homedir(), ".npm"),
    "_npx",
  );
  try {
    for (const entry of readdirSync(cache)) {
      const path = join(cache, entry, "node_modules", "node", "bin", "node");
      if (existsSync(path) && version(path)?.startsWith("24.")) return path;
    }
  } catch {
    // no cache
  }
  return undefined;
}

const paths = new Map<HostRuntime, string | undefined>();

/** The executable of `runtime`, or undefined when it cannot be found here. */
export function runtimePath(runtime: HostRuntime): string | undefined {
  if (paths.has(runtime)) return paths.get(runtime);
  let path: string | undefined;
  if (runtime === "node") path = findNode24();
  else {
    path = env(runtime === "deno" ? "XPOOL_DENO" : "XPOOL_BUN");
    const pinned = join(ROOT, "node_modules", ".bin", runtime);
    if (!path && existsSync(pinned)) path = pinned;
    if (!path && callerRuntime === runtime) {
      path = runtime === "deno" ? g.Deno.execPath() : g.process.execPath;
    }
  }
  paths.set(runtime, path);
  return path;
}

/** Why hosts cannot run on `runtime` here (for `skip:`), or false. */
export function noRuntime(runtime: HostRuntime): string | false {
  if (runtimePath(runtime)) return false;
  return runtime === "node"
    ? "Node 24 not found (set XPOOL_NODE24, or run `npx -y node@24.21.0 --version` once)"
    : `${runtime} not found (npm ci installs it in node_modules/.bin)`;
}

/** The runtimes available for hosts here, the caller's first. */
export function availableRuntimes(): HostRuntime[] {
  return [
    callerRuntime,
    ...HOST_RUNTIMES.filter((r) => r !== callerRuntime),
  ].filter((r) => runtimePath(r) !== undefined);
}

/** Options of {@linkcode startHost}. */
export interface HostOptions {
  /** The runtime running the host. */
  runtime: HostRuntime;
  /** NATS URLs (`--servers`). */
  servers: string | string[];
  /** Host name (`--name`): currentProcess().name is "<name>/PoolWorker-N". */
  name: string;
  /** Local worker threads (`--processes`); default 2. */
  processes?: number;
  /** Pass `--allow-source`. */
  allowSource?: boolean;
  /** More flags (credentials, `--ack-wait 2`, `--stream X`, ...). */
  args?: string[];
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Extra environment. */
  env?: Record<string, string>;
  /**
   * Wait for the `serving` line (default true). False: return at once (to
   * watch a host that should fail, via `exited`).
   */
  waitReady?: boolean;
  /** Seconds to wait for the `serving` line; default 60 (Deno may fetch npm packages on a cold cache). */
  readySeconds?: number;
}

/** A worker host process. */
export interface Host {
  /** Its name. */
  readonly name: string;
  /** Its runtime. */
  readonly runtime: HostRuntime;
  /** The process. */
  readonly proc: Proc;
  /** The slot count it printed in its `serving` line (undefined before). */
  readonly slots: number | undefined;
  /** Settles when it has exited. */
  readonly exited: Promise<Exit>;
  /** Its output, each line prefixed (for failure reports). */
  output(): string;
  /** SIGTERM (drain), SIGKILL after `seconds` (default 15). */
  stop(seconds?: number): Promise<Exit>;
  /** kill -9 (a crash). */
  kill(): Promise<Exit>;
  /** {@linkcode stop} for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The command line of a host (for reports and for the bench). */
export function hostCommand(options: HostOptions): [string, string[]] {
  const exe = runtimePath(options.runtime);
  if (!exe) throw new Error(String(noRuntime(options.runtime)));
  const servers = Array.isArray(options.servers)
    ? options.servers.join(",")
    : options.servers;
  const flags = [
    "--servers",
    servers,
    "--name",
    options.name,
    "--processes",
    String(options.processes ?? 2),
    ...(options.allowSource ? ["--allow-source"] : []),
    ...(options.args ?? []),
  ];
  const argv = options.runtime === "deno"
    ? [exe, "run", "-A", CLI, ...flags]
    : [exe, CLI, ...flags];
  if (options.netns) return ["ip", ["netns", "exec", options.netns, ...argv]];
  return [argv[0], argv.slice(1)];
}

/** Starts a host; resolves once it prints `serving <name> <n>` (unless `waitReady: false`). */
export async function startHost(options: HostOptions): Promise<Host> {
  const [cmd, args] = hostCommand(options);
  const proc = startProc(cmd, args, {
    label: `${options.name} (${options.runtime})`,
    cwd: ROOT,
    env: options.env,
  });
  let slots: number | undefined;
  const host: Host = {
    name: options.name,
    runtime: options.runtime,
    proc,
    get slots() {
      return slots;
    },
    exited: proc.exited,
    output: () => proc.output(),
    stop: (seconds = 15) => proc.stop(seconds),
    kill: () => proc.kill(),
    async [Symbol.asyncDispose]() {
      await proc.stop(15);
    },
  };
  if (options.waitReady === false) return host;
  const escaped = options.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  try {
    const m = await proc.waitFor(
      new RegExp(`^serving ${escaped} (\\d+)$`, "m"),
      options.readySeconds ?? 60,
    );
    slots = Number(m[1]);
  } catch (error) {
    await proc.stop(3);
    throw error;
  }
  return host;
}

/** Starts several hosts at once; when one fails, stops the others and throws. */
export async function startHosts(list: HostOptions[]): Promise<Host[]> {
  const started = await Promise.allSettled(list.map((o) => startHost(o)));
  const hosts = started.flatMap((r) =>
    r.status === "fulfilled" ? [r.value] : []
  );
  const failed = started.find((r) => r.status === "rejected");
  if (failed) {
    await stopHosts(hosts);
    throw (failed as PromiseRejectedResult).reason;
  }
  return hosts;
}

/** Stops hosts (SIGTERM, SIGKILL after `seconds`), all at once. */
export async function stopHosts(hosts: Host[], seconds = 15): Promise<void> {
  await Promise.all(hosts.map((h) => h.stop(seconds)));
}

/** The output of hosts (and anything else with `output()`), for a failure message. */
export function report(
  ...parts: Array<{ output(): string } | undefined>
): string {
  return parts.flatMap((p) => p ? [tail(p.output(), 40)] : []).join("\n");
}
