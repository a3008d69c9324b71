// Twin of seeds/004_7df20b56e6f73254.txt "进程池Pool" (the first program): 10 jobs with random
// sleeps on 3 workers, submitted with apply_async.
//
// Run:
//   deno run -A examples/random_sleep_jobs.ts
//   bun examples/random_sleep_jobs.ts
//   node examples/random_sleep_jobs.ts        (Node >= 22.18)
//
// Prints "----start----" first (apply_async does not wait), then lines like
//   0开始执行,进程号为PoolWorker-1
//   0 执行完毕,耗时1.01
// with at most three jobs running at once (a new job starts right after one
// finishes, on the worker that freed up), and "-----end-----" last.
// currentProcess().name stands in for os.getpid().

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
  // po.apply_async(target, [arguments...])
  // each turn, a free worker runs the target
  po.apply_async(worker, [i]);
}
console.log("----start----");
po.close(); // po takes no new work after close()
await po.join(); // wait for all of po's work; call after close()
console.log("-----end-----");
