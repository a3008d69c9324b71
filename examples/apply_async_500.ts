// Twin of seeds/000_c999e8f896f84167.txt "【Multiprocessing系列】Pool", heading "异步进程池（非阻塞）"
// (asynchronous pool, non-blocking): 500 apply_async calls on 10 workers.
//
// Run:
//   deno run -A examples/apply_async_500.ts
//   bun examples/apply_async_500.ts
//   node examples/apply_async_500.ts        (Node >= 22.18)
//
// The loop only queues the 500 tasks, so "test" is printed at once (among the
// first lines), while the workers print 0..499, ten at a time. As in Python,
// apply_async returns without waiting; close() + join() wait for the queue to
// drain.

import { Pool } from "../mod.ts";

function test(i: number) {
  console.log(i);
}

const pool = new Pool({ processes: 10 });
for (let i = 0; i < 500; i++) {
  // Keeps 10 workers busy: as soon as one finishes a task it takes the next.
  pool.apply_async(test, [i]);
}

console.log("test");
pool.close();
await pool.join();
