// map_async, as described in seeds/001_c8fa87b9ea4538c7.txt "Python使用进程池管理进程"
// ("map_async ... map() 方法的异步版本,该方法不会被阻塞"): it returns an
// AsyncResult at once; the callback gets the whole result list.
//
// Run:
//   deno run -A examples/map_async.ts
//   bun examples/map_async.ts
//   node examples/map_async.ts        (Node >= 22.18)
//
// Prints
//   submitted, ready() = false
//   callback: [0, 1, 8, 27, 64, 125]
//   get(): [0, 1, 8, 27, 64, 125]

import { Pool } from "../mod.ts";

function cube(x: number) {
  return x ** 3;
}

const pool = new Pool(2);
const result = pool.map_async(cube, [0, 1, 2, 3, 4, 5], {
  callback: (all: number[]) => console.log(`callback: [${all.join(", ")}]`),
});
console.log("submitted, ready() =", result.ready());
console.log(`get(): [${(await result.get()).join(", ")}]`);
pool.close();
await pool.join();
