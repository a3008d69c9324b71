// The cluster path (issue 13): @x/pool over NATS JetStream against the local
// pool and CPython's multiprocessing.Pool, in one run, on this machine.
// Reports medians; asserts nothing.
//
//   node bench/cluster.mjs            # Node 24 caller (type stripping runs ../mod.ts)
//   node bench/cluster.mjs --quick    # 10,000 tiny tasks, hosts 1,2,4,16, 2 rounds
//   node bench/cluster.mjs --scale-only --hosts 16   # the scale-out part alone
//   deno run -A bench/cluster.mjs / bun bench/cluster.mjs
//
// Needs nats-server (apt-get install nats-server; XPOOL_NATS_SERVER
// overrides the path) and python3 for the anchor. The server, the worker
// hosts (src/cluster/cli.ts, one process each) and this caller share the
// machine: the figures are the path's overhead, not a network's.
//
// 1. Per-task overhead: 100,000 tiny tasks `(x) => x + 1` as
//    `map(fn, xs, 1)` (one JetStream message per task) and `map(fn, xs)`
//    (the default chunksize), through one host with 2 local workers, beside
//    the local Pool(2) doing the same; CPython's Pool(2).apply_async over
//    the same count (python_pool.py's `tiny`) as the anchor.
// 2. Scale-out simulated here: 50 ms sleeps over 1, 2, 4, 8, 16 hosts, each
//    a separate process with processes=1 (one slot: a host per slot, the
//    worst case for the transport), TASKS_PER_SLOT tasks per slot at
//    chunksize 1; efficiency = ideal time (tasks per slot × 50 ms) / time.
//    CPython's Pool(N) sleeping the same tasks beside it. Then, beside
//    those rows and labelled so, the largest host count again with
//    LONG_TASKS_PER_SLOT tasks per slot (a longer run: the start and the
//    tail, up to one task per host, weigh less).
//
// Options (flag or environment): --rounds N (ROUNDS, default 3), --tiny N
// (TINY, 100000), --hosts 1,2,4,8,16 (HOSTS), --host-runtime node|bun|deno
// (HOST_RUNTIME, default the caller's runtime), --tasks-per-slot N
// (TASKS_PER_SLOT, 20), --slots-per-thread N (SLOTS_PER_THREAD, 1: the
// pool's processes per host thread in the scale-out), --long-tasks-per-slot N
// (LONG_TASKS_PER_SLOT, 50; 0 for no such row), --scale-only (SCALE_ONLY=1:
// skip the tiny tasks), --out FILE (default bench/results/cluster-<date>.md,
// with a .json beside it).
import process from "node:process";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";
import { Pool } from "../mod.ts";
import { natsCluster } from "../src/cluster/mod.ts";
import { startNats } from "../tests/cluster/_nats.ts";
import {
  callerRuntime,
  runtimePath,
  startHost,
} from "../tests/cluster/_hosts.ts";

const HERE = dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const [k, v] = a.slice(2).split("=", 2);
    if (k === "quick" || k === "scale-only") o[k] = true;
    else o[k] = v ?? argv[++i];
  }
  return o;
}
const args = parseArgs(process.argv.slice(2));
const env = process.env;
const quick = Boolean(args.quick || env.BENCH_QUICK === "1");
const ROUNDS = Number(args.rounds ?? env.ROUNDS ?? (quick ? 2 : 3));
const TINY = Number(args.tiny ?? env.TINY ?? (quick ? 10_000 : 100_000));
const HOSTS = String(
  args.hosts ?? env.HOSTS ?? (quick ? "1,2,4,16" : "1,2,4,8,16"),
)
  .split(",").map(Number);
const HOST_RUNTIME = args["host-runtime"] ?? env.HOST_RUNTIME ?? callerRuntime;
const TASKS_PER_SLOT = Number(
  args["tasks-per-slot"] ?? env.TASKS_PER_SLOT ?? 20,
);
const LONG_TASKS_PER_SLOT = Number(
  args["long-tasks-per-slot"] ?? env.LONG_TASKS_PER_SLOT ?? 50,
);
const SCALE_ONLY = Boolean(args["scale-only"] || env.SCALE_ONLY === "1");
const SLEEP_MS = 50;
/** Pool slots per host thread in the scale-out (more than 1 keeps tasks waiting in the stream). */
const SLOTS_PER_THREAD = Number(
  args["slots-per-thread"] ?? env.SLOTS_PER_THREAD ?? 1,
);
const PYTHON = env.BENCH_PYTHON ?? "python3";
/** Ray's published figures (release logs), for the notes. */
const RAY_MANY_TASKS = [440, 600];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const f = (x, d = 0) =>
  x === undefined || Number.isNaN(x) ? "–" : x.toLocaleString("en-US", {
    minimumFractionDigits: d,
    maximumFractionDigits: d,
  });
const log = (s) => console.error(s);

const runtimeLabel = globalThis.Deno
  ? `Deno ${Deno.version.deno}`
  : globalThis.Bun
  ? `Bun ${Bun.version}`
  : `Node ${process.versions.node}`;
const hostVersion = (() => {
  try {
    return execFileSync(runtimePath(HOST_RUNTIME), ["--version"], {
      encoding: "utf8",
    }).trim().split("\n")[0];
  } catch {
    return HOST_RUNTIME;
  }
})();

const tiny = (x) => x + 1;
const nap = (ms) => new Promise((r) => setTimeout(() => r(ms), ms));

function python(workload, params) {
  try {
    const out = execFileSync(
      PYTHON,
      [join(HERE, "python_pool.py"), "pool", workload, JSON.stringify(params)],
      { encoding: "utf8", timeout: 300_000 },
    );
    const line = out.split("\n").find((l) => l.startsWith("@@RESULT "));
    return line ? JSON.parse(line.slice(9)) : undefined;
  } catch (error) {
    log(`python ${workload}: ${String(error.message).split("\n")[0]}`);
    return undefined;
  }
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const loadAtStart = os.loadavg().map((x) => x.toFixed(2)).join(" ");
const server = await startNats();
const hosts = [];
const results = { tiny: {}, scale: [] };
let hostSeq = 0;
async function addHosts(count, processes) {
  const started = await Promise.all(
    Array.from({ length: count }, () =>
      startHost({
        runtime: HOST_RUNTIME,
        name: `bench-${++hostSeq}`,
        servers: server.url,
        processes,
        allowSource: true,
        readySeconds: 120,
      })),
  );
  hosts.push(...started);
}
async function stopAllHosts() {
  await Promise.all(hosts.splice(0).map((h) => h.stop(20)));
}

try {
  if (!SCALE_ONLY) await tinyTasks();
  await scaleOut();
} finally {
  await stopAllHosts();
  await server.close();
}

async function tinyTasks() {
  // ---------------------------------------------------------------- tiny
  const xs = Array.from({ length: TINY }, (_, i) => i);
  const check = (out) => {
    if (out.length !== TINY || out[TINY - 1] !== TINY) {
      throw new Error("wrong results");
    }
  };
  log(`tiny: ${TINY} tasks, ${ROUNDS} rounds; local Pool(2)`);
  const local = new Pool(2);
  const cases = [
    ["chunksize 1", 1],
    ["default chunksize", undefined],
  ];
  const tinyLocal = {};
  try {
    await local.map(tiny, xs.slice(0, 1000), 1);
    for (const [label, cs] of cases) {
      const ms = [];
      for (let r = 0; r < ROUNDS; r++) {
        ms.push(await timed(async () => check(await local.map(tiny, xs, cs))));
      }
      tinyLocal[label] = median(ms);
      log(`  local ${label}: ${f(tinyLocal[label])} ms`);
    }
  } finally {
    await local.terminate();
  }
  log(`tiny: cluster, 1 host (${HOST_RUNTIME}) with 2 workers`);
  await addHosts(1, 2);
  const remote = new Pool({ context: natsCluster({ servers: server.url }) });
  const tinyCluster = {};
  const chunksizes = {};
  try {
    await remote.map(tiny, xs.slice(0, 1000), 1);
    for (const [label, cs] of cases) {
      const ms = [];
      for (let r = 0; r < ROUNDS; r++) {
        ms.push(await timed(async () => check(await remote.map(tiny, xs, cs))));
        log(`  cluster ${label}: round ${r + 1}: ${f(ms[ms.length - 1])} ms`);
      }
      tinyCluster[label] = median(ms);
      chunksizes[label] = cs ?? Math.ceil(TINY / (4 * remote.processes));
    }
    results.poolProcesses = remote.processes;
  } finally {
    await remote.terminate();
  }
  await stopAllHosts();
  const py = python("tiny", { processes: 2, tinyCount: TINY });
  results.tiny = {
    local: tinyLocal,
    cluster: tinyCluster,
    chunksizes,
    python: py?.ms,
  };
}

async function scaleOut() {
  // --------------------------------------------------------------- scale
  // One slot per host process (hosts added as the count grows), then the
  // largest slot count again on fewer processes with more threads each.
  const max = Math.max(...HOSTS);
  const configs = [
    ...HOSTS.map((h) => ({ hosts: h, processes: 1, perSlot: TASKS_PER_SLOT })),
    ...(LONG_TASKS_PER_SLOT > 0 && LONG_TASKS_PER_SLOT !== TASKS_PER_SLOT
      ? [{ hosts: max, processes: 1, perSlot: LONG_TASKS_PER_SLOT }]
      : []),
    ...[4, 2].filter((p) => max % p === 0 && max / p > 1).map((p) => ({
      hosts: max / p,
      processes: p,
      perSlot: TASKS_PER_SLOT,
    })),
  ];
  for (const { hosts: count, processes, perSlot } of configs) {
    if (processes > 1 || hosts.some((x) => x.slots !== 1)) {
      await stopAllHosts();
    }
    await addHosts(count - hosts.length, processes);
    const h = count * processes; // slots
    const tasks = perSlot * h;
    const ideal = perSlot * SLEEP_MS;
    const pool = new Pool({
      context: natsCluster({ servers: server.url }),
      processes: h * SLOTS_PER_THREAD,
    });
    const ms = [];
    try {
      // Warm: every host's worker is up and has run the function.
      await pool.map(nap, Array(4 * h).fill(1), 1);
      for (let r = 0; r < ROUNDS; r++) {
        ms.push(
          await timed(async () => {
            const out = await pool.map(nap, Array(tasks).fill(SLEEP_MS), 1);
            if (out.length !== tasks) throw new Error("wrong results");
          }),
        );
      }
    } finally {
      await pool.terminate();
    }
    // CPython once per slot count.
    const pyms = results.scale.find((r) =>
      r.slots === h && r.perSlot === perSlot
    )?.python ??
      python("sleep", { processes: h, sleepTasks: tasks, sleepMs: SLEEP_MS })
        ?.ms;
    const row = {
      hosts: count,
      processes,
      slots: h,
      perSlot,
      poolProcesses: h * SLOTS_PER_THREAD,
      tasks,
      ideal,
      ms: median(ms),
      python: pyms,
    };
    results.scale.push(row);
    log(
      `scale: ${count} hosts × ${processes}, ${perSlot} per slot, ${tasks} × ${SLEEP_MS} ms: ${
        f(row.ms)
      } ms (ideal ${ideal}), efficiency ${
        f((ideal / row.ms) * 100, 1)
      }%; CPython Pool(${h}) ${f(pyms)} ms`,
    );
  }
}

// -------------------------------------------------------------- report
const date = new Date().toISOString();
const lines = [];
const t = results.tiny;
lines.push(
  `# Cluster bench (${date.slice(0, 16)}Z)`,
  "",
  `Caller ${runtimeLabel}; hosts ${hostVersion} (${HOST_RUNTIME}, src/cluster/cli.ts); ` +
    `nats-server ${natsVersion()}; ${os.cpus().length} cores (${
      os.cpus()[0]?.model?.trim()
    }), load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}; ` +
    `(at the start: ${loadAtStart}); ` +
    `server, hosts and caller on this one machine; medians of ${ROUNDS} rounds.`,
);
if (!SCALE_ONLY) tinyReport();
function tinyReport() {
  lines.push(
    "",
    `## ${f(TINY)} tiny tasks \`(x) => x + 1\`: per-task cost`,
    "",
    "| path | local Pool(2) | cluster: 1 host × 2 workers | cluster per task | cluster − local per task | cluster tasks/s | × Ray many_tasks (440–600/s) |",
    "|---|---:|---:|---:|---:|---:|---:|",
  );
  for (const label of Object.keys(t.cluster)) {
    const lm = t.local[label];
    const cm = t.cluster[label];
    const perSec = TINY / cm * 1000;
    lines.push(
      `| \`map\`, ${label}${
        label === "default chunksize" ? ` (${t.chunksizes[label]})` : ""
      } | ${f(lm)} ms | ${f(cm)} ms | ${f(cm / TINY * 1000, 1)} µs | ${
        f((cm - lm) / TINY * 1000, 1)
      } µs | ${f(perSec)} | ${f(perSec / RAY_MANY_TASKS[1], 0)}–${
        f(perSec / RAY_MANY_TASKS[0], 0)
      }× |`,
    );
  }
  if (t.python !== undefined) {
    lines.push(
      `| CPython \`Pool(2).apply_async\` (anchor, local) | ${
        f(t.python)
      } ms | | | | ${f(TINY / t.python * 1000)} | |`,
    );
  }
  lines.push(
    "",
    `Pool size of the cluster pool: ${results.poolProcesses} (its default).`,
  );
}
lines.push(
  "",
  `## Scale-out: ${SLEEP_MS} ms sleeps, ${TASKS_PER_SLOT} per slot, chunksize 1`,
  "",
  "Each host is its own process; first with processes=1 (one slot per host",
  "process: the most messages per unit of work), then the largest slot count",
  "again on fewer processes with more threads each. CPython's Pool(N) has N",
  "processes (N = slots).",
  ...(LONG_TASKS_PER_SLOT > 0 && LONG_TASKS_PER_SLOT !== TASKS_PER_SLOT
    ? [
      `The row marked "${LONG_TASKS_PER_SLOT} per slot" is a longer run`,
      `beside the ${TASKS_PER_SLOT}-per-slot rows (not instead of one): the`,
      "start and the tail (hosts that finish up to one task before the last",
      "one) weigh less in it.",
    ]
    : []),
  "",
  "| host processes × threads = slots | tasks | ideal | cluster | efficiency | CPython Pool(N), same tasks | CPython efficiency |",
  "|---|---:|---:|---:|---:|---:|---:|",
);
for (const r of results.scale) {
  lines.push(
    `| ${r.hosts} × ${r.processes} = ${r.slots}${
      r.perSlot === TASKS_PER_SLOT ? "" : `, **${r.perSlot} per slot**`
    } | ${r.tasks} | ${r.ideal} ms | ${f(r.ms)} ms | ${
      f(r.ideal / r.ms * 100, 1)
    }% | ${f(r.python)} ms | ${
      r.python ? f(r.ideal / r.python * 100, 1) : "–"
    }% |`,
  );
}
lines.push(
  "",
  "Notes:",
  "",
  "- Ray's own figures (Ray cannot be installed here): its release benchmark",
  "  `many_tasks` (10,000 tasks on a cluster) ran at about 440–600 tasks/s in",
  "  the Ray 2.8–2.20 release logs, and Ray's guidance is that tasks under",
  "  ~10 ms do not speed up on Ray. Goals here: per-task cost of the cluster",
  "  path under 1 ms at chunksize 1; tiny-task throughput ≥ 10× `many_tasks`;",
  "  ≥ 90% efficiency at 16 hosts.",
  "- Everything shares this machine's cores: the server, every host process and",
  "  the caller. A real cluster adds network latency per message but gives",
  "  each host its own cores.",
);
const report = lines.join("\n") + "\n";
console.log(report);
const stamp = date.replace(/:\d\d\.\d+Z$/, "").replace(":", "");
const out = args.out ?? env.BENCH_OUT ??
  join(HERE, "results", `cluster-${stamp}.md`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, report);
writeFileSync(
  out.replace(/\.md$/, "") + ".json",
  JSON.stringify(
    { date, runtime: runtimeLabel, hostVersion, ROUNDS, TINY, results },
    null,
    1,
  ),
);
log(`wrote ${out}`);
process.exit(0);

function natsVersion() {
  try {
    return execFileSync(
      env.XPOOL_NATS_SERVER ?? "/usr/sbin/nats-server",
      ["--version"],
      { encoding: "utf8" },
    ).trim().replace(/^nats-server: v/, "");
  } catch {
    return "?";
  }
}
