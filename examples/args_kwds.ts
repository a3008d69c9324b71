// Twin of seeds/001_c8fa87b9ea4538c7.txt "Python使用进程池管理进程", the apply_async() program
// (`def action(name='default')` submitted three times).
//
// Run:
//   deno run -A examples/args_kwds.ts
//   bun examples/args_kwds.ts
//   node examples/args_kwds.ts        (Node >= 22.18)
//
// Three ways to pass arguments: none (the default is used), positional
// (`args`, Python's tuple, is an array) and keyword (`kwds`). JavaScript has
// no keyword arguments: `kwds` arrives as one extra trailing object argument,
// after the positional ones. currentProcess().name stands in for os.getpid().
// Prints, in some order, from three different workers:
//   (PoolWorker-1)进程正在执行,参数为: default
//   (PoolWorker-2)进程正在执行,参数为: 位置参数
//   (PoolWorker-3)进程正在执行,参数为: 关键字参数

import { currentProcess, Pool } from "../mod.ts";

async function action(name: string | { name?: string } = "default") {
  // Keyword arguments: `kwds` comes in as a trailing object.
  if (typeof name === "object") name = name.name ?? "default";
  console.log(`(${currentProcess().name})进程正在执行,参数为: ${name}`);
  await new Promise((r) => setTimeout(r, 3000)); // time.sleep(3)
}

// A pool of 4 workers.
const pool = new Pool({ processes: 4 });
// Submit action three times.
pool.apply_async(action);
pool.apply_async(action, ["位置参数"]);
pool.apply_async(action, [], { kwds: { name: "关键字参数" } });
pool.close();
await pool.join();
