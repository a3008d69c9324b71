// Progress bars from inside tasks: a long task calls reportProgress(), the
// caller's onProgress draws a bar; then a map whose chunks each report, with
// one bar for the whole map, and pool.stats() beside it.
//
// Run:
//   deno run -A examples/progress_bar.ts
//   bun examples/progress_bar.ts
//   node examples/progress_bar.ts        (Node >= 22.18)
//
// On a terminal the bars redraw in place; otherwise (a pipe, a log) each bar
// prints one line per 25%, so the output is the same on every run:
//   count primes below 2000000
//   [#####               ]  25%
//   [##########          ]  50%
//   [###############     ]  75%
//   [####################] 100%
//   148933 primes
//   sum of squares over 8 ranges
//   ...
//   333332833333500000 (8 chunks, 8 completed, 0 failed)

import process from "node:process";
import { Pool, reportProgress } from "../mod.ts";

const tty = process.stdout.isTTY === true;

/** `[#####               ]  25%` */
function line(pct: number): string {
  const filled = Math.round(pct / 5);
  return `[${"#".repeat(filled)}${" ".repeat(20 - filled)}] ${
    String(pct).padStart(3)
  }%`;
}

/** A bar that redraws on a terminal, and prints every 25% elsewhere. */
function bar(): (fraction: number, extra?: string) => void {
  let printed = 0;
  return (fraction, extra = "") => {
    const pct = Math.min(100, Math.floor(fraction * 100));
    if (tty) {
      process.stdout.write(`\r${line(pct)} ${extra}`.padEnd(60));
      if (pct === 100) process.stdout.write("\n");
      return;
    }
    while (printed + 25 <= pct) {
      printed += 25;
      console.log(line(printed));
    }
  };
}

// One long task: a sieve that reports how far it got, about 100 times.
function countPrimes(limit: number): number {
  const composite = new Uint8Array(limit);
  let count = 0;
  const every = Math.ceil(limit / 100);
  for (let i = 2; i < limit; i++) {
    if (composite[i] === 0) {
      count++;
      for (let j = i * i; j < limit; j += i) composite[j] = 1;
    }
    if (i % every === 0) reportProgress(i / limit); // bound in the worker
  }
  reportProgress(1);
  return count;
}

// A map: each chunk sums squares over its range, reporting items done.
function sumSquares([from, to]: [number, number]): bigint {
  let sum = 0n;
  for (let i = from; i < to; i++) {
    sum += BigInt(i) * BigInt(i);
    if ((i - from) % 25_000 === 24_999) reportProgress(25_000);
  }
  reportProgress((to - from) % 25_000);
  return sum;
}

const pool = new Pool(4);
try {
  const limit = 2_000_000;
  console.log(`count primes below ${limit}`);
  const primes = await pool.apply(countPrimes, [limit], {
    onProgress: bar() as (value: unknown) => void,
  });
  console.log(`${primes} primes`);

  console.log("sum of squares over 8 ranges");
  const total = 1_000_000;
  const ranges = Array.from(
    { length: 8 },
    (_, k) => [k * total / 8, (k + 1) * total / 8] as [number, number],
  );
  let done = 0;
  const draw = bar();
  const sums = await pool.map(sumSquares, ranges, {
    chunksize: 1,
    onProgress: (items) => {
      done += items as number;
      const { running, queued } = pool.stats();
      draw(done / total, `${running} running, ${queued} queued`);
    },
  });
  const sum = sums.reduce((a, b) => a + b, 0n);
  const { completed, failed } = pool.stats();
  console.log(
    `${sum} (${sums.length} chunks, ${
      completed - 1
    } completed, ${failed} failed)`,
  );
} finally {
  pool.close();
  await pool.join();
}
