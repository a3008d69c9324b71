import { FixedThreadPool } from "poolifier-web-worker";
import { chunkedMap, workerUrl } from "./_util.mjs";

export function start(n) {
  const pool = new FixedThreadPool(n, workerUrl("poolifier_web_worker.mjs"), {
    errorEventHandler: (e) => console.error(e),
  });
  return { n, pool };
}
export function submit(h, task, arg) {
  return h.pool.execute(arg, task);
}
export const apply = submit;
export function map(h, arr, chunksize) {
  return chunkedMap((c) => h.pool.execute(c, "mapChunk"), arr, h.n, chunksize);
}
export async function close(h) {
  await h.pool.destroy();
}
