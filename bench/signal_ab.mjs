// Two codes of the pool in one process, none and { signal } on each, shuffled
// per round (issue 12): R=101 node bench/signal_ab.mjs /abs/old/mod.ts /abs/new/mod.ts
// (also bun). Medians of paired ratios with 95% bootstrap intervals.
// Asserts nothing.
import process from "node:process";
import { intervals, median } from "./_interval.mjs";
const A = await import(process.argv[2]), B = await import(process.argv[3]);
const N = Number(process.env.N ?? 100000), R = Number(process.env.R ?? 101);
const tiny = (x) => x + 1;
const s = new AbortController().signal;
const pools = [new A.Pool(2), new B.Pool(2)];
const cpuT = () => {
  const u = process.threadCpuUsage
    ? process.threadCpuUsage()
    : process.cpuUsage();
  return (u.user + u.system) / 1000;
};
async function run(p, sig) {
  const pool = pools[p];
  const c = cpuT();
  const rs = new Array(N);
  if (sig) {
    for (let i = 0; i < N; i++) {
      rs[i] = pool.apply_async(tiny, [i], { signal: s });
    }
  } else for (let i = 0; i < N; i++) rs[i] = pool.apply_async(tiny, [i]);
  await Promise.all(rs);
  return cpuT() - c;
}
for (let w = 0; w < 3; w++) {
  for (const p of [0, 1]) {
    await run(p, false);
    await run(p, true);
  }
}
const T = { a0: [], a1: [], b0: [], b1: [] };
const order = [["a0", 0, false], ["a1", 0, true], ["b0", 1, false], [
  "b1",
  1,
  true,
]];
for (let r = 0; r < R; r++) {
  const o = order.slice();
  for (let i = 3; i > 0; i--) {
    const j = (r * 7 + i * 13) % (i + 1);
    [o[i], o[j]] = [o[j], o[i]];
  }
  for (const [k, p, sig] of o) T[k].push(await run(p, sig));
}
const med = median;
const ci = intervals(7);
const show = (name, xs) => {
  const [lo, hi] = ci(xs);
  const f = (v) => ((v - 1) * 100).toFixed(1) + "%";
  console.log(`${name}: ${f(med(xs))} [${f(lo)}, ${f(hi)}]`);
};
const ratio = (x, y) => x.map((v, i) => v / y[i]);
show("A sig/none", ratio(T.a1, T.a0));
show("B sig/none", ratio(T.b1, T.b0));
show("B sig / A sig", ratio(T.b1, T.a1));
show("B none / A none", ratio(T.b0, T.a0));
await Promise.all(pools.map((p) => p.terminate()));
