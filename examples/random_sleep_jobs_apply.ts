// Twin of seeds/004_7df20b56e6f73254.txt "进程池Pool", heading "apply堵塞式" (apply, blocking):
// the same 10 random-sleep jobs on 3 workers, submitted with apply.
//
// Run:
//   deno run -A examples/random_sleep_jobs_apply.ts
//   bun examples/random_sleep_jobs_apply.ts
//   node examples/random_sleep_jobs_apply.ts        (Node >= 22.18)
//
// Each job starts only after the previous one finished ("0开始执行..." then
// "0 执行完毕,耗时..." then "1开始执行..."), so only one worker is ever busy
// (Python's output shows its workers taking turns; here the first idle
// worker takes each job, so it is usually PoolWorker-1 every time). Then
// "----start----" and "-----end-----" come together at the very end.

import { currentProcess, Pool } from "../mod.ts";

async function worker(msg: number) {
  const t_start = performance.now();
  console.log(`${msg}开始执行,进程号为${currentProcess().name}`);
  // Math.random() gives a float between 0 and 1
  await new Promise((r) => setTimeout(r, Math.random() * 2 * 1000));
  const t_stop = performance.now();
  console.log(msg, `执行完毕,耗时${((t_stop - t_start) / 1000).toFixed(2)}`);
}

const po = new Pool(3); // a pool of at most 3 workers
for (let i = 0; i < 10; i++) {
  await po.apply(worker, [i]);
}
console.log("----start----");
po.close(); // po takes no new work after close()
await po.join(); // wait for all of po's work; call after close()
console.log("-----end-----");
