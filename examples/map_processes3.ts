// Twin of seeds/003_30b1cf530a5008b8.txt "进程池 Pool", heading "自定义核数量" (choosing the number
// of workers): the same map as map_squares.ts on `Pool(processes=3)`.
//
// Run:
//   deno run -A examples/map_processes3.ts
//   bun examples/map_processes3.ts
//   node examples/map_processes3.ts        (Node >= 22.18)
//
// Prints [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]. The default size is cpuCount();
// `new Pool(3)` works as well as `new Pool({ processes: 3 })`.

import { Pool } from "../mod.ts";

function job(x: number) {
  return x * x;
}

async function multicore() {
  const pool = new Pool({ processes: 3 }); // 3 workers
  const res = await pool.map(job, [...Array(10).keys()]);
  console.log(`[${res.join(", ")}]`);
  pool.close();
  await pool.join();
}

await multicore();
