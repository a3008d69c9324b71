/**
 * Network namespaces for the cluster tests: one bridge in the root namespace
 * (where the NATS server and the calling pool live) and one namespace per
 * worker host, joined to the bridge by a veth pair, all in a private test
 * range the test makes itself (10.231.<n>.0/24). A host is cut off with
 * `ip link set <its veth> down` (its TCP connections hang, as on a real
 * partition: no reset) and restored with `up`.
 *
 * Names carry this process's id (`xpool-<pid>-...` namespaces, `xp<pid>...`
 * links), so a crashed run's leftovers are found and removed (when that pid
 * is gone) without touching a run still going. Everything is removed at the
 * end, pass or fail.
 *
 * Needs root and iproute2; {@linkcode noNetns} says why not (tests then skip
 * with that reason, or fall back to loopback processes).
 *
 * ```ts
 * const net = await createNet(2);
 * try {
 *   const server = await startNats({ host: net.serverAddress });
 *   // hosts: startHost({ netns: net.hosts[0].name, servers: server.url, ... })
 *   net.hosts[0].cut();
 *   net.hosts[0].restore();
 * } finally {
 *   net.close();
 * }
 * ```
 *
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import process from "node:process";

const PREFIX_NS = "xpool-";
const PREFIX_LINK = "xp";

function ipPath(): string | undefined {
  for (const p of ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]) {
    if (existsSync(p)) return p;
  }
  return undefined;
}

const IP = ipPath();

/** Runs `ip args`; throws with ip's stderr. */
export function ip(...args: string[]): string {
  if (!IP) throw new Error("iproute2's ip is not installed");
  try {
    return execFileSync(IP, args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 10_000,
    });
  } catch (error) {
    const e = error as { stderr?: string; message?: string };
    throw new Error(
      `ip ${args.join(" ")}: ${String(e.stderr ?? e.message).trim()}`,
    );
  }
}

/** `ip args`, ignoring failure (cleanup). */
function ipQuiet(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** Kills every process inside namespace `ns` (kill -9). */
function killInside(ns: string): void {
  let pids: string[] = [];
  try {
    pids = ip("netns", "pids", ns).split(/\s+/).filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // gone
    }
  }
}

/**
 * Removes namespaces and links left by earlier runs that crashed (their
 * process is gone). Returns what it removed.
 */
export function removeStale(): string[] {
  const removed: string[] = [];
  if (!IP) return removed;
  let list = "";
  try {
    list = ip("netns", "list");
  } catch {
    return removed;
  }
  for (const line of list.split("\n")) {
    const name = line.split(/\s/)[0];
    const m = new RegExp(`^${PREFIX_NS}(\\d+)-`).exec(name);
    if (!m || alive(Number(m[1]))) continue;
    killInside(name);
    ipQuiet("netns", "del", name);
    removed.push(name);
  }
  let links = "";
  try {
    links = ip("-o", "link", "show");
  } catch {
    return removed;
  }
  for (const line of links.split("\n")) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    const m = name && new RegExp(`^${PREFIX_LINK}(\\d+)[bvp]`).exec(name);
    if (!m || alive(Number(m[1]))) continue;
    ipQuiet("link", "del", name!);
    removed.push(name!);
  }
  return removed;
}

function probe(): string | false {
  if (process.env.XPOOL_NO_NETNS === "1") {
    return "XPOOL_NO_NETNS=1 (loopback processes instead)";
  }
  if (!IP) return "iproute2 is not installed (apt-get install iproute2)";
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    return "network namespaces need root (ip netns add)";
  }
  const name = `${PREFIX_NS}${process.pid}-probe`;
  try {
    ip("netns", "add", name);
    ip("-n", name, "link", "set", "lo", "up");
  } catch (error) {
    return `ip netns is not available here: ${(error as Error).message}`;
  } finally {
    ipQuiet("netns", "del", name);
  }
  return false;
}

let probed: string | false | undefined;

/**
 * Why network namespaces cannot be used here (a skip reason), or false.
 * Probes once (creates and removes a namespace); also removes stale
 * leftovers of crashed runs.
 */
export function noNetns(): string | false {
  if (probed === undefined) {
    probed = probe();
    if (probed === false) removeStale();
  }
  return probed;
}

/** A worker host's namespace. */
export interface HostNet {
  /** The namespace name (`ip netns exec <name> ...`). */
  readonly name: string;
  /** Its address on the test network. */
  readonly address: string;
  /** The root-side end of its veth pair (what {@linkcode cut} sets down). */
  readonly link: string;
  /** Whether the link is cut. */
  readonly isCut: boolean;
  /** `ip link set <link> down`: the host is cut off (no reset). */
  cut(): void;
  /** `ip link set <link> up`. */
  restore(): void;
}

/** A bridge with a server address and namespaces for hosts. */
export interface TestNet {
  /** The /24 of this network. */
  readonly subnet: string;
  /** The bridge's address: where the NATS server listens. */
  readonly serverAddress: string;
  /** One namespace per host. */
  readonly hosts: HostNet[];
  /** Kills what runs inside the namespaces, removes them and the bridge. Idempotent. */
  close(): void;
}

let counter = 0;

function pickSubnet(): number {
  const used = ip("-4", "-o", "addr", "show");
  for (let k = 0; k < 200; k++) {
    const n = 20 + (process.pid + k) % 200;
    if (!used.includes(` 10.231.${n}.`)) return n;
  }
  throw new Error("no free 10.231.<n>.0/24 for the test network");
}

/**
 * Creates a bridge (10.231.<n>.1/24) and `hostCount` namespaces
 * (10.231.<n>.11, .12, ...), each up with loopback. Throws (after removing
 * what it made) when a step fails.
 */
export function createNet(hostCount: number): TestNet {
  const reason = noNetns();
  if (reason) throw new Error(reason);
  if (hostCount < 1 || hostCount > 9) throw new Error("1 to 9 hosts");
  const k = counter++ % 10;
  const pid = process.pid;
  const n = pickSubnet();
  const bridge = `${PREFIX_LINK}${pid}b${k}`;
  const made = { bridge: false, ns: [] as string[] };
  const hosts: HostNet[] = [];
  let closed = false;
  const net: TestNet = {
    subnet: `10.231.${n}.0/24`,
    serverAddress: `10.231.${n}.1`,
    hosts,
    close() {
      if (closed) return;
      closed = true;
      for (const ns of made.ns) {
        killInside(ns);
        ipQuiet("netns", "del", ns);
      }
      for (const h of hosts) ipQuiet("link", "del", h.link);
      if (made.bridge) ipQuiet("link", "del", bridge);
    },
  };
  try {
    ip("link", "add", bridge, "type", "bridge", "forward_delay", "0");
    made.bridge = true;
    ip("addr", "add", `10.231.${n}.1/24`, "dev", bridge);
    ip("link", "set", bridge, "up");
    for (let i = 1; i <= hostCount; i++) {
      const ns = `${PREFIX_NS}${pid}-${k}-h${i}`;
      const link = `${PREFIX_LINK}${pid}v${k}${i}`;
      const peer = `${PREFIX_LINK}${pid}p${k}${i}`;
      const address = `10.231.${n}.${10 + i}`;
      ip("netns", "add", ns);
      made.ns.push(ns);
      ip("link", "add", link, "type", "veth", "peer", "name", peer);
      ip("link", "set", peer, "netns", ns);
      ip("-n", ns, "link", "set", peer, "name", "eth0");
      ip("-n", ns, "addr", "add", `${address}/24`, "dev", "eth0");
      ip("-n", ns, "link", "set", "eth0", "up");
      ip("-n", ns, "link", "set", "lo", "up");
      ip("link", "set", link, "master", bridge);
      ip("link", "set", link, "up");
      let isCut = false;
      hosts.push({
        name: ns,
        address,
        link,
        get isCut() {
          return isCut;
        },
        cut() {
          ip("link", "set", link, "down");
          isCut = true;
        },
        restore() {
          ip("link", "set", link, "up");
          isCut = false;
        },
      });
    }
  } catch (error) {
    net.close();
    throw error;
  }
  return net;
}

/**
 * Reads the first line a TCP server at `host:port` sends, from inside
 * namespace `ns` (bash's /dev/tcp), within `seconds`; undefined on failure.
 */
export function firstLineFrom(
  ns: string,
  host: string,
  port: number,
  seconds = 3,
): string | undefined {
  try {
    return execFileSync(IP!, [
      "netns",
      "exec",
      ns,
      "timeout",
      String(seconds),
      "bash",
      "-c",
      `exec 3<>/dev/tcp/${host}/${port} && head -n1 <&3`,
    ], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: (seconds + 2) * 1000,
    }).trim();
  } catch {
    return undefined;
  }
}
