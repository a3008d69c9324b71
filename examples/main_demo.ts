// A short tour of @x/pool: map, apply_async with a callback, imap_unordered
// with progress, and which worker ran what.
//
// Run:
//   deno run -A examples/main_demo.ts
//   bun examples/main_demo.ts
//   node examples/main_demo.ts        (Node >= 22.18)

import { cpuCount, currentProcess, Pool } from "../mod.ts";

console.log(`${cpuCount()} CPUs; this is ${currentProcess().name}`);

// Tasks are self-contained functions: they are sent to the workers as
// source, so they may use their arguments and globals, not outer variables.
function square(x: number) {
  return x * x;
}

const pool = new Pool(4); // Python: Pool(4)

// 1. map: results in input order.
const squares = await pool.map(square, [...Array(10).keys()]);
console.log("map(square, range(10)) ->", squares.join(", "));

// 2. apply_async: returns at once; the callback runs here, on the main side.
const sum = pool.apply_async((a: number, b: number) => a + b, [20, 22], {
  callback: (value: number) => console.log("callback got", value),
});
console.log("apply_async(...).get() ->", await sum.get());

// 3. imap_unordered: results as they finish, for a progress display.
async function work(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
  return ms;
}
const jobs = [400, 100, 300, 200, 50, 250, 150, 350];
let done = 0;
for await (const ms of pool.imap_unordered(work, jobs)) {
  done++;
  console.log(`progress ${done}/${jobs.length} (a ${ms} ms job finished)`);
}

// 4. currentProcess(): which worker ran each task.
async function whoami(i: number) {
  await new Promise((r) => setTimeout(r, 50));
  return `${i}:${currentProcess().name}`;
}
console.log((await pool.map(whoami, [...Array(8).keys()], 1)).join(" "));

// Python: pool.close(); pool.join()
pool.close();
await pool.join();
console.log("done");
