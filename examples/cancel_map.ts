// Cancelling a map: the twin of Python's concurrent.futures, where
//
//     with ProcessPoolExecutor(2) as ex:
//         try:
//             list(ex.map(slow, range(8), timeout=0.2))
//         except TimeoutError:
//             print("gave up")        # but `with` still waits for the running tasks
//
// Here an AbortSignal stops the map: its unstarted tasks are dropped, its
// running ones are stopped (their workers are replaced), the map rejects with
// the signal's reason, and the pool goes on with other work. (multiprocessing's
// Pool has no way to cancel at all.) See README "Stopping work".
// Any other outcome is an error: the example exits non-zero.
//
// Run:
//   deno run -A examples/cancel_map.ts
//   bun examples/cancel_map.ts
//   node examples/cancel_map.ts        (Node >= 22.18)
//
// Prints
//   slow map: rejected with TimeoutError (the signal's reason: true)
//   stopped in under 10 s: true
//   next map: 0, 1, 4, 9, 16, 25, 36, 49
//   stopped by hand: AbortError

import { Pool } from "../mod.ts";

/** A task that takes half a minute: nobody wants to wait for it. */
async function slow(x: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  return x;
}

const pool = new Pool(2);
try {
  // Give up on the whole map after 200 ms.
  const signal = AbortSignal.timeout(200);
  const started = Date.now();
  try {
    await pool.map(slow, [0, 1, 2, 3, 4, 5, 6, 7], { signal });
    console.log("slow map: finished (unexpected)");
  } catch (error) {
    if (error !== signal.reason) throw error; // anything else is a real failure
    console.log(
      `slow map: rejected with ${(error as Error).name} (the signal's reason: ${
        error === signal.reason
      })`,
    );
  }
  console.log(`stopped in under 10 s: ${Date.now() - started < 10_000}`);

  // The pool is still there, with fresh workers where tasks were stopped.
  const next = await pool.map((x: number) => x * x, [0, 1, 2, 3, 4, 5, 6, 7]);
  console.log(`next map: ${next.join(", ")}`);

  // The same by hand: an AbortController, aborted when the user clicks "cancel".
  const controller = new AbortController();
  const running = pool.map(slow, [1, 2, 3], { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  try {
    await running;
  } catch (error) {
    if (error !== controller.signal.reason) throw error;
    console.log(`stopped by hand: ${(error as Error).name}`);
  }
} finally {
  pool.close();
  await pool.join();
}
