// The comparison the two 10,000-task programs of seeds/002_7caf099faab2905e.txt "Python
// Multiprocessing" make (apply_sync_10000.ts and apply_async_10000.ts), side
// by side and without printing every result.
//
// Run:
//   deno run -A examples/apply_vs_apply_async.ts
//   bun examples/apply_vs_apply_async.ts
//   node examples/apply_vs_apply_async.ts        (Node >= 22.18)
//
// Prints the time of each way and how many times faster apply_async was.
// apply() waits for every task before the next one is sent (one round trip
// per task, the other workers idle); apply_async() queues them all and keeps
// every worker busy.

import { Pool } from "../mod.ts";

function func(num: number) {
  num += 1;
  return num;
}

const N = 10000;
const p = new Pool(5);
await p.map(func, [0, 1, 2, 3, 4], 1); // start the workers before timing

let start = performance.now();
let total = 0;
for (let i = 0; i < N; i++) {
  total += await p.apply(func, [i]);
}
const applySeconds = (performance.now() - start) / 1000;
console.log(
  `apply:       ${N} tasks in ${applySeconds.toFixed(3)} s (sum ${total})`,
);

start = performance.now();
const results = [];
for (let i = 0; i < N; i++) results.push(p.apply_async(func, [i]));
total = 0;
for (const r of results) total += await r.get();
const asyncSeconds = (performance.now() - start) / 1000;
console.log(
  `apply_async: ${N} tasks in ${asyncSeconds.toFixed(3)} s (sum ${total})`,
);
console.log(
  `apply_async was ${(applySeconds / asyncSeconds).toFixed(1)}x faster`,
);

p.close();
await p.join();
