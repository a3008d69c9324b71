// One measurement in a fresh process: `child.mjs <contestant> <workload> [params-json]`.
// Prints one line `@@RESULT {json}` (or `@@ERROR message`) and exits.
// Runs unchanged on Node 24, Bun and Deno (`deno run -A`).
import process from "node:process";
import { readFileSync } from "node:fs";
import { SPIN_N } from "./workers/tasks.mjs";

const [contestantName, workload, paramsJson = "{}"] = process.argv.slice(2);
const P = {
  processes: 2,
  tinyCount: 100_000,
  mapItems: 1_000_000,
  cpuTasks: 8,
  spinN: SPIN_N,
  seqCount: 2_000,
  imapItems: 10_000_000,
  imapChunksize: 1_000,
  ...JSON.parse(paramsJson),
};
const MiB = 1024 * 1024;

/** A field of /proc/self/status (VmRSS, VmHWM) in bytes; threads included. */
function procStatus(field) {
  const m = readFileSync("/proc/self/status", "utf8").match(
    new RegExp(`^${field}:\\s+(\\d+) kB`, "m"),
  );
  return m ? Number(m[1]) * 1024 : NaN;
}

function check(ok, what) {
  if (!ok) throw new Error(`wrong result: ${what}`);
}

async function warm(c, h, n) {
  const rs = [];
  for (let i = 0; i < n; i++) rs.push(c.submit(h, "tiny", i));
  await Promise.all(rs);
}

const WORKLOADS = {
  async tiny(c) {
    const N = P.tinyCount;
    const h = await c.start(P.processes);
    await warm(c, h, 100);
    const rssBefore = procStatus("VmRSS");
    const t0 = performance.now();
    let out;
    if (c.tiny) out = await c.tiny(h, N);
    else {
      const rs = new Array(N);
      for (let i = 0; i < N; i++) rs[i] = c.submit(h, "tiny", i);
      out = await Promise.all(rs);
    }
    const ms = performance.now() - t0;
    const peak = procStatus("VmHWM");
    check(out.length === N && out[N - 1] === N && out[0] === 1, "tiny");
    await c.close(h);
    return {
      ms,
      perSec: N / ms * 1000,
      peakMiB: peak / MiB,
      rssBeforeMiB: rssBefore / MiB,
    };
  },

  async map(c) {
    const M = P.mapItems;
    const arr = Array.from({ length: M }, (_, i) => i);
    const h = await c.start(P.processes);
    await warm(c, h, 2 * P.processes);
    const t0 = performance.now();
    const out = await c.map(h, arr);
    const ms = performance.now() - t0;
    check(
      out.length === M && out[M - 1] === 2 * (M - 1) && out[1] === 2,
      "map",
    );
    await c.close(h);
    return { ms, peakMiB: procStatus("VmHWM") / MiB };
  },

  async cpu(c) {
    const h = await c.start(P.processes);
    await warm(c, h, 2 * P.processes);
    const args = new Array(P.cpuTasks).fill(P.spinN);
    const t0 = performance.now();
    const out = c.cpuAll
      ? await c.cpuAll(h, args)
      : await Promise.all(args.map((a) => c.submit(h, "spin", a)));
    const ms = performance.now() - t0;
    check(out.length === P.cpuTasks && typeof out[0] === "number", "cpu");
    await c.close(h);
    return { ms };
  },

  async seq(c) {
    const K = P.seqCount;
    const h = await c.start(P.processes);
    for (let i = 0; i < 200; i++) await c.apply(h, "tiny", i);
    const t0 = performance.now();
    let s = 0;
    for (let i = 0; i < K; i++) s += await c.apply(h, "tiny", i);
    const ms = performance.now() - t0;
    check(s === K * (K + 1) / 2, "seq");
    await c.close(h);
    return { ms, usPerCall: ms / K * 1000 };
  },

  async startup(c) {
    const t0 = performance.now();
    const h = await c.start(P.processes);
    const r = await c.apply(h, "tiny", 1);
    const ms = performance.now() - t0;
    check(r === 2, "startup");
    await c.close(h);
    return { ms };
  },

  async imap(c) {
    if (!c.imap) throw new Error("no imap");
    const N = P.imapItems;
    const h = await c.start(P.processes);
    await warm(c, h, 100);
    await new Promise((r) => setTimeout(r, 50));
    const idle = procStatus("VmRSS");
    function* gen() {
      for (let i = 0; i < N; i++) yield i;
    }
    let maxRss = idle;
    let sum = 0, i = 0;
    const t0 = performance.now();
    for await (const r of c.imap(h, gen(), P.imapChunksize)) {
      sum += r;
      if (++i % 100_000 === 0) maxRss = Math.max(maxRss, procStatus("VmRSS"));
    }
    const ms = performance.now() - t0;
    maxRss = Math.max(maxRss, procStatus("VmRSS"));
    check(i === N && sum === N * (N + 1) / 2, "imap");
    await c.close(h);
    return {
      ms,
      growthMiB: (maxRss - idle) / MiB,
      idleMiB: idle / MiB,
      peakMiB: procStatus("VmHWM") / MiB,
    };
  },
};

try {
  const c = await import(`./contestants/${contestantName}.mjs`);
  const fn = WORKLOADS[workload];
  if (!fn) throw new Error(`unknown workload ${workload}`);
  const res = await fn(c);
  console.log("@@RESULT " + JSON.stringify(res));
  process.exit(0);
} catch (e) {
  console.log(
    "@@ERROR " + String(e?.stack ?? e).split("\n").slice(0, 3).join(" | "),
  );
  process.exit(1);
}
