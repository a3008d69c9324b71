// The raw floor's worker: one message in, one message out, nothing else.
// `?web` in the URL: a Web Worker (Deno, Bun); otherwise node:worker_threads.
import { parentPort } from "node:worker_threads";
import { TASKS } from "./tasks.mjs";

const web = import.meta.url.endsWith("?web");
const port = web ? self : parentPort;
const handle = (d) => port.postMessage([d[0], TASKS[d[1]](d[2])]);
if (web) self.onmessage = (e) => handle(e.data);
else parentPort.on("message", handle);
