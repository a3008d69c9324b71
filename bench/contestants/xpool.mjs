// @x/pool, imported from the working tree (Node 24 runs ../../mod.ts by type
// stripping). Tasks are self-contained functions sent by source, the API's
// main path; XPOOL_TASKS=module switches to moduleTask() on ../workers/tasks.mjs.
// XPOOL_CONTEXT=web|bun|node picks the adapter (default: the runtime's own).
// By default Node imports the type-erased copy that build_js.mjs writes (what
// npm users get from JSR), Deno and Bun the TypeScript; XPOOL_JS=1 or 0 forces
// the copy or the TypeScript everywhere.
import process from "node:process";
const isNode = !globalThis.Deno && !globalThis.Bun;
const useJs = process.env.XPOOL_JS === "1" ||
  (process.env.XPOOL_JS !== "0" && isNode);
const { moduleTask, Pool } = useJs
  ? await import("../.xpool-js/mod.js")
  : await import("../../mod.ts");
import { workerUrl } from "./_util.mjs";

const SOURCE = {
  tiny: (x) => x + 1,
  double: (x) => x * 2,
  spin: function spin(n) {
    let x = 1;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      x ^= x >>> 7;
    }
    return x;
  },
};
const FNS = process.env.XPOOL_TASKS === "module"
  ? Object.fromEntries(
    Object.keys(SOURCE).map((k) => [k, moduleTask(workerUrl("tasks.mjs"), k)]),
  )
  : SOURCE;

export function start(n) {
  const context = process.env.XPOOL_CONTEXT;
  return {
    n,
    pool: new Pool(context ? { processes: n, context } : { processes: n }),
  };
}
export function submit(h, task, arg) {
  return h.pool.apply_async(FNS[task], [arg]);
}
export function apply(h, task, arg) {
  return h.pool.apply(FNS[task], [arg]);
}
export function map(h, arr, chunksize) {
  return h.pool.map(
    FNS.double,
    arr,
    chunksize === undefined ? undefined : { chunksize },
  );
}
export function imap(h, iterable, chunksize) {
  return h.pool.imap(FNS.tiny, iterable, { chunksize });
}
export async function close(h) {
  await h.pool.terminate();
}
