// The cost of one shared signal on N tiny apply_async calls (issue 12):
//   R=41 node bench/signal_cost.mjs [/absolute/path/to/mod.ts]   (also bun, deno run -A)
// P: the pool's size (2); SHARED=1: one options object for every call
// (what the library costs without the caller's { signal } per call).
// Alternated rounds (which goes first alternates too); medians and the
// median of each round's ratio. JSON=1: one JSON line (bench/signal_runs.mjs
// runs this in several processes). Asserts nothing.
import process from "node:process";
import { intervals, median } from "./_interval.mjs";
const { Pool } = await import(process.argv[2] ?? "../mod.ts");
const N = Number(process.env.N ?? 100000), R = Number(process.env.R ?? 11);
const tiny = (x) => x + 1;
const s = new AbortController().signal;
const shared = { signal: s };
const perCall = process.env.SHARED !== "1";
const pool = new Pool(Number(process.env.P ?? 2));
const hasThread = typeof process.threadCpuUsage === "function";
const cpuT = () => {
  const u = hasThread ? process.threadCpuUsage() : process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const cpuP = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
async function run(sig) {
  const c = cpuT(), p = cpuP(), t = performance.now();
  const rs = new Array(N);
  if (sig) {
    if (perCall) {
      for (let i = 0; i < N; i++) {
        rs[i] = pool.apply_async(tiny, [i], { signal: s });
      }
    } else {
      for (let i = 0; i < N; i++) rs[i] = pool.apply_async(tiny, [i], shared);
    }
  } else for (let i = 0; i < N; i++) rs[i] = pool.apply_async(tiny, [i]);
  await Promise.all(rs);
  return [cpuT() - c, cpuP() - p, performance.now() - t];
}
await run(false);
await run(true);
await run(false);
await run(true);
const A = [], B = [], D = [[], [], []];
for (let r = 0; r < R; r++) {
  const first = r % 2 === 1;
  const x = await run(first), y = await run(!first);
  const [n, g] = first ? [y, x] : [x, y];
  A.push(n);
  B.push(g);
  for (let k = 0; k < 3; k++) D[k].push(g[k] / n[k]);
}
const med = median;
const ci = intervals(12345);
const col = (xs, k) => med(xs.map((x) => x[k])).toFixed(0);
// The median ratio and a 95% bootstrap interval of it, and the ratio of
// the sums (all rounds of one mode against the other).
const sum = (xs, k) => xs.reduce((t, x) => t + x[k], 0);
const pc = (r) => `${((r - 1) * 100).toFixed(1)}%`;
const pct = (k) => {
  const [lo, hi] = ci(D[k]);
  return `${pc(med(D[k]))} [${pc(lo)}, ${pc(hi)}] sums ${
    pc(sum(B, k) / sum(A, k))
  }`;
};
const rt = typeof Bun !== "undefined"
  ? "bun " + Bun.version
  : typeof Deno !== "undefined"
  ? "deno " + Deno.version.deno
  : "node " + process.version;
if (process.env.JSON === "1") {
  // For bench/signal_runs.mjs: each measure's medians, ratio, interval, sums.
  const m = (k) => {
    const [lo, hi] = ci(D[k]);
    return {
      none: Number(col(A, k)),
      signal: Number(col(B, k)),
      median: med(D[k]) - 1,
      lo: lo - 1,
      hi: hi - 1,
      sums: sum(B, k) / sum(A, k) - 1,
    };
  };
  console.log(JSON.stringify({
    runtime: rt,
    R,
    threadCpu: hasThread,
    main: m(0),
    total: m(1),
    wall: m(2),
  }));
} else {
  console.log(
    `${rt} R=${R}: ${
      hasThread ? "main-thread" : "process(no threadCpuUsage)"
    } CPU none ${col(A, 0)} signal ${col(B, 0)} ms (${
      pct(0)
    }) | total CPU none ${col(A, 1)} signal ${col(B, 1)} ms (${
      pct(1)
    }) | wall none ${col(A, 2)} signal ${col(B, 2)} ms (${pct(2)})`,
  );
}
await pool.terminate();
