// This module is browser compatible.
/**
 * The worker side's check of the pool's `init`: an adapter that says
 * `sharedMemory: true` must deliver the control buffer (the work-stealing
 * gate) as an `Int32Array` over a `SharedArrayBuffer`. Over a transport
 * that copies or serialises it (JSON), the gate would fail in `Atomics` on
 * every task, or silently stop being shared; the worker says why instead.
 *
 * @module
 */

import { toRecord } from "../core/_error_record.ts";
import type { WorkerChannel } from "./serve.ts";

/** What is wrong with `init`'s control buffer, if anything. */
export function controlError(data: unknown): TypeError | undefined {
  const control = (data as { control?: unknown } | null)?.control;
  if (control === undefined) return undefined;
  const tag = Object.prototype.toString.call(control);
  const shared = tag === "[object Int32Array]" &&
    Object.prototype.toString.call((control as Int32Array).buffer) ===
      "[object SharedArrayBuffer]";
  if (shared) return undefined;
  const what = tag === "[object Int32Array]"
    ? "an Int32Array over a copied ArrayBuffer"
    : control === null
    ? "null"
    : tag.slice(8, -1);
  return new TypeError(
    `the adapter says sharedMemory: true but the control buffer arrived as ${what}, not shared: its transport cannot carry a SharedArrayBuffer; set sharedMemory: false in the adapter`,
  );
}

/**
 * `channel`, with the pool's `init` checked first ({@linkcode controlError}):
 * when it fails, the worker reports it as its last words (`fatal`) and
 * reads nothing more.
 *
 * @example
 * ```ts
 * import { checkInit } from "./_control.ts";
 *
 * const posted: unknown[] = [];
 * let deliver = (_data: unknown) => {};
 * const channel = checkInit({
 *   post: (message) => void posted.push(message),
 *   listen: (handler) => void (deliver = handler),
 * });
 * const seen: unknown[] = [];
 * channel.listen((data) => seen.push(data));
 * deliver({ type: "init", control: { 0: 0 } }); // serialised: not shared
 * if (seen.length !== 0) throw new Error();
 * if ((posted[0] as { type: string }).type !== "fatal") throw new Error();
 * ```
 */
export function checkInit(channel: WorkerChannel): WorkerChannel {
  return {
    post: (message, transfer) => channel.post(message, transfer),
    listen(handler) {
      let checked = false;
      let failed = false;
      channel.listen((data) => {
        if (failed) return;
        if (!checked && (data as { type?: unknown } | null)?.type === "init") {
          checked = true;
          const error = controlError(data);
          if (error !== undefined) {
            failed = true;
            return channel.post({
              type: "fatal",
              error: toRecord(error),
              started: 0,
            });
          }
        }
        handler(data);
      });
    },
    onFatal: channel.onFatal && ((report) => channel.onFatal!(report)),
  };
}
