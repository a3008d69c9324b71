// Twin of seeds/001_c8fa87b9ea4538c7.txt "Python使用进程池管理进程", the map() program
// (`pool.map(action, (50, 100, 150))` inside `with multiprocessing.Pool(...)`).
//
// Run:
//   deno run -A examples/map_sum_ranges.ts
//   bun examples/map_sum_ranges.ts
//   node examples/map_sum_ranges.ts        (Node >= 22.18)
//
// Three items, so three workers each sum 0..max-1, printing every step
// ("(PoolWorker-N)进程正在执行: i", interleaved), then the main side prints a
// line of dashes and the sums of 0..49, 0..99 and 0..149: 1225, 4950, 11175.
//
// Python's `with Pool() as pool:` becomes try/finally here: Node 22 has no
// `await using` (see with_statement.ts for that form). Note the one
// difference: leaving Python's `with` calls terminate(); this calls close()
// and join(), which lets queued work finish.

import { currentProcess, Pool } from "../mod.ts";

// The function each worker runs.
function action(max: number) {
  let my_sum = 0;
  for (let i = 0; i < max; i++) {
    console.log(`(${currentProcess().name})进程正在执行: ${i}`);
    my_sum += i;
  }
  return my_sum;
}

// A pool of 4 workers.
const pool = new Pool({ processes: 4 });
try {
  // Three items, so three workers run action.
  const results = await pool.map(action, [50, 100, 150]);
  console.log("--------------");
  for (const r of results) {
    console.log(r);
  }
} finally {
  pool.close();
  await pool.join();
}
