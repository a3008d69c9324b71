import { Piscina } from "piscina";
import { chunkedMap, workerUrl } from "./_util.mjs";

export function start(n) {
  return {
    n,
    pool: new Piscina({
      filename: workerUrl("piscina_worker.mjs").href,
      minThreads: n,
      maxThreads: n,
    }),
  };
}
export function submit(h, task, arg) {
  return h.pool.run(arg, { name: task });
}
export const apply = submit;
export function map(h, arr, chunksize) {
  return chunkedMap(
    (c) => h.pool.run(c, { name: "mapChunk" }),
    arr,
    h.n,
    chunksize,
  );
}
export async function close(h) {
  await h.pool.destroy();
}
