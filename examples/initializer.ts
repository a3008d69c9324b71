// initializer / initargs, as described in seeds/000_c999e8f896f84167.txt "【Multiprocessing系列】Pool"
// (构造方法) and seeds/002_7caf099faab2905e.txt "Python Multiprocessing" (`Pool(numprocess,
// initializer, initargs)`): every worker runs initializer(...initargs) once,
// before its first task.
//
// Run:
//   deno run -A examples/initializer.ts
//   bun examples/initializer.ts
//   node examples/initializer.ts        (Node >= 22.18)
//
// Prints "init PoolWorker-1 with prefix log", ... once per worker (3 lines),
// then "log:0 (PoolWorker-1)", "log:1 (PoolWorker-2)", ...: the tasks read
// the global the initializer set. A function sent by source cannot see the
// variables of this module, so an initializer that sets globals is how a
// worker gets state.

import { currentProcess, Pool } from "../mod.ts";

type WorkerGlobals = typeof globalThis & { prefix?: string };

function init(prefix: string) {
  (globalThis as WorkerGlobals).prefix = prefix;
  console.log(`init ${currentProcess().name} with prefix ${prefix}`);
}

function tag(i: number) {
  return `${
    (globalThis as WorkerGlobals).prefix
  }:${i} (${currentProcess().name})`;
}

const pool = new Pool({ processes: 3, initializer: init, initargs: ["log"] });
for (const line of await pool.map(tag, [0, 1, 2, 3, 4, 5], 1)) {
  console.log(line);
}
pool.close();
await pool.join();
