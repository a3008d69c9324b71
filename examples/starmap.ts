// starmap, as described in seeds/001_c8fa87b9ea4538c7.txt "Python使用进程池管理进程" ("starmap ...
// 要求 iterable 的元素也是 iterable 对象,程序会将每一个元素解包之后作为 func
// 函数的参数"): each item is an argument list, spread into the call.
//
// Run:
//   deno run -A examples/starmap.ts
//   bun examples/starmap.ts
//   node examples/starmap.ts        (Node >= 22.18)
//
// Prints [8, 9, 100] (2**3, 3**2, 10**2), which map() could not do since it
// passes one argument per item.

import { Pool } from "../mod.ts";

function power(base: number, exponent: number) {
  return base ** exponent;
}

const pool = new Pool(2);
const res = await pool.starmap(power, [[2, 3], [3, 2], [10, 2]]);
console.log(`[${res.join(", ")}]`);
pool.close();
await pool.join();
