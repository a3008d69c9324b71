// `await using`: the counterpart of Python's `with multiprocessing.Pool() as
// pool:`, shown on the map() program of seeds/001_c8fa87b9ea4538c7.txt "Python使用进程池管理进程"
// (the same program as map_sum_ranges.ts, which uses try/finally instead).
//
// Needs explicit resource management: Deno, Bun, Node >= 24.
//   deno run -A examples/with_statement.ts
//   bun examples/with_statement.ts
//   node examples/with_statement.ts        (Node >= 24; Node 22 lacks `await using`)
//
// Prints the workers' progress lines, a line of dashes, then 1225, 4950, 11175.
// Leaving the block runs close() + join() (graceful). Python's `with` runs
// terminate() instead; call `await pool.terminate()` yourself in the block if
// you want that.

import { currentProcess, Pool } from "../mod.ts";

function action(max: number) {
  let my_sum = 0;
  for (let i = 0; i < max; i++) {
    console.log(`(${currentProcess().name})进程正在执行: ${i}`);
    my_sum += i;
  }
  return my_sum;
}

{
  await using pool = new Pool({ processes: 4 });
  const results = await pool.map(action, [50, 100, 150]);
  console.log("--------------");
  for (const r of results) {
    console.log(r);
  }
} // <- the pool is closed and joined here
console.log("pool closed and joined");
