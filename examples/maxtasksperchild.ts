// maxtasksperchild, as described in seeds/000_c999e8f896f84167.txt "【Multiprocessing系列】Pool"
// (构造方法: "工作进程退出之前可以完成的任务数，完成后用一个新的工作进程来替代原进程"):
// a worker is retired after that many tasks and a fresh one takes its place.
//
// Run:
//   deno run -A examples/maxtasksperchild.ts
//   bun examples/maxtasksperchild.ts
//   node examples/maxtasksperchild.ts        (Node >= 22.18)
//
// Prints which worker ran each of 8 tasks on a pool of 2 workers that each
// retire after 2 tasks: about four different worker names, each used twice
// at most (PoolWorker-1, -2, then -3, -4, ...).

import { currentProcess, Pool } from "../mod.ts";

async function whoami(i: number) {
  await new Promise((r) => setTimeout(r, 20));
  return `task ${i} ran on ${currentProcess().name}`;
}

const pool = new Pool({ processes: 2, maxtasksperchild: 2 });
// chunksize 1: each item is one task (a chunk counts as one task).
for (const line of await pool.map(whoami, [...Array(8).keys()], 1)) {
  console.log(line);
}
pool.close();
await pool.join();
