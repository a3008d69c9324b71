// imap and imap_unordered, as described in seeds/001_c8fa87b9ea4538c7.txt "Python使用进程池管理进程"
// ("imap ... map() 方法的延迟版本"; "imap_unordered ... 不能保证所生成的结果
// ... 与原 iterable 中的元素顺序一致"): results one at a time, in input order
// or in completion order.
//
// Run:
//   deno run -A examples/imap.ts
//   bun examples/imap.ts
//   node examples/imap.ts        (Node >= 22.18)
//
// Prints
//   imap:           300 200 100 0
//   imap_unordered: 0 100 200 300
// The tasks sleep the given milliseconds: imap waits for the slow first item,
// imap_unordered yields whatever finishes first.

import { Pool } from "../mod.ts";

async function sleepy(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
  return ms;
}

const pool = new Pool(4);
const delays = [300, 200, 100, 0];

const ordered = [];
for await (const ms of pool.imap(sleepy, delays)) ordered.push(ms);
console.log("imap:          ", ...ordered);

const unordered = [];
for await (const ms of pool.imap_unordered(sleepy, delays)) unordered.push(ms);
console.log("imap_unordered:", ...unordered);

pool.close();
await pool.join();
