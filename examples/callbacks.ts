// Twin of seeds/002_7caf099faab2905e.txt "Python Multiprocessing", example of
// "2. p.apply_async(func, args=(), callback=None)": a callback per result.
//
// Run:
//   deno run -A examples/callbacks.ts
//   bun examples/callbacks.ts
//   node examples/callbacks.ts        (Node >= 22.18)
//
// Prints 2..11 (func adds 1 in a worker, call_back adds 1 more on the main
// side), in completion order. As in Python, the callback runs in the main
// program (the "parent process"), not in the worker, so it may use anything
// in scope. See error_callback.ts for the failure side.

import { Pool } from "../mod.ts";

function func(i: number) {
  i += 1;
  return i; // the worker's result goes back to the main side
}

function call_back(p1: number) {
  p1 += 1;
  console.log(p1);
}

const p = new Pool(); // cpuCount() workers
for (let i = 0; i < 10; i++) {
  // The worker's return value is handed to call_back.
  p.apply_async(func, [i], { callback: call_back });
}
p.close();
await p.join();
