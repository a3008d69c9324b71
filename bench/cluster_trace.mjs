// Where a scale-out run loses its time (issue 13): runs 50 ms sleeps over N
// host processes (Node hosts, src/cluster/cli.ts of ROOT) and reports, per
// round, the host time lost at the start (before each host's first task),
// in the gaps between a host's tasks and in the tail (after its last), the
// tasks per host (or per worker thread), how late the sleeps ended, and the
// CPU of the hosts (per thread kind), the server and the caller from /proc
// (Linux). Prints JSON; asserts nothing. ROOT lets the code of another
// checkout be traced with the same script (old and new alternated).
//
//   node bench/cluster_trace.mjs ROOT [hosts=16] [tasksPerSlot=20] [rounds=3]
//   THREADS=4 ...        hosts of 4 threads
//   IDLE_MS=0 ...        no idle pause (and no idle CPU) after the warm-up
//   HOST_PROF=DIR ...    --cpu-prof of every host into DIR
import process from "node:process";
import { readdirSync, readFileSync } from "node:fs";
const ROOT = process.argv[2] ||
  new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const HOSTS = Number(process.argv[3] ?? 16);
const TPS = Number(process.argv[4] ?? 20);
const ROUNDS = Number(process.argv[5] ?? 3);
const THREADS = Number(process.env.THREADS ?? 1);
const { Pool } = await import(`${ROOT}/mod.ts`);
const { natsCluster } = await import(`${ROOT}/src/cluster/mod.ts`);
const { startNats } = await import(`${ROOT}/tests/cluster/_nats.ts`);
const { startHost } = await import(`${ROOT}/tests/cluster/_hosts.ts`);
const TICK = 100; // clock ticks per second
const cpu = (pid) => {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 1000 / TICK; // ms
  } catch {
    return NaN;
  }
};
const now = () => performance.timeOrigin + performance.now();
const server = await startNats();
const hosts = await Promise.all(
  Array.from({ length: HOSTS }, (_, i) =>
    startHost({
      runtime: "node",
      name: `t${i}`,
      env: process.env.HOST_PROF
        ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.HOST_PROF}` }
        : undefined,
      servers: server.url,
      processes: THREADS,
      allowSource: true,
      readySeconds: 120,
    })),
);
const pids = hosts.map((h) => h.proc.pid);
const spid = server.proc?.pid ?? server.pid;
const threadCpu = () => {
  const m = {};
  for (const pid of pids) {
    let tids = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      // gone
    }
    for (const tid of tids) {
      let comm = "?";
      try {
        comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      } catch {
        // gone
      }
      if (tid === String(pid)) comm = "main";
      const c = cpu(`${pid}/task/${tid}`);
      if (!isNaN(c)) m[comm] = (m[comm] ?? 0) + c;
    }
  }
  return m;
};
const sumCpu = () => pids.reduce((a, p) => a + cpu(p), 0);
const slots = HOSTS * THREADS;
const pool = new Pool({
  context: natsCluster({ servers: server.url }),
  processes: slots,
});
const task = async (ms) => {
  const t = () => performance.timeOrigin + performance.now();
  const a = t();
  await new Promise((r) => setTimeout(r, ms));
  return [
    `${globalThis.process.pid}/${globalThis.__tid ??= Math.random().toString(36)
      .slice(2, 8)}`,
    a,
    t(),
  ];
};
const out = {};
try {
  await pool.map(task, Array(4 * slots).fill(1), 1);
  // idle CPU: 5 s with the pool warm (its connection may close after 0.25 s)
  const c0 = sumCpu(), s0 = cpu(spid), u0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, Number(process.env.IDLE_MS ?? 5000)));
  const u1 = process.cpuUsage();
  out.idle = {
    hostsMsPerS: (sumCpu() - c0) / 5,
    serverMsPerS: (cpu(spid) - s0) / 5,
    callerMsPerS: (u1.user + u1.system - u0.user - u0.system) / 5000,
  };
  out.rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = sumCpu(), s0 = cpu(spid), u0 = process.cpuUsage();
    const th0 = threadCpu();
    const t0 = now();
    const res = await pool.map(task, Array(TPS * slots).fill(50), 1);
    const t1 = now();
    const u1 = process.cpuUsage();
    const th1 = threadCpu();
    const threads = Object.fromEntries(
      Object.keys(th1).map((k) => [k, Math.round(th1[k] - (th0[k] ?? 0))])
        .filter(([, v]) => v > 0),
    );
    const hc = sumCpu() - c0,
      sc = cpu(spid) - s0,
      cc = (u1.user + u1.system - u0.user - u0.system) / 1000;
    const by = new Map();
    for (const [pid, a, b] of res) {
      if (!by.has(pid)) by.set(pid, []);
      by.get(pid).push([a, b]);
    }
    let startIdle = 0, gaps = 0, tail = 0, busy = 0, over = 0;
    const per = [];
    const gapList = [];
    for (const list of by.values()) {
      list.sort((x, y) => x[0] - y[0]);
      // keyed by worker thread (pid/thread id): its tasks do not overlap
      startIdle += list[0][0] - t0;
      for (let i = 1; i < list.length; i++) {
        const g = list[i][0] - list[i - 1][1];
        gaps += g;
        gapList.push(g);
      }
      tail += t1 - list[list.length - 1][1];
      for (const [a, b] of list) {
        busy += b - a;
        over += b - a - 50;
      }
      per.push({
        n: list.length,
        first: Math.round(list[0][0] - t0),
        lastEnd: Math.round(list[list.length - 1][1] - t0),
      });
    }
    gapList.sort((a, b) => a - b);
    const wall = t1 - t0;
    out.rounds.push({
      wall: Math.round(wall),
      eff: +(1000 * TPS * 50 / wall / 10).toFixed(1),
      lostTotal: Math.round(slots * wall - busy),
      startIdle: Math.round(startIdle),
      gaps: Math.round(gaps),
      tail: Math.round(tail),
      sleepOverrun: Math.round(over),
      gapMedian: +gapList[gapList.length >> 1]?.toFixed(2),
      gapP90: +gapList[Math.floor(gapList.length * 0.9)]?.toFixed(2),
      counts: per.map((p) => p.n).sort((a, b) => a - b).join(","),
      firsts: per.map((p) => p.first).sort((a, b) => a - b).join(","),
      lastEnds: per.map((p) => p.lastEnd).sort((a, b) => a - b).join(","),
      threads,
      cpuMs: {
        hosts: Math.round(hc),
        hostsPerTask: +(hc / (TPS * slots)).toFixed(2),
        server: Math.round(sc),
        caller: Math.round(cc),
      },
    });
  }
} finally {
  await pool.terminate();
  await Promise.all(hosts.map((h) => h.stop(20)));
  await server.close();
}
console.log(
  JSON.stringify(
    {
      root: ROOT,
      hosts: HOSTS,
      threads: THREADS,
      load: (await import("node:os")).loadavg(),
      ...out,
    },
    null,
    1,
  ),
);
process.exit(0);
