// The shared signal's cost (bench/signal_cost.mjs) in K separate processes
// of the runtime running this, and the median across them (issue 12). One
// process's interval is narrower than the spread between processes (each
// JIT-compiles the pool its own way), so the README reports this:
//   K=5 R=101 node bench/signal_runs.mjs      (also bun, deno run -A)
// MOD=/absolute/path/to/mod.ts: another copy of the pool.
// Prints each process's line, then per measure the median across processes
// of the median ratio and of the ratio of sums, with their range.
// Asserts nothing.
import process from "node:process";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { median } from "./_interval.mjs";

const K = Number(process.env.K ?? 5);
const script = fileURLToPath(new URL("./signal_cost.mjs", import.meta.url));
const mod = process.env.MOD ??
  fileURLToPath(new URL("../mod.ts", import.meta.url));
const args = typeof Deno !== "undefined"
  ? ["run", "-A", script, mod]
  : [script, mod];
const runs = [];
for (let k = 0; k < K; k++) {
  const out = execFileSync(process.execPath, args, {
    env: { ...process.env, JSON: "1" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const run = JSON.parse(out.trim().split("\n").pop());
  runs.push(run);
  console.log(JSON.stringify(run));
}
const pc = (x) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;
const line = (name, pick) => {
  const ms = runs.map((r) => pick(r).median);
  const ss = runs.map((r) => pick(r).sums);
  const none = median(runs.map((r) => pick(r).none));
  const sig = median(runs.map((r) => pick(r).signal));
  return `${name}: ${none} → ${sig} ms, median ratio ${pc(median(ms))} (${
    pc(Math.min(...ms))
  } to ${pc(Math.max(...ms))}), sums ${pc(median(ss))} (${
    pc(Math.min(...ss))
  } to ${pc(Math.max(...ss))})`;
};
console.log(`${runs[0].runtime}, ${K} processes × R=${runs[0].R}:`);
// Deno's thread clock ticks in 10 ms: too coarse for these runs.
if (runs[0].threadCpu && typeof Deno === "undefined") {
  console.log(line("  main thread's CPU", (r) => r.main));
}
console.log(line("  all threads' CPU", (r) => r.total));
console.log(line("  wall", (r) => r.wall));
