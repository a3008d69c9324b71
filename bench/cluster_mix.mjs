// A mix of tiny and slow tasks through the cluster (issue 13's known limit):
// TINY tiny and SLOW slow (SLOW_MS sleeps) `apply_async` calls, the slow
// ones spread over the submission order, on 2 hosts × 2 threads, with a
// cluster pool of 4 and of 16 slots, beside a local Pool(4) in the same
// run. Reports medians of ROUNDS rounds (the whole mix, by when 90% of the
// tiny results were in, and how many tiny results reached the caller 50 ms
// or more after they ran); asserts completeness.
//
//   node bench/cluster_mix.mjs [--rounds 5] [--slots 4,16] [--trace]
//
// --trace prints, for the round closest to the median of each case, when
// each task started on its host and when its result reached the caller
// (ms from the submission of the first task), for the tasks that waited
// longest between the two, and the three slow ones.
import process from "node:process";
import { Pool } from "../mod.ts";
import { natsCluster } from "../src/cluster/mod.ts";
import { startNats } from "../tests/cluster/_nats.ts";
import { callerRuntime, startHost } from "../tests/cluster/_hosts.ts";

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : process.env[name.toUpperCase()] ?? fallback;
};
const ROUNDS = Number(opt("rounds", 5));
const SLOTS = String(opt("slots", "4,16")).split(",").map(Number);
const TINY = Number(opt("tiny", 397));
const SLOW = Number(opt("slow", 3));
const SLOW_MS = Number(opt("slow-ms", 300));
const HOSTS = Number(opt("hosts", 2));
const THREADS = Number(opt("threads", 2));
const TRACE = args.includes("--trace");
const log = (s) => console.error(s);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// Returns when it started (ms since the epoch, sub-ms: hosts share the
// caller's clock on this machine) and the pid of the process that ran it
// (a host).
const task = (ms) => {
  const t = [
    performance.timeOrigin + performance.now(),
    globalThis.process?.pid ?? 0,
  ];
  return ms > 0 ? new Promise((r) => setTimeout(() => r(t), ms)) : t;
};
/** Host names by pid (the local pool's runs count under "local"). */
const hostOf = new Map();

/** The submission order: slow tasks spread evenly among the tiny ones. */
const total = TINY + SLOW;
const order = Array.from({ length: total }, () => 0);
for (let k = 0; k < SLOW; k++) {
  order[Math.floor((k * total) / SLOW)] = SLOW_MS;
}

async function round(pool) {
  const t0 = performance.timeOrigin + performance.now();
  const trace = [];
  const all = order.map((ms, i) =>
    new Promise((resolve, reject) =>
      pool.apply_async(task, [ms], {
        callback: ([started, pid]) => {
          const now = performance.timeOrigin + performance.now();
          const by = hostOf.get(pid) ?? "local";
          trace.push({ i, ms, started: started - t0, got: now - t0, by });
          resolve(started);
        },
        error_callback: reject,
      })
    )
  );
  await Promise.all(all);
  const ms = performance.timeOrigin + performance.now() - t0;
  if (trace.length !== total) throw new Error("lost results");
  // By when 90% of the tiny results were in (ms from the first submission).
  const tiny = trace.filter((x) => x.ms === 0).map((x) => x.got);
  const tiny90 = [...tiny].sort((a, b) => a - b)[Math.floor(tiny.length * 0.9)];
  // Tiny results that reached the caller 50 ms or more after they ran.
  const held = trace.filter((x) => x.ms === 0 && x.got - x.started >= 50)
    .length;
  // Tasks per host: "host tiny/slow".
  const by = {};
  for (const x of trace) {
    const n = by[x.by] ??= [0, 0];
    n[x.ms > 0 ? 1 : 0]++;
  }
  const hosts = Object.keys(by).sort().map((h) => `${h} ${by[h].join("/")}`)
    .join(", ");
  return { ms, tiny90, held, hosts, trace };
}

async function measure(label, pool) {
  await Promise.all(
    Array.from({ length: 8 }, (_, i) => pool.apply_async(task, [i % 2])),
  ); // warm
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(await round(pool));
  const times = runs.map((x) => x.ms);
  const mid = median(times);
  const tiny90 = median(runs.map((x) => x.tiny90));
  const held = median(runs.map((x) => x.held));
  const ideal = Math.max(
    SLOW_MS,
    (SLOW * SLOW_MS) / (HOSTS * THREADS),
  );
  log(
    `${label}: median ${mid.toFixed(0)} ms (90% of tiny results by ${
      tiny90.toFixed(0)
    } ms; ${held} tiny results held 50 ms or more after they ran; ideal ${ideal} ms); rounds ${
      times.map((t) => t.toFixed(0)).join(", ")
    }; tasks per host (tiny/slow) by round: ${
      runs.map((x) => x.hosts).join(" | ")
    }`,
  );
  if (TRACE) {
    const run = runs.find((x) => x.ms === mid);
    const rows = run.trace.sort((a, b) =>
      (b.got - b.started) - (a.got - a.started)
    );
    const show = [
      ...rows.filter((x) => x.ms > 0),
      ...rows.filter((x) => x.ms === 0).slice(0, 8),
    ];
    for (const x of show) {
      log(
        `  task ${x.i} (${x.ms} ms): started ${x.started.toFixed(1)}, got ${
          x.got.toFixed(1)
        }, waited ${(x.got - x.started - x.ms).toFixed(1)}`,
      );
    }
    const late = run.trace.filter((x) => x.ms === 0 && x.started > SLOW_MS);
    log(`  tiny tasks started after ${SLOW_MS} ms: ${late.length}`);
  }
  return { median: mid, tiny90, held, times, hosts: runs.map((x) => x.hosts) };
}

const results = {};
const local = new Pool(HOSTS * THREADS);
try {
  results.local = await measure(`local Pool(${HOSTS * THREADS})`, local);
} finally {
  await local.terminate();
}
const server = await startNats();
const hosts = [];
try {
  hosts.push(
    ...await Promise.all(
      Array.from({ length: HOSTS }, (_, i) =>
        startHost({
          runtime: callerRuntime,
          name: `mix-${i + 1}`,
          servers: server.url,
          processes: THREADS,
          allowSource: true,
          readySeconds: 120,
        })),
    ),
  );
  for (const h of hosts) hostOf.set(h.proc.pid, h.name);
  for (const slots of SLOTS) {
    const pool = new Pool({
      context: natsCluster({ servers: server.url }),
      processes: slots,
    });
    try {
      results[slots] = await measure(
        `cluster ${HOSTS} hosts × ${THREADS}, ${slots} slots`,
        pool,
      );
    } finally {
      await pool.terminate();
    }
  }
} finally {
  await Promise.all(hosts.map((h) => h.stop(20)));
  await server.close();
}
console.log(JSON.stringify(results));
process.exit(0);
