// Twin of seeds/002_7caf099faab2905e.txt "Python Multiprocessing", example of "3. map(func, iterable)":
// workers print each item, the main side prints the returned list.
//
// Run:
//   deno run -A examples/map_print_return.ts
//   bun examples/map_print_return.ts
//   node examples/map_print_return.ts        (Node >= 22.18)
//
// Prints 1..100 from the workers (roughly in order, chunk by chunk), then
// "主进程中map的返回值 [1, 2, ..., 100]" (the list is in input order).

import { Pool } from "../mod.ts";

function func(num: number) {
  num += 1;
  console.log(num);
  return num;
}

const p = new Pool(5);
const res = await p.map(func, [...Array(100).keys()]); // [i for i in range(100)]
// The seed claims map() closes and joins the pool by itself: it does not,
// neither in Python nor here. map() only waits for the results; Python tidies
// the pool up at exit, but in JavaScript live workers keep the program
// running, so close and join.
p.close();
await p.join();
console.log("主进程中map的返回值", `[${res.join(", ")}]`); // Python's list format
