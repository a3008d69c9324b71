// This module is browser compatible.
/**
 * The worker side of `@x/pool` as a function: {@linkcode serveWorker} runs
 * the worker loop over any {@linkcode WorkerChannel}. The built-in workers
 * call it over their `parentPort` or `self`; a custom adapter's worker (in
 * another process, on another machine) calls it over its own transport.
 *
 * @module
 */

import type { TransferListItem } from "../core/adapter.ts";
import { WorkerLoop } from "./_loop.ts";

export type { TransferListItem };

/**
 * The worker's end of its link to the pool: what {@linkcode serveWorker}
 * needs from a transport. Messages must arrive in the order posted, each
 * once, both ways.
 *
 * @example A channel over a `MessagePort`
 * ```ts
 * import type { WorkerChannel } from "@x/pool/worker";
 *
 * const { port1, port2 } = new MessageChannel();
 * const channel: WorkerChannel = {
 *   post: (message, transfer) => port2.postMessage(message, transfer ?? []),
 *   listen: (handler) => {
 *     port2.onmessage = (event) => handler(event.data);
 *   },
 * };
 * channel.post("hello");
 * port1.close();
 * port2.close();
 * ```
 */
export interface WorkerChannel {
  /**
   * Posts a message to the pool. Must throw (synchronously) when a value
   * cannot be carried, as `postMessage` throws a `DataCloneError`: the loop
   * then sends the results one by one and reports the ones that fail.
   */
  post(message: unknown, transfer?: TransferListItem[]): void;
  /** Registers the handler of every message from the pool (called once). */
  listen(handler: (data: unknown) => void): void;
  /**
   * Optional: registers `report`, which the transport calls just before the
   * worker dies (an uncaught error, or an exit with `code`): the loop then
   * posts the results it has and a `fatal` message, so that the pool knows
   * what the worker finished and why it is gone.
   */
  onFatal?(report: (error: unknown, code?: number) => void): void;
  /**
   * Optional: registers `report`, which the transport calls when a message
   * from the pool could not be read here (a `messageerror` event). Its
   * tasks are lost: the loop stops taking tasks and posts a `fatal` message
   * naming where they were, so that the pool rejects them instead of
   * sending them again.
   */
  onUnreadable?(report: (error: unknown) => void): void;
}

/**
 * Runs the worker loop over `channel`: waits for the pool's `init`, runs
 * the initializer, then runs the tasks the pool sends, in order, and posts
 * their results. Returns at once; the loop lives as long as the channel
 * delivers messages. Each call has its own state, so several loops may
 * serve in one thread (each sets `currentProcess()` while it runs).
 *
 * @param channel The worker's end of its link to the pool.
 * @throws {TypeError} If `channel` lacks a `post` or `listen` function.
 *
 * @example Serving a pool over a `MessagePort`
 * ```ts
 * import { serveWorker } from "@x/pool/worker";
 *
 * const { port1, port2 } = new MessageChannel();
 * serveWorker({
 *   post: (message, transfer) => port2.postMessage(message, transfer ?? []),
 *   listen: (handler) => {
 *     port2.onmessage = (event) => handler(event.data);
 *   },
 * });
 * // The pool's side (an adapter's WorkerHandle) talks through port1.
 * const ready = new Promise((resolve) => {
 *   port1.onmessage = (event) => resolve(event.data);
 * });
 * port1.postMessage({ type: "init", id: 1, name: "PoolWorker-1", initargs: [] });
 * console.log(await ready); // { type: "ready" }
 * port1.close();
 * port2.close();
 * ```
 */
export function serveWorker(channel: WorkerChannel): void {
  const c = channel as Partial<Record<keyof WorkerChannel, unknown>> | null;
  const wrong = c === null || typeof c !== "object"
    ? `received ${c === null ? "null" : typeof c}`
    : typeof c.post !== "function"
    ? `its post is ${typeof c.post}`
    : typeof c.listen !== "function"
    ? `its listen is ${typeof c.listen}`
    : c.onFatal !== undefined && typeof c.onFatal !== "function"
    ? `its onFatal is ${typeof c.onFatal}`
    : undefined;
  if (wrong !== undefined) {
    throw new TypeError(
      `serveWorker(channel) takes a WorkerChannel { post(message, transfer), listen(handler), onFatal?(report) }: ${wrong}`,
    );
  }
  new WorkerLoop(channel);
}
