// Twin of seeds/003_30b1cf530a5008b8.txt "进程池 Pool", heading "用 apply_async() 输出多个结果",
// the merged program ("合并代码"): map, one apply_async, then one apply_async
// per item, collected with get().
//
// Run:
//   deno run -A examples/apply_async_multi_res.ts
//   bun examples/apply_async_multi_res.ts
//   node examples/apply_async_multi_res.ts        (Node >= 22.18)
//
// Prints
//   [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]   (map)
//   4                                      (apply_async)
//   [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]   (multi_res)
// One apply_async per item gives the same list as map.

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
  // i = 0 submits once, i = 1 submits once, and so on
  const multi_res = [...Array(10).keys()].map((i) =>
    pool.apply_async(job, [i])
  );
  // take the results out one by one
  const values = [];
  for (const r of multi_res) values.push(await r.get());
  console.log(`[${values.join(", ")}]`);
  pool.close();
  await pool.join();
}

await multicore();
