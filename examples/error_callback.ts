// callback and error_callback of apply_async, as listed in seeds/001_c8fa87b9ea4538c7.txt
// "Python使用进程池管理进程" ("callback 指定 func 函数完成后的回调函数,
// error_callback 指定 func 函数出错后的回调函数"); the success side alone is the
// seeds/002_7caf099faab2905e.txt program in callbacks.ts.
//
// Run:
//   deno run -A examples/error_callback.ts
//   bun examples/error_callback.ts
//   node examples/error_callback.ts        (Node >= 22.18)
//
// Prints (in some order)
//   callback: 10 / 2 = 5
//   error_callback: RangeError: division by zero
//   callback: 9 / 3 = 3
// then the error once more from get(), which rejects after error_callback ran.

import { Pool, RemoteError } from "../mod.ts";

function divide(a: number, b: number) {
  // 1 / 0 is Infinity in JavaScript, so fail as Python's ZeroDivisionError would.
  if (b === 0) throw new RangeError("division by zero");
  return a / b;
}

const pool = new Pool(2);
const pairs: [number, number][] = [[10, 2], [1, 0], [9, 3]];
const results = pairs.map(([a, b]) =>
  pool.apply_async(divide, [a, b], {
    callback: (q: number) => console.log(`callback: ${a} / ${b} = ${q}`),
    error_callback: (e: unknown) =>
      console.log(
        `error_callback: ${(e as Error).name}: ${(e as Error).message}`,
      ),
  })
);
pool.close();
await pool.join();

try {
  await results[1].get();
} catch (error) {
  // The worker's RangeError arrives as a RemoteError named "RangeError".
  console.log(
    "get() rejected:",
    error instanceof RemoteError,
    (error as Error).name,
    (error as Error).message,
  );
}
