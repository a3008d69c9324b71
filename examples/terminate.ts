// terminate(), as described in seeds/000_c999e8f896f84167.txt "【Multiprocessing系列】Pool"
// ("terminate() 关闭pool，结束工作进程，不在处理未完成的任务") and seeds/004_7df20b56e6f73254.txt
// ("terminate():不管任务是否完成,立即终止"): stop the workers now.
//
// Run:
//   deno run -A examples/terminate.ts
//   bun examples/terminate.ts
//   node examples/terminate.ts        (Node >= 22.18)
//
// Prints
//   fast: done
//   slow: rejected (...)
//   joined after terminate
// Python leaves the unfinished results hanging forever; here they reject.

import { Pool } from "../mod.ts";

async function sleepFor(seconds: number) {
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return "done";
}

const pool = new Pool(2);
const fast = pool.apply_async(sleepFor, [0.05]);
const slow = pool.apply_async(sleepFor, [60]);
console.log("fast:", await fast.get());
await pool.terminate(); // does not wait a minute for `slow`
try {
  await slow.get();
} catch (error) {
  console.log(`slow: rejected (${(error as Error).message})`);
}
await pool.join();
console.log("joined after terminate");
