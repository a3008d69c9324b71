// This module is browser compatible.
/**
 * The error classes callers catch: {@linkcode TimeoutError},
 * {@linkcode RemoteError} and {@linkcode WorkerLostError}.
 *
 * @module
 */

/**
 * A wait ran out of time: `AsyncResult.get(timeout)` or
 * `IMapIterator.next(timeout)`. The task itself keeps running, as in Python.
 *
 * @example Usage
 * ```ts
 * import { Pool, TimeoutError } from "@x/pool";
 *
 * await using pool = new Pool(1);
 * const slow = pool.apply_async(() => new Promise((r) => setTimeout(r, 500)));
 * try {
 *   await slow.get(0.01);
 * } catch (error) {
 *   console.log(error instanceof TimeoutError); // true
 * }
 * ```
 */
export class TimeoutError extends Error {
  /**
   * Creates a timeout error.
   *
   * @param message What timed out.
   * @param options Standard error options (`cause`).
   */
  constructor(message = "Timed out", options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/**
 * A task threw in a worker. The error is rebuilt on the calling side: its
 * `name` and `message` are the thrown error's own (a `TypeError("bad")`
 * arrives with name `"TypeError"`), `stack` is the worker-side stack, `cause`
 * keeps what could be cloned of the original cause, and JSON-safe own
 * properties (`code`, `errno`, ...) are copied onto it. Because `name` copies
 * the remote name, test for it with `instanceof RemoteError`.
 *
 * When a non-Error value was thrown (`throw "x"`), `message` is that value
 * as text and `thrown` holds the value itself (if it could be cloned).
 *
 * @example Usage
 * ```ts
 * import { Pool, RemoteError } from "@x/pool";
 *
 * await using pool = new Pool(1);
 * try {
 *   await pool.apply(() => {
 *     throw new TypeError("bad");
 *   });
 * } catch (error) {
 *   console.log(error instanceof RemoteError, (error as Error).name); // true TypeError
 * }
 * ```
 */
export class RemoteError extends Error {
  /** The constructor name of the thrown error in the worker (e.g. `"MyError"`). */
  readonly remoteClass: string;
  /** The stack as the worker saw it. */
  readonly remoteStack: string;
  /** For a non-Error throw: the thrown value. */
  readonly thrown?: unknown;

  /**
   * Creates a remote error. Normally only the pool creates these.
   *
   * @param name The remote error's name.
   * @param message The remote error's message.
   * @param options `cause`, `stack`, `remoteClass` and `thrown`.
   */
  constructor(
    name: string,
    message: string,
    options: {
      cause?: unknown;
      stack?: string;
      remoteClass?: string;
      thrown?: unknown;
    } = {},
  ) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = name;
    this.remoteClass = options.remoteClass ?? name;
    this.remoteStack = options.stack ?? `${name}: ${message}`;
    this.stack = this.remoteStack;
    if ("thrown" in options) this.thrown = options.thrown;
  }
}

/**
 * The worker running a task died under it (it exited, crashed, ran out of
 * memory, or was killed), so the task's result will never come. The worker
 * is replaced and the pool stays usable. `cause` holds what killed the
 * worker, when the runtime reported it.
 *
 * @example Usage
 * ```ts
 * import { Pool, WorkerLostError } from "@x/pool";
 *
 * await using pool = new Pool(1);
 * try {
 *   await pool.apply(() => (globalThis as any).process.exit(3));
 * } catch (error) {
 *   console.log(error instanceof WorkerLostError); // true
 * }
 * ```
 */
export class WorkerLostError extends Error {
  /** Name of the worker that died, e.g. `"PoolWorker-2"`. */
  readonly workerName: string;
  /** Exit code, where the runtime reported one. */
  readonly exitCode?: number;

  /**
   * Creates a worker-lost error. Normally only the pool creates these.
   *
   * @param message What happened.
   * @param options `cause`, `workerName` and `exitCode`.
   */
  constructor(
    message: string,
    options: { cause?: unknown; workerName?: string; exitCode?: number } = {},
  ) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = "WorkerLostError";
    this.workerName = options.workerName ?? "";
    if (options.exitCode !== undefined) this.exitCode = options.exitCode;
  }
}

/**
 * The pool and a worker disagree about the protocol (a result for a task
 * the worker was not running, an unknown status, a malformed message either
 * way): a bug in the pool or in a custom adapter's transport, never the
 * user's task. The pool fails loudly with it, rejecting every unsettled
 * task, rather than skipping the message (which would leave a task
 * unsettled forever). Create a new pool after fixing the transport.
 *
 * @example Usage
 * ```ts
 * import { WireError } from "@x/pool";
 *
 * const error = new WireError("worker 'PoolWorker-1' sent a result for task 9");
 * console.log(error instanceof WireError, error.name); // true WireError
 * ```
 */
export class WireError extends Error {
  /**
   * Creates a protocol error. Normally only the pool creates these.
   *
   * @param message What did not match.
   */
  constructor(message: string) {
    super(`@x/pool protocol error: ${message}`);
    this.name = "WireError";
  }
}
