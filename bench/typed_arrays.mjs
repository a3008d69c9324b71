#!/usr/bin/env node
// Binary data through @x/pool: how long an argument and a result of N MiB
// take, for an ArrayBuffer and the views on it (Uint8Array, Float64Array,
// DataView), and for a Uint8Array nested in an object and in an array.
// Issue 10 item 8: on Deno's default context a Uint8Array argument cost ~40x
// an ArrayBuffer. It asserts nothing; it prints one table.
//
//   deno run -A bench/typed_arrays.mjs [MiB]     (default 64)
//   bun bench/typed_arrays.mjs [MiB]
//   node bench/typed_arrays.mjs [MiB]            (Node >= 22.18: runs ../mod.ts)
//   XPOOL_CONTEXT=web deno run -A bench/typed_arrays.mjs
//
// argument: `apply(f, [value])` where f returns the value's byte length.
// result: `apply(make)` minus `apply(makeButReturnLength)`, both building
// the value in the worker, so only the trip of the value counts.
// Each figure is the median of 3 runs, after a warm-up of each kind.
import { Pool } from "../mod.ts";

const g = globalThis;
const argv = g.Deno?.args ?? g.process.argv.slice(2);
const env = (name) => g.Deno?.env.get(name) ?? g.process?.env?.[name];
const mib = Number(argv[0] ?? 64);
const context = env("XPOOL_CONTEXT") || undefined;
const bytes = mib * 1024 * 1024;
const runtime = g.Deno ? "deno" : g.Bun ? "bun" : "node";
const version = g.Deno?.version.deno ?? g.Bun?.version ??
  g.process.versions.node;

const KINDS = [
  "ArrayBuffer",
  "Uint8Array",
  "Float64Array",
  "DataView",
  "{x: Uint8Array}",
  "[Uint8Array]",
];

/** Builds a value of kind `kind` over `n` bytes (also runs in the worker). */
const make = (kind, n) => {
  const buffer = new ArrayBuffer(n);
  new Uint8Array(buffer).fill(7);
  switch (kind) {
    case "ArrayBuffer":
      return buffer;
    case "Uint8Array":
      return new Uint8Array(buffer);
    case "Float64Array":
      return new Float64Array(buffer);
    case "DataView":
      return new DataView(buffer);
    case "{x: Uint8Array}":
      return { x: new Uint8Array(buffer) };
    default:
      return [new Uint8Array(buffer)];
  }
};
const lengthOf = (v) => v.byteLength ?? v.x?.byteLength ?? v[0].byteLength;

const pool = new Pool({ processes: 1, ...(context ? { context } : {}) });
// Tasks carry no closures: the worker rebuilds `make` from its source.
const src = make.toString();
const makeIn = (src, kind, n) => new Function(`return (${src});`)()(kind, n);
const makeLengthIn = (src, kind, n) => {
  const v = new Function(`return (${src});`)()(kind, n);
  return v.byteLength ?? v.x?.byteLength ?? v[0].byteLength;
};

async function time(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];

const rows = [];
try {
  for (const kind of KINDS) {
    // warm-up, small
    await pool.apply(lengthOf, [make(kind, 1024)]);
    await pool.apply(makeIn, [src, kind, 1024]);
    const arg = [];
    const res = [];
    for (let run = 0; run < 3; run++) {
      const value = make(kind, bytes);
      arg.push(
        await time(async () => {
          const n = await pool.apply(lengthOf, [value]);
          if (n !== bytes) throw new Error(`argument arrived with ${n} bytes`);
        }),
      );
      const base = await time(() =>
        pool.apply(makeLengthIn, [src, kind, bytes])
      );
      let back;
      const full = await time(async () => {
        back = await pool.apply(makeIn, [src, kind, bytes]);
      });
      if (lengthOf(back) !== bytes) throw new Error("result lost bytes");
      res.push(Math.max(0, full - base));
    }
    rows.push([kind, median(arg), median(res)]);
  }
} finally {
  await pool.terminate();
}

console.log(
  `${runtime} ${version}, context ${
    context ?? "default"
  }, ${mib} MiB, median of 3 (ms)\n`,
);
console.log("| value | argument | result |");
console.log("| --- | ---: | ---: |");
for (const [kind, a, r] of rows) {
  console.log(`| \`${kind}\` | ${a.toFixed(0)} | ${r.toFixed(0)} |`);
}
