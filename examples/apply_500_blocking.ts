// Twin of seeds/000_c999e8f896f84167.txt "【Multiprocessing系列】Pool", heading "同步进程池（阻塞）"
// (synchronous pool, blocking): 500 apply calls on 10 workers.
//
// Run:
//   deno run -A examples/apply_500_blocking.ts [seconds]
//   bun examples/apply_500_blocking.ts [seconds]
//   node examples/apply_500_blocking.ts [seconds]        (Node >= 22.18)
//
// apply() waits for its task to finish, so only one task runs at a time even
// though the pool has 10 workers: the numbers 0..499 come one by one, and
// "test" is printed only after all of them. The seed sleeps 3 seconds per
// task (25 minutes in all); here the sleep defaults to 0.01 s so the example
// ends in a few seconds. Pass `3` to run it exactly as the seed does.

import process from "node:process";
import { Pool } from "../mod.ts";

async function test(p: number, seconds: number) {
  console.log(p);
  await new Promise((r) => setTimeout(r, seconds * 1000)); // time.sleep(seconds)
}

const seconds = Number(process.argv[2] ?? 0.01);
const pool = new Pool({ processes: 10 });
for (let i = 0; i < 500; i++) {
  // Each apply waits for its task: the next one is submitted only afterwards.
  await pool.apply(test, [i, seconds]);
}

console.log("test");
pool.close();
await pool.join();
