// moduleTask: a task whose code lives in a module the worker imports (the
// counterpart of Python pickling a function by reference). Use it when the
// task needs imports, module state or closures.
//
// Run:
//   deno run -A examples/module_task.ts
//   bun examples/module_task.ts
//   node examples/module_task.ts        (Node >= 22.18)
//
// Prints one line per text: the first 16 hex digits of the SHA-256 of the
// normalized text (tasks/hash.ts imports node:crypto and tasks/normalize.ts),
// the worker that hashed it and how many texts that worker had hashed so far;
// then "same digest: true" for two texts that normalize alike, computed with
// the module's default export.

import { moduleTask, Pool } from "../mod.ts";

const sha256 = moduleTask<typeof import("./tasks/hash.ts").sha256>(
  new URL("./tasks/hash.ts", import.meta.url),
  "sha256",
);
const digest = moduleTask<typeof import("./tasks/hash.ts").default>(
  new URL("./tasks/hash.ts", import.meta.url),
); // export "default"

const texts = [
  "hello world",
  "Pool",
  "multiprocessing",
  "进程池",
  "map",
  "imap",
];
const pool = new Pool(2);
for (const r of await pool.map(sha256, texts, 1)) {
  console.log(
    `${r.digest.slice(0, 16)}  ${r.text.padEnd(16)} ${r.worker} (#${r.nth})`,
  );
}
const [a, b] = await pool.map(digest, ["  Hello   World ", "hello world"]);
console.log("same digest:", a === b);
pool.close();
await pool.join();
