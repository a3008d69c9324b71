// Twin of seeds/003_30b1cf530a5008b8.txt "进程池 Pool", heading "用 apply_async() 输出多个结果", the
// first try: `pool.apply_async(job, (2,3,4,))`, which fails because
// apply_async runs the function once, with that one argument list.
//
// Run:
//   deno run -A examples/apply_async_too_many_args.ts
//   bun examples/apply_async_too_many_args.ts
//   node examples/apply_async_too_many_args.ts        (Node >= 22.18)
//
// Prints
//   TypeError: job() takes exactly 1 argument (3 given)
//
// A JavaScript function silently ignores extra arguments, so `job` checks
// its argument count itself to fail the way Python does. The TypeError thrown
// in the worker arrives as a RemoteError with the same name and message.

import { Pool, RemoteError } from "../mod.ts";

function job(...args: number[]) {
  if (args.length !== 1) {
    throw new TypeError(
      `job() takes exactly 1 argument (${args.length} given)`,
    );
  }
  const [x] = args;
  return x * x;
}

const pool = new Pool();
const res = pool.apply_async(job, [2, 3, 4]);
try {
  console.log(await res.get());
} catch (error) {
  if (!(error instanceof RemoteError)) throw error;
  console.log(`${error.name}: ${error.message}`);
}
pool.close();
await pool.join();
