// Twin of seeds/002_7caf099faab2905e.txt "Python Multiprocessing", the apply_async example after
// "异步处理任务时 : 必须要加上close和join": 10,000 apply_async calls, timed.
//
// Run:
//   deno run -A examples/apply_async_10000.ts
//   bun examples/apply_async_10000.ts
//   node examples/apply_async_10000.ts        (Node >= 22.18)
//
// Prints 1..10000 in order, then the elapsed seconds, which is much less
// than apply_sync_10000.ts: all tasks are queued at once and the 5 workers
// take them as they free up.

import { Pool } from "../mod.ts";

function func(num: number) {
  num += 1;
  return num;
}

const p = new Pool(5);
const start = performance.now();
const l = [];
for (let i = 0; i < 10000; i++) {
  // Asynchronous: 5 workers take 5 tasks at once, and each takes the next
  // task as soon as it is done.
  const res = p.apply_async(func, [i]);
  l.push(res);
  // console.log(await res.get()); // would work too, but makes it synchronous again
}
p.close();
await p.join();
for (const i of l) console.log(await i.get());
console.log((performance.now() - start) / 1000);
