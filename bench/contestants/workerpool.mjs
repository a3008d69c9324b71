import workerpool from "workerpool";
import { fileURLToPath } from "node:url";
import { chunkedMap, workerUrl } from "./_util.mjs";

// Node and Deno: worker_threads. Bun hangs with "thread" (and "auto"), so there
// use the global Web Worker.
const workerType = globalThis.Bun ? "web" : "thread";

export function start(n) {
  const pool = workerpool.pool(
    fileURLToPath(workerUrl("workerpool_worker.mjs")),
    {
      minWorkers: n,
      maxWorkers: n,
      workerType,
    },
  );
  return { n, pool };
}
export function submit(h, task, arg) {
  return h.pool.exec(task, [arg]);
}
export const apply = submit;
export function map(h, arr, chunksize) {
  return chunkedMap((c) => h.pool.exec("mapChunk", [c]), arr, h.n, chunksize);
}
export async function close(h) {
  await h.pool.terminate(true);
}
