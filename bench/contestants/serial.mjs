// Not a pool: runs tasks one after another on the main thread. The baseline
// for the CPU-bound workload's speedup.
import * as T from "../workers/tasks.mjs";

export function start(n) {
  return { n };
}
export function submit(_h, task, arg) {
  return Promise.resolve(T[task](arg));
}
export const apply = submit;
export function cpuAll(_h, args) {
  return args.map((a) => T.spin(a));
}
export async function close() {}
