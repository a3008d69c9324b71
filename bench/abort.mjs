// Abort latency and the cost of `signal`, @x/pool beside Piscina's `signal`,
// in one process run (issue 12). Reports medians; asserts nothing.
//
//   node bench/abort.mjs            # Node 24 (type stripping runs ../mod.ts)
//   deno run -A bench/abort.mjs     # @x/pool only where Piscina cannot run
//   bun bench/abort.mjs
//   TASKS=10000 node bench/abort.mjs   # Piscina's signal is quadratic: 100,000 take minutes
//   ONLY=xpool node bench/abort.mjs    # one contestant
//
// 1. Abort latency, 1-worker pools: a busy loop (spin) runs; abort its
//    signal; time to the rejection, and to the answer of the next tiny task
//    (which needs the replacement worker: abort -> new worker ready).
// 2. 100,000 tiny tasks submitted at once and awaited, with no signal and
//    with one shared (never aborted) signal: the cost of passing `signal`,
//    in wall time and in the main thread's CPU time (process.threadCpuUsage;
//    steadier than wall time on a shared machine). One 2-worker pool per
//    contestant, one warm-up of each, then runs alternate (which goes first
//    alternates too); medians of ROUNDS, and the median of each round's
//    ratio.
import process from "node:process";
import { Pool } from "../mod.ts";

const ROUNDS = Number(process.env.ROUNDS ?? 7);
/** `ONLY=xpool`: leave Piscina out (its shared-signal rounds take minutes). */
const ONLY = process.env.ONLY;
const TASKS = Number(process.env.TASKS ?? 100_000);
const LATENCY_ROUNDS = Number(process.env.LATENCY_ROUNDS ?? 15);
const SPIN_FOREVER = 1e15;

let Piscina;
try {
  ({ Piscina } = await import("piscina"));
} catch {
  // not installed (npm ci --prefix bench) or not supported here
}
const pisWorker = new URL("./workers/piscina_worker.mjs", import.meta.url)
  .href;

const spin = function spin(n) {
  let x = 1;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    x ^= x >>> 7;
  }
  return x;
};
const tiny = (x) => x + 1;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (ms) => ms.toFixed(ms < 10 ? 2 : 1);

const contestants = {
  xpool: {
    start: (n) => new Pool(n),
    run: (pool, fn, arg, signal) =>
      signal
        ? pool.apply_async(fn === "spin" ? spin : tiny, [arg], { signal })
        : pool.apply_async(fn === "spin" ? spin : tiny, [arg]),
    stop: (pool) => pool.terminate(),
  },
};
if (Piscina) {
  contestants.piscina = {
    start: (n) =>
      new Piscina({ filename: pisWorker, minThreads: n, maxThreads: n }),
    run: (pool, fn, arg, signal) =>
      signal
        ? pool.run(arg, { name: fn, signal })
        : pool.run(arg, { name: fn }),
    stop: (pool) => pool.destroy(),
  };
}

async function latency(c) {
  const pool = c.start(1);
  await c.run(pool, "tiny", 1); // warm: the worker is up
  const toReject = [];
  const toReady = [];
  for (let i = 0; i < LATENCY_ROUNDS; i++) {
    const controller = new AbortController();
    const busy = c.run(pool, "spin", SPIN_FOREVER, controller.signal);
    busy.catch(() => {});
    await sleep(50); // it runs
    const t0 = performance.now();
    controller.abort();
    try {
      await busy;
    } catch {
      // expected
    }
    const t1 = performance.now();
    await c.run(pool, "tiny", 1);
    const t2 = performance.now();
    toReject.push(t1 - t0);
    toReady.push(t2 - t0);
  }
  await c.stop(pool);
  return { reject: median(toReject), ready: median(toReady) };
}

/** The main thread's CPU time so far (ms); the process's where not known. */
const cpu = () => {
  const u = typeof process.threadCpuUsage === "function"
    ? process.threadCpuUsage()
    : process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * 100,000 tiny tasks on `pool`, submitted at once, with or without a
 * signal: [wall ms, main-thread CPU ms].
 */
async function burst(c, pool, withSignal) {
  const signal = withSignal ? new AbortController().signal : undefined;
  const c0 = cpu();
  const t0 = performance.now();
  const all = new Array(TASKS);
  for (let i = 0; i < TASKS; i++) all[i] = c.run(pool, "tiny", i, signal);
  await Promise.all(all);
  return [performance.now() - t0, cpu() - c0];
}

const runtime = globalThis.Deno
  ? `Deno ${Deno.version.deno}`
  : globalThis.Bun
  ? `Bun ${Bun.version}`
  : `Node ${process.versions.node}`;
console.log(
  `# abort bench: ${runtime}, ${ROUNDS} rounds, ${TASKS} tasks, ${LATENCY_ROUNDS} aborts`,
);
console.log();
const cpuKind = typeof process.threadCpuUsage === "function"
  ? "main-thread CPU"
  : "process CPU";
console.log(
  "| contestant | abort → rejection (ms) | abort → replacement answers (ms) | " +
    `${TASKS} tiny, no signal (ms) | with signal (ms) | signal cost | ` +
    `${cpuKind}, no signal → signal (ms) | ${cpuKind} cost |`,
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
const pct = (x) => `${((x - 1) * 100).toFixed(1)}%`;
for (const [name, c] of Object.entries(contestants)) {
  if (ONLY !== undefined && ONLY !== name) continue;
  const lat = await latency(c);
  const none = [];
  const some = [];
  const pool = c.start(2);
  await burst(c, pool, false); // warm-up, both paths
  await burst(c, pool, true);
  for (let r = 0; r < ROUNDS; r++) {
    const first = r % 2 === 1; // the signal run goes first in odd rounds
    const x = await burst(c, pool, first);
    const y = await burst(c, pool, !first);
    none.push(first ? y : x);
    some.push(first ? x : y);
    // A contestant this slow with a signal (one listener per task on the
    // shared signal: quadratic) gets one round; its median is that round.
    if (some[some.length - 1][0] > 20_000) break;
  }
  await c.stop(pool);
  const wall = (xs) => median(xs.map((x) => x[0]));
  const time = (xs) => median(xs.map((x) => x[1]));
  const ratio = (k) => median(some.map((x, i) => x[k] / none[i][k]));
  console.log(
    `| ${name} | ${fmt(lat.reject)} | ${fmt(lat.ready)} | ${
      fmt(wall(none))
    } | ${fmt(wall(some))} | ${pct(ratio(0))} | ${fmt(time(none))} → ${
      fmt(time(some))
    } | ${pct(ratio(1))} |`,
  );
}
