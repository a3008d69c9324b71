#!/usr/bin/env node
// The @x/pool bench harness (issue 5). Runs every measurement in a fresh
// process (child.mjs, or python_pool.py for CPython), interleaves the
// contestants, takes medians and prints one Markdown table per workload with
// the ratios the issue's goals are stated in, then the goals themselves.
// It asserts nothing about speed. Runs on Node, Deno (`deno run -A`) or Bun.
//
//   node bench/run.mjs [--quick] [--runs N] [--workloads tiny,map,...]
//                      [--runtimes node,bun,deno,python] [--contestants xpool,raw,...]
//                      [--params '{"tinyCount":10000}'] [--out FILE] [--latest] [--json FILE]
//   node bench/run.mjs --render bench/results/<date>.json [--latest]   (the report of a saved run again)
//
// Every flag has an environment twin: BENCH_RUNS, BENCH_WORKLOADS,
// BENCH_RUNTIMES, BENCH_CONTESTANTS, BENCH_PARAMS, BENCH_QUICK=1, BENCH_OUT,
// BENCH_TIMEOUT (seconds per child, default 60). See README.md.
import process from "node:process";
import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import os from "node:os";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const [k, v] = a.slice(2).split("=", 2);
    if (["quick", "latest", "help"].includes(k)) o[k] = true;
    else o[k] = v ?? argv[++i];
  }
  return o;
}
const args = parseArgs(process.argv.slice(2));
if (args.help) {
  console.log(
    "usage: run.mjs [--quick] [--runs N] [--workloads LIST] [--runtimes LIST] [--contestants LIST] [--params JSON] [--out FILE] [--latest] [--json FILE]",
  );
  process.exit(0);
}
const env = process.env;
const list = (s) => s?.split(",").map((x) => x.trim()).filter(Boolean);
const quick = Boolean(args.quick || env.BENCH_QUICK === "1");

const ALL_WORKLOADS = ["tiny", "map", "cpu", "seq", "startup", "imap"];
const ALL_RUNTIMES = ["node", "bun", "deno", "python"];
const ALL_CONTESTANTS = [
  "xpool",
  "raw",
  "serial",
  "piscina",
  "tinypool",
  "workerpool",
  "poolifier",
  "poolifier_web_worker",
  "cpython",
];

const opt = {
  runs: Number(args.runs ?? env.BENCH_RUNS ?? (quick ? 3 : 5)),
  workloads: list(args.workloads ?? env.BENCH_WORKLOADS) ?? ALL_WORKLOADS,
  runtimes: list(args.runtimes ?? env.BENCH_RUNTIMES) ??
    (quick ? ["node", "python"] : ALL_RUNTIMES),
  contestants: list(args.contestants ?? env.BENCH_CONTESTANTS) ??
    (quick
      ? ["xpool", "raw", "serial", "piscina", "cpython"]
      : ALL_CONTESTANTS),
  params: {
    ...(quick ? { imapItems: 1_000_000 } : {}),
    ...JSON.parse(args.params ?? env.BENCH_PARAMS ?? "{}"),
  },
  timeoutMs: Number(env.BENCH_TIMEOUT ?? 60) * 1000,
  out: args.out ?? env.BENCH_OUT,
  latest: Boolean(args.latest),
  json: args.json,
  command: ["run.mjs", ...process.argv.slice(2)].join(" "),
};
for (const w of opt.workloads) {
  if (!ALL_WORKLOADS.includes(w)) throw new Error(`unknown workload ${w}`);
}
for (const r of opt.runtimes) {
  if (!ALL_RUNTIMES.includes(r)) throw new Error(`unknown runtime ${r}`);
}
for (const c of opt.contestants) {
  if (!ALL_CONTESTANTS.includes(c)) {
    throw new Error(`unknown contestant ${c}`);
  }
}

// ---------------------------------------------------------------- runtimes

const NODE_VERSION = "24.21.0";
/** The workload sizes in force (child.mjs and python_pool.py hold the same defaults). */
const PARAMS = {
  processes: 2,
  tinyCount: 100_000,
  mapItems: 1_000_000,
  cpuTasks: 8,
  seqCount: 2_000,
  imapItems: 10_000_000,
  imapChunksize: 1_000,
  ...opt.params,
};

/** Resolve each runtime to an executable once: no npx start-up per child. */
function resolveRuntimes() {
  const cmds = {};
  const want = new Set(opt.runtimes);
  if (want.has("node")) {
    let exe = env.BENCH_NODE;
    if (!exe) {
      if (
        process.versions.node === NODE_VERSION && !process.versions.bun &&
        !globalThis.Deno
      ) exe = process.execPath;
      else {
        exe = execFileSync("npx", [
          "-y",
          `node@${NODE_VERSION}`,
          "-p",
          "process.execPath",
        ], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "ignore"],
        }).trim();
      }
    }
    cmds.node = [exe];
  }
  if (want.has("bun")) {
    cmds.bun = [
      env.BENCH_BUN ?? realpathSync(join(ROOT, "node_modules/.bin/bun")),
    ];
  }
  if (want.has("deno")) {
    cmds.deno = [
      env.BENCH_DENO ?? realpathSync(join(ROOT, "node_modules/.bin/deno")),
      "run",
      "-A",
    ];
  }
  if (want.has("python")) cmds.python = [env.BENCH_PYTHON ?? "python3"];
  return cmds;
}

function versionOf(cmd) {
  try {
    return execFileSync(cmd[0], ["--version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).split("\n")[0].trim();
  } catch {
    return "?";
  }
}

// ---------------------------------------------------------------- the matrix

const POOL_WORKLOADS = ["tiny", "map", "cpu", "seq", "startup"];
/** contestant -> { runtimes, workloads, na: reason for a runtime it can't run on } */
const CONTESTANTS = {
  xpool: {
    label: "@x/pool",
    runtimes: ["node", "bun", "deno"],
    workloads: ALL_WORKLOADS,
  },
  raw: {
    label: "raw floor",
    runtimes: ["node", "bun", "deno"],
    workloads: POOL_WORKLOADS,
  },
  serial: {
    label: "serial (1 thread)",
    runtimes: ["node", "bun", "deno", "python"],
    workloads: ["cpu"],
  },
  piscina: {
    label: "Piscina 5.3.2",
    runtimes: ["node", "bun", "deno"],
    workloads: POOL_WORKLOADS,
  },
  tinypool: {
    label: "Tinypool 2.2.0",
    runtimes: ["node", "bun", "deno"],
    workloads: POOL_WORKLOADS,
  },
  workerpool: {
    label: "workerpool 10.0.3",
    runtimes: ["node", "bun", "deno"],
    workloads: POOL_WORKLOADS,
  },
  poolifier: {
    label: "poolifier 5.3.2",
    runtimes: ["node", "bun", "deno"],
    workloads: POOL_WORKLOADS,
  },
  poolifier_web_worker: {
    label: "poolifier-web-worker 0.5.15",
    runtimes: ["bun", "deno"],
    workloads: POOL_WORKLOADS,
    na: { node: "needs a global Web Worker" },
  },
  cpython: {
    label: "CPython Pool",
    runtimes: ["python"],
    workloads: ALL_WORKLOADS,
  },
};

/** Why a cell is not measured, or null when it is. */
function naReason(c, rt, w) {
  const spec = CONTESTANTS[c];
  if (!spec.runtimes.includes(rt)) {
    return spec.na?.[rt] ??
      (rt === "python" || c === "cpython" ? "" : "can't run here");
  }
  if (!spec.workloads.includes(w)) return "";
  return null;
}

function childCommand(runtimeCmds, c, rt, w, serial) {
  const params = JSON.stringify(opt.params);
  if (rt === "python") {
    return [
      ...runtimeCmds.python,
      join(HERE, "python_pool.py"),
      serial ? "serial" : "pool",
      w,
      params,
    ];
  }
  return [...runtimeCmds[rt], join(HERE, "child.mjs"), c, w, params];
}

/** ANSI colour codes, should a child colour its errors despite NO_COLOR. */
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");

/** The most telling line of a child's stderr. */
function firstError(err) {
  const lines = err.replace(ANSI, "").split("\n").map((l) => l.trim()).filter(
    Boolean,
  );
  return lines.find((l) => /error/i.test(l)) ?? lines.slice(-2).join(" / ");
}

function runChild(cmd) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(cmd[0], cmd.slice(1), {
      cwd: HERE,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), opt.timeoutMs);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      const wall = performance.now() - t0;
      const line = out.split("\n").find((l) => l.startsWith("@@RESULT "));
      if (line) {
        return resolve({ ok: true, value: JSON.parse(line.slice(9)), wall });
      }
      const e = out.split("\n").find((l) =>
        l.startsWith("@@ERROR ")
      )?.slice(8) ??
        (signal
          ? `killed (${signal}${wall >= opt.timeoutMs ? ", timeout" : ""})`
          : `exit ${code}: ${firstError(err)}`);
      resolve({ ok: false, error: e.replace(ANSI, "").slice(0, 300), wall });
    });
  });
}

// ---------------------------------------------------------------- run

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A deterministic shuffle, different for each run (interleaving). */
function shuffled(xs, seed) {
  const a = [...xs];
  let s = seed * 2654435761 >>> 0 || 1;
  for (let i = a.length - 1; i > 0; i--) {
    s ^= s << 13, s ^= s >>> 17, s ^= s << 5, s >>>= 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** `--render FILE.json`: print (and with --out/--latest, write) the report of a saved run again. */
function rerender(file) {
  const saved = JSON.parse(readFileSync(file, "utf8"));
  Object.assign(opt, {
    command: "run.mjs --latest",
    ...saved.opt,
    out: opt.out,
    latest: opt.latest,
  });
  Object.assign(PARAMS, saved.opt.params);
  const report = render(
    saved.cells,
    saved.versions,
    saved.elapsed ?? 0,
    saved.date,
    saved.loadavg,
  );
  console.log(report);
  if (opt.out) writeFileSync(opt.out, report);
  if (opt.latest) writeFileSync(join(HERE, "LATEST.md"), report);
}

async function main() {
  if (args.render) return rerender(args.render);
  const runtimeCmds = resolveRuntimes();
  if (env.XPOOL_JS !== "0") {
    const node = runtimeCmds.node?.[0] ?? process.execPath;
    execFileSync(node, ["--no-warnings", join(HERE, "build_js.mjs")], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const versions = Object.fromEntries(
    Object.entries(runtimeCmds).map(([rt, cmd]) => [rt, versionOf(cmd)]),
  );
  if (opt.contestants.includes("xpool") && !existsSync(join(ROOT, "mod.ts"))) {
    console.error(
      "note: ../mod.ts does not exist yet; @x/pool cells will fail",
    );
  }
  // cells: every (workload, contestant, runtime) that can run
  const cells = [];
  for (const w of opt.workloads) {
    for (const c of opt.contestants) {
      for (const rt of opt.runtimes) {
        if (naReason(c, rt, w) === null) {
          cells.push({ w, c, rt, samples: [], errors: [] });
        }
      }
    }
  }
  const started = Date.now();
  console.error(
    `bench: ${cells.length} cells x ${opt.runs} runs; runtimes ${
      opt.runtimes.join(",")
    }; params ${JSON.stringify(opt.params)}`,
  );
  for (let run = 1; run <= opt.runs; run++) {
    for (const w of opt.workloads) {
      for (
        const cell of shuffled(
          cells.filter((x) => x.w === w),
          run * 31 + w.length,
        )
      ) {
        // not tried again: a cell that hung (timed out) once, or failed twice without a success
        if (cell.errors.some((e) => e.includes("timeout"))) continue;
        if (cell.errors.length >= 2 && cell.samples.length === 0) continue;
        const cmd = childCommand(
          runtimeCmds,
          cell.c,
          cell.rt,
          w,
          cell.c === "serial",
        );
        const r = await runChild(cmd);
        if (r.ok) cell.samples.push(r.value);
        else cell.errors.push(r.error);
        const shown = r.ok ? summary(w, r.value) : `ERROR ${r.error}`;
        console.error(
          `[run ${run}/${opt.runs} ${
            fmtTime(Date.now() - started)
          }] ${w} ${cell.rt} ${cell.c}: ${shown}`,
        );
      }
    }
  }
  const elapsed = Date.now() - started,
    date = new Date().toISOString(),
    loadavg = os.loadavg();
  const report = render(cells, versions, elapsed, date, loadavg);
  console.log(report);
  const stamp = new Date().toISOString().replace(/:\d\d\.\d+Z$/, "").replace(
    ":",
    "",
  );
  const outFile = opt.out ??
    (!quick ? join(HERE, "results", `${stamp}.md`) : undefined);
  if (outFile) {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, report);
    writeFileSync(
      opt.json ?? outFile.replace(/\.md$/, "") + ".json",
      JSON.stringify({ opt, versions, elapsed, date, loadavg, cells }, null, 1),
    );
    console.error(`wrote ${outFile}`);
  }
  if (opt.latest) {
    writeFileSync(join(HERE, "LATEST.md"), report);
    console.error(`wrote ${join(HERE, "LATEST.md")}`);
  }
}

// ---------------------------------------------------------------- report

const fmtTime = (ms) =>
  `${Math.floor(ms / 60000)}m${
    String(Math.floor(ms / 1000) % 60).padStart(2, "0")
  }s`;
const f = (
  x,
  d = 0,
) => (x === undefined || Number.isNaN(x) ? "–" : x.toLocaleString("en-US", {
  maximumFractionDigits: d,
  minimumFractionDigits: d,
}));
const fr = (
  x,
) => (x === undefined || !Number.isFinite(x)
  ? ""
  : `${x >= 10 ? f(x, 1) : f(x, 2)}×`);

function summary(w, v) {
  switch (w) {
    case "tiny":
      return `${f(v.ms)} ms, peak ${f(v.peakMiB)} MiB`;
    case "seq":
      return `${f(v.usPerCall, 1)} µs/call`;
    case "imap":
      return `${f(v.ms)} ms, +${f(v.growthMiB, 1)} MiB`;
    default:
      return `${f(v.ms, 1)} ms`;
  }
}

/**
 * What each table shows: the metric (median over runs), its unit, and the
 * ratio: against which contestant of the same runtime, and which way.
 * `ratio(c, ref)` returns the number shown after the value.
 */
const TABLES = [
  {
    id: "tiny",
    w: "tiny",
    title: (p) =>
      `${f(p.tinyCount)} tiny apply_async tasks, ${p.processes} workers`,
    metric: (v) => v.ms,
    unit: "ms",
    ref: "raw",
    ratio: (c, ref) => ref / c,
    note:
      "wall time to submit all and receive all; ratio = raw floor time / this (≥ 1.0 = as fast as the floor)",
  },
  {
    id: "map",
    w: "map",
    title: (p) => `map over ${f(p.mapItems)} ints, default chunksize`,
    metric: (v) => v.ms,
    unit: "ms",
    ref: "raw",
    ratio: (c, ref) => ref / c,
    note:
      "ratio = hand-chunked raw loop time / this (≥ 1.0 = as fast); pools without map get the same Python-default chunks by hand",
  },
  {
    id: "cpu",
    w: "cpu",
    title: (p) =>
      `CPU-bound: ${p.cpuTasks} × ~150 ms tasks, ${p.processes} workers`,
    metric: (v) => v.ms,
    unit: "ms",
    ref: "serial",
    ratio: (c, ref) => ref / c,
    note:
      "ratio = speedup over running the 8 tasks serially in one thread of the same runtime (CPython: its own serial run)",
  },
  {
    id: "seq",
    w: "seq",
    title: "sequential `await apply()` round trip",
    metric: (v) => v.usPerCall,
    unit: "µs/call",
    ref: "piscina",
    ratio: (c, ref) => c / ref,
    note:
      "awaited calls one after another (after 200 warm-up calls); ratio = this / Piscina (≤ 1.0 = at least as fast)",
  },
  {
    id: "startup",
    w: "startup",
    title: (p) => `pool start to first result (${p.processes} workers)`,
    metric: (v) => v.ms,
    unit: "ms",
    ref: "raw",
    ratio: (c, ref) => c / ref,
    note:
      "from constructing the pool (modules already imported) to the first task's result; ratio = this / raw worker start (≤ 1.10 = goal)",
  },
  {
    id: "mem",
    w: "tiny",
    title: (p) => `peak memory with ${f(p.tinyCount)} tasks pending`,
    metric: (v) => v.peakMiB,
    unit: "MiB",
    ref: "raw",
    ratio: (c, ref) => c / ref,
    note:
      "peak RSS (VmHWM, the whole process with its worker threads; CPython: main + worker processes) of the tiny-task run; ratio = this / raw floor's (≤ 1.2 = goal)",
  },
  {
    id: "imap",
    w: "imap",
    title: (p) =>
      `imap over a ${
        f(p.imapItems)
      }-item generator, chunksize ${p.imapChunksize}`,
    metric: (v) => v.growthMiB,
    unit: "MiB above idle",
    ref: null,
    extra: (s) => `${f(median(s.map((v) => v.ms)) / 1000, 1)} s`,
    note:
      "largest RSS sampled during iteration minus the RSS of the warmed idle pool, then the time taken; goal < 64 MiB. The JavaScript pools other than @x/pool have no imap",
  },
];

function cellOf(cells, w, c, rt) {
  return cells.find((x) => x.w === w && x.c === c && x.rt === rt);
}

function med(cells, t, c, rt) {
  const cell = cellOf(cells, t.w, c, rt);
  if (!cell || cell.samples.length === 0) return undefined;
  return median(cell.samples.map(t.metric));
}

function renderTable(cells, t) {
  const rts = opt.runtimes;
  const head = `| contestant | ${rts.join(" | ")} |\n|---|${
    rts.map(() => "---:").join("|")
  }|`;
  const rows = [];
  for (const c of opt.contestants) {
    if (!CONTESTANTS[c].workloads.includes(t.w)) continue; // serial outside cpu; imap: only @x/pool and CPython have it
    const tds = rts.map((rt) => {
      const na = naReason(c, rt, t.w);
      if (na !== null) return na ? `n/a (${na})` : "";
      const cell = cellOf(cells, t.w, c, rt);
      if (!cell || cell.samples.length === 0) {
        return `fail: ${
          (cell?.errors[0] ?? "not run").slice(0, 80).replaceAll("|", "/")
        }`;
      }
      const v = median(cell.samples.map(t.metric));
      let s = `${f(v, v < 10 ? 2 : v < 100 ? 1 : 0)}`;
      const ref = t.ref && c !== t.ref ? med(cells, t, t.ref, rt) : undefined;
      if (ref !== undefined) s += ` (${fr(t.ratio(v, ref))})`;
      if (t.extra) s += `, ${t.extra(cell.samples)}`;
      if (cell.samples.length < opt.runs) {
        s += ` [${cell.samples.length}/${opt.runs} ok]`;
      }
      return s;
    });
    if (tds.every((x) => x === "")) continue;
    rows.push(`| ${CONTESTANTS[c].label} | ${tds.join(" | ")} |`);
  }
  const title = typeof t.title === "function" ? t.title(PARAMS) : t.title;
  return `### ${title} — ${t.unit}, median\n\n${t.note}.\n\n${head}\n${
    rows.join("\n")
  }\n`;
}

function goals(cells) {
  const byId = Object.fromEntries(TABLES.map((t) => [t.id, t]));
  const m = (id, c, rt) => med(cells, byId[id], c, rt);
  const lines = [];
  const judge = (
    label,
    rt,
    value,
    goal,
    higherIsBetter,
    unit = "×",
    needs = [],
  ) => {
    if (!needs.every((w) => opt.workloads.includes(w))) return;
    if (value === undefined || !Number.isFinite(value)) {
      return lines.push(
        `| ${label} | ${rt} | – | ${goal}${
          unit === "×" ? "×" : " " + unit
        } | not measured |`,
      );
    }
    const ok = higherIsBetter ? value >= goal : value <= goal;
    const by = higherIsBetter
      ? (value / goal - 1) * 100
      : (goal / value - 1) * 100;
    const shown = unit === "×" ? `${f(value, 2)}×` : `${f(value, 1)} ${unit}`;
    const need = unit === "×"
      ? `${higherIsBetter ? "≥" : "≤"} ${goal}×`
      : `${higherIsBetter ? "≥" : "<"} ${goal} ${unit}`;
    lines.push(
      `| ${label} | ${rt} | ${shown} | ${need} | ${
        ok ? "**meets**" : "misses"
      } (${by >= 0 ? "+" : ""}${f(by, 0)}%) |`,
    );
  };
  const py = m("map", "cpython", "python");
  for (const rt of opt.runtimes.filter((r) => r !== "python")) {
    const x = (id) => m(id, "xpool", rt);
    judge(
      "tiny tasks vs raw floor",
      rt,
      m("tiny", "raw", rt) / x("tiny"),
      1.0,
      true,
      "×",
      ["tiny"],
    );
    if (rt === "node") {
      judge(
        "tiny tasks vs Piscina",
        rt,
        m("tiny", "piscina", rt) / x("tiny"),
        8,
        true,
        "×",
        ["tiny"],
      );
    }
    judge(
      "map vs hand-chunked raw",
      rt,
      m("map", "raw", rt) / x("map"),
      1.0,
      true,
      "×",
      ["map"],
    );
    judge("map vs CPython Pool.map", rt, py / x("map"), 1.2, true, "×", [
      "map",
    ]);
    judge(
      "CPU-bound speedup vs serial",
      rt,
      m("cpu", "serial", rt) / x("cpu"),
      1.9,
      true,
      "×",
      ["cpu"],
    );
    judge(
      "seq round trip / Piscina",
      rt,
      x("seq") / m("seq", "piscina", rt),
      1.0,
      false,
      "×",
      ["seq"],
    );
    judge(
      "start to first result / raw",
      rt,
      x("startup") / m("startup", "raw", rt),
      1.1,
      false,
      "×",
      ["startup"],
    );
    judge(
      `peak memory, ${f(PARAMS.tinyCount / 1000)}k pending / raw`,
      rt,
      x("mem") / m("mem", "raw", rt),
      1.2,
      false,
      "×",
      ["tiny"],
    );
    judge(
      `imap ${f(PARAMS.imapItems / 1e6)}M: growth above idle`,
      rt,
      x("imap"),
      64,
      false,
      "MiB",
      ["imap"],
    );
  }
  return `## Goals (issue 5) for @x/pool\n\nA margin is how far the value is past the goal (+: on the good side).\n\n| goal | runtime | value | goal | verdict |\n|---|---|---:|---:|---|\n${
    lines.join("\n")
  }\n`;
}

function render(
  cells,
  versions,
  elapsed,
  date = new Date().toISOString(),
  loadavg = os.loadavg(),
) {
  const cpu = os.cpus();
  const header = [
    `# @x/pool bench — ${date.slice(0, 16).replace("T", " ")} UTC`,
    "",
    `- machine: ${cpu.length} × ${cpu[0]?.model ?? "?"}, ${
      f(os.totalmem() / 2 ** 30, 0)
    } GiB, ${os.platform()} ${os.release()}; load average at the end ${
      loadavg.map((x) => f(x, 2)).join(" ")
    }`,
    `- runtimes: ${
      Object.entries(versions).map(([k, v]) => `${k} ${v}`).join("; ")
    }`,
    `- ${opt.runs} runs per cell, each in a fresh process, contestants interleaved in a different order each run; medians shown; ${
      fmtTime(elapsed)
    } in all`,
    `- params: ${
      JSON.stringify(opt.params)
    } (defaults in child.mjs); command: \`${opt.command}\``,
    `- @x/pool: ${
      env.XPOOL_JS === "1"
        ? "type-erased JS copy everywhere (XPOOL_JS=1, build_js.mjs)"
        : env.XPOOL_JS === "0"
        ? "../mod.ts as TypeScript everywhere (XPOOL_JS=0; Node strips types at load, in the main thread and in each worker)"
        : "as users get it: on Node the type-erased JS copy (what JSR's npm layer serves; build_js.mjs), on Deno and Bun ../mod.ts as TypeScript"
    }; tasks ${
      env.XPOOL_TASKS === "module" ? "by moduleTask()" : "as source functions"
    }; context ${env.XPOOL_CONTEXT ?? "default"}`,
    "- raw floor: Node uses node:worker_threads, Deno and Bun the global Web Worker; one postMessage per task (tiny), one per Python-default chunk (map)",
    "",
  ].join("\n");
  return [
    header,
    ...TABLES.filter((t) => opt.workloads.includes(t.w)).map((t) =>
      renderTable(cells, t)
    ),
    goals(cells),
  ].join("\n");
}

await main();
