// Twin of seeds/003_30b1cf530a5008b8.txt "进程池 Pool", heading "进程池 Pool() 和 map()":
// multicore() maps job over range(10) with the default pool size.
//
// Run:
//   deno run -A examples/map_squares.ts
//   bun examples/map_squares.ts
//   node examples/map_squares.ts        (Node >= 22.18)
//
// Prints [0, 1, 4, 9, 16, 25, 36, 49, 64, 81].
//
// Python needs `if __name__ == '__main__':` because every worker process
// imports the main module. Here a worker gets only the function's source, so
// this module never runs in a worker and needs no guard.

import { Pool } from "../mod.ts";

function job(x: number) {
  return x * x;
}

async function multicore() {
  const pool = new Pool(); // as many workers as cpuCount()
  const res = await pool.map(job, [...Array(10).keys()]); // range(10)
  console.log(`[${res.join(", ")}]`); // Python's list format
  pool.close();
  await pool.join();
}

await multicore();
