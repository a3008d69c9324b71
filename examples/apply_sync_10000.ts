// Twin of seeds/002_7caf099faab2905e.txt "Python Multiprocessing", example of
// "1. p.apply(func, args=())": 10,000 blocking apply calls, timed.
//
// Run:
//   deno run -A examples/apply_sync_10000.ts
//   bun examples/apply_sync_10000.ts
//   node examples/apply_sync_10000.ts        (Node >= 22.18)
//
// Prints 1..10000 in order, then the elapsed seconds. apply() waits for each
// task, so even with 5 workers the tasks run one after another, and every
// task pays a full round trip to a worker. Compare apply_async_10000.ts and
// apply_vs_apply_async.ts.

import { Pool } from "../mod.ts";

function func(num: number) {
  num += 1;
  return num;
}

const p = new Pool(5);
const start = performance.now();
for (let i = 0; i < 10000; i++) {
  // Synchronous: even with 5 workers, one task at a time.
  const res = await p.apply(func, [i]);
  // await new Promise((r) => setTimeout(r, 500));
  console.log(res);
}
console.log((performance.now() - start) / 1000);
// The seed says blocking use needs no close()/join(): Python cleans the pool
// up at exit. In JavaScript live workers keep the program running, so close.
p.close();
await p.join();
