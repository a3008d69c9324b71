// The raw floor: native workers driven by hand. Node: node:worker_threads;
// Deno and Bun: the global Web Worker. One postMessage per task, pipelined,
// round-robin over the workers; replies are `[id, value]`.
import process from "node:process";
import { Worker as WtWorker } from "node:worker_threads";
import { defaultChunksize, workerUrl } from "./_util.mjs";
import { TASK_NAMES } from "../workers/tasks.mjs";

const useWeb = typeof globalThis.Worker === "function" && !process.env.RAW_WT;

function spawn(onReply) {
  if (useWeb) {
    const w = new globalThis.Worker(workerUrl("raw_worker.mjs?web"), {
      type: "module",
    });
    w.onmessage = (e) => onReply(e.data);
    return { post: (m) => w.postMessage(m), end: () => w.terminate() };
  }
  const w = new WtWorker(workerUrl("raw_worker.mjs"));
  w.on("message", onReply);
  return { post: (m) => w.postMessage(m), end: () => w.terminate() };
}

export function start(n) {
  const h = { n, next: 0, rr: 0, pending: new Map(), sink: null, workers: [] };
  const onReply = (d) => {
    if (h.sink) return h.sink(d);
    const r = h.pending.get(d[0]);
    h.pending.delete(d[0]);
    r(d[1]);
  };
  for (let i = 0; i < n; i++) h.workers.push(spawn(onReply));
  return h;
}

/** One task with its own promise (used for warm-up, startup and round trips). */
export function submit(h, task, arg) {
  const id = h.next++;
  return new Promise((resolve) => {
    h.pending.set(id, resolve);
    h.workers[h.rr++ % h.n].post([id, TASK_NAMES.indexOf(task), arg]);
  });
}
export const apply = submit;

/** The floor for N tiny tasks: a plain loop, results stored by id. */
export function tiny(h, count) {
  const out = new Array(count);
  let done = 0;
  return new Promise((resolve) => {
    h.sink = (d) => {
      out[d[0]] = d[1];
      if (++done === count) {
        h.sink = null;
        resolve(out);
      }
    };
    const ws = h.workers, n = h.n;
    for (let i = 0; i < count; i++) ws[i % n].post([i, 0, i]);
  });
}

/** The hand-chunked map: Python-default chunks, one message each. */
export function map(h, arr, chunksize) {
  const cs = chunksize ?? defaultChunksize(arr.length, h.n);
  const nChunks = Math.ceil(arr.length / cs);
  const parts = new Array(nChunks);
  let done = 0;
  return new Promise((resolve) => {
    h.sink = (d) => {
      parts[d[0]] = d[1];
      if (++done === nChunks) {
        h.sink = null;
        resolve(parts.flat());
      }
    };
    for (let c = 0; c < nChunks; c++) {
      h.workers[c % h.n].post([c, 3, arr.slice(c * cs, (c + 1) * cs)]);
    }
  });
}

export async function close(h) {
  await Promise.all(h.workers.map((w) => w.end()));
}
