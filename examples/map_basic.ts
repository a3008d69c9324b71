// Twin of seeds/000_c999e8f896f84167.txt "【Multiprocessing系列】Pool", heading "Pool+map函数":
// map() passes one argument to the function for every item of an iterable.
//
// Run:
//   deno run -A examples/map_basic.ts
//   bun examples/map_basic.ts
//   node examples/map_basic.ts        (Node >= 22.18)
//
// Prints 1, 2 and 3 (from the workers; the order may vary).

import { Pool } from "../mod.ts";

function test(i: number) {
  console.log(i);
}

const lists = [1, 2, 3];
const pool = new Pool({ processes: 2 }); // the maximum number of workers
await pool.map(test, lists); // the second argument must be iterable
pool.close();
await pool.join();
