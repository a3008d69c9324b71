// Twin of seeds/003_30b1cf530a5008b8.txt "进程池 Pool", heading "apply_async()": one apply_async
// after a map, its value fetched with get().
//
// Run:
//   deno run -A examples/apply_async_get.ts
//   bun examples/apply_async_get.ts
//   node examples/apply_async_get.ts        (Node >= 22.18)
//
// Prints
//   [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]
//   4
// `args` is an array (Python's `(2,)` tuple); get() returns a promise
// (`await res` works too: an AsyncResult is PromiseLike).

import { Pool } from "../mod.ts";

function job(x: number) {
  return x * x;
}

async function multicore() {
  const pool = new Pool();
  const res = await pool.map(job, [...Array(10).keys()]);
  console.log(`[${res.join(", ")}]`);
  const one = pool.apply_async(job, [2]);
  // get() fetches the result
  console.log(await one.get());
  pool.close();
  await pool.join();
}

await multicore();
