// CPU per fresh process, tree against tree: 100,000 tiny apply_async tasks on
// `new Pool(2)` (bench `tiny`, but timed from `new Pool` with the CPU of every
// thread), each run a fresh process, the trees alternated in every round so
// a noisy minute hurts all alike. Linux only (reads /proc for per-thread CPU).
//
//   node bench/fresh_cpu.mjs [--runtime bun|node|deno] [--runs 15] [--tasks N] TREE...
//
// TREE: a checkout (its mod.ts is imported) or a module path (e.g. a built
// bench/.xpool-js/mod.js, what Node users get). Prints per tree the medians
// of: ms (wall, new Pool to last result), cpu (all threads, process.cpuUsage
// from before new Pool), main thread, the pool's worker threads, the JIT
// compiler threads (JavaScriptCore's JITWorker, V8's V8Worker), the other
// threads (JavaScriptCore's garbage collector, HeapHelper), and for each
// other tree the median of per-round differences against the first.
// `uptime` before and after: the machine is shared.
import process from "node:process";
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(SELF, "../..");

if (process.argv[2] === "--child") {
  await child(process.argv[3], +process.argv[4]);
} else parent(process.argv.slice(2));

function threads() {
  const out = {};
  for (const t of readdirSync("/proc/self/task")) {
    try {
      const s = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      out[t] = {
        comm: s.slice(s.indexOf("(") + 1, s.lastIndexOf(")")),
        ms: (Number(f[11]) + Number(f[12])) * 10, // clock ticks of 10 ms
      };
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

async function child(tree, n) {
  const url = /\.[mc]?[jt]s$/.test(tree) ? tree : resolve(tree, "mod.ts");
  const { Pool } = await import(pathToFileURL(url).href);
  const before = threads();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const pool = new Pool(2);
  const f = (x) => x + 1;
  const rs = new Array(n);
  for (let i = 0; i < n; i++) rs[i] = pool.apply_async(f, [i]);
  for (let i = 0; i < n; i++) await rs[i];
  const ms = performance.now() - t0;
  const after = threads(); // before terminate: the workers' threads still exist
  await pool.terminate();
  const c = process.cpuUsage(c0);
  const r = {
    ms,
    cpu: (c.user + c.system) / 1000,
    main: 0,
    workers: 0,
    jit: 0,
    other: 0,
  };
  for (const [t, { comm, ms }] of Object.entries(after)) {
    const d = ms - (before[t]?.ms ?? 0);
    if (t === String(process.pid)) r.main += d;
    else if (/PoolWorker|WorkerThread|^worker-\d/.test(comm)) r.workers += d;
    else if (/JIT|V8Worker/.test(comm)) r.jit += d;
    else r.other += d;
  }
  console.log("@@RESULT " + JSON.stringify(r));
}

function parent(args) {
  let runtime = "bun", runs = 15, tasks = 100_000;
  const trees = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--runtime") runtime = args[++i];
    else if (args[i] === "--runs") runs = +args[++i];
    else if (args[i] === "--tasks") tasks = +args[++i];
    else trees.push(args[i]);
  }
  if (trees.length === 0) trees.push(ROOT);
  const bin = {
    bun: process.env.BENCH_BUN ?? resolve(ROOT, "node_modules/.bin/bun"),
    deno: process.env.BENCH_DENO ?? resolve(ROOT, "node_modules/.bin/deno"),
    node: process.env.BENCH_NODE ?? process.execPath,
  }[runtime];
  const pre = runtime === "deno" ? ["run", "-A", "--no-check"] : [];
  const uptime = () => execFileSync("uptime", { encoding: "utf8" }).trim();
  console.log(`${runtime}, ${runs} rounds, ${tasks} tasks; ${uptime()}`);
  const samples = trees.map(() => []);
  for (let r = 0; r < runs; r++) {
    trees.forEach((tree, k) => {
      const p = spawnSync(bin, [...pre, SELF, "--child", tree, String(tasks)], {
        encoding: "utf8",
        timeout: 120_000,
      });
      const line = p.stdout.split("\n").find((l) => l.startsWith("@@RESULT "));
      if (line) samples[k].push(JSON.parse(line.slice(9)));
      else console.log(`${tree}: failed: ${p.stderr.slice(-300)}`);
    });
  }
  console.log(`after: ${uptime()}`);
  const med = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? Math.round(s[s.length >> 1]) : NaN;
  };
  const keys = ["ms", "cpu", "main", "workers", "jit", "other"];
  trees.forEach((tree, k) => {
    const s = samples[k];
    const cols = keys.map((f) => `${f} ${med(s.map((x) => x[f]))}`);
    let paired = "";
    if (k > 0) {
      const d = s.map((x, i) => x.cpu - (samples[0][i]?.cpu ?? NaN));
      paired = `  cpu vs first: ${med(d.filter((x) => x === x))} ms per round`;
    }
    console.log(`${tree}  n=${s.length}  ${cols.join("  ")}${paired}`);
  });
}
