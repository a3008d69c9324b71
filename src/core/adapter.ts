// This module is browser compatible.
/**
 * The seam between the runtime-agnostic core and the runtimes. The core
 * knows a worker only through {@linkcode WorkerAdapter} and
 * {@linkcode WorkerHandle}; every adapter (`web`, `bun`, `node`) implements
 * them in its own small file.
 *
 * @module
 */

/** Why a worker ended, normalised across runtimes. */
export interface WorkerExit {
  /** Exit code where the runtime reports one (Node `exit`, Bun `close`). */
  readonly code?: number;
  /** The error that ended the worker, where the runtime reports one. */
  readonly error?: unknown;
}

/** What a worker tells the core; the adapter calls these. */
export interface WorkerEvents {
  /** A message posted by the worker entry. */
  message(data: unknown): void;
  /**
   * The worker is gone. Called at most once per worker, for any reason:
   * exit, crash, fatal error event. Not called after `terminate()`.
   */
  exit(info: WorkerExit): void;
}

/**
 * An object `postMessage` can move to a worker instead of copying: an
 * `ArrayBuffer` above all; also a `MessagePort`, a stream or an
 * `ImageBitmap` where the runtime has them. Our own name for the DOM's
 * `Transferable` (Node's `TransferListItem`), so that the published types
 * compile without the DOM lib; the runtime checks each entry when it posts.
 *
 * @example Usage
 * ```ts
 * import { Pool, type TransferListItem } from "@x/pool";
 *
 * const pool = new Pool(1);
 * const bytes = new Uint8Array(1 << 20);
 * const moved: TransferListItem[] = [bytes.buffer]; // the buffer, not the view
 * await pool.apply((b: Uint8Array) => b.length, [bytes], { transfer: moved });
 * await pool.terminate();
 * ```
 */
export type TransferListItem = ArrayBuffer | object;

/** One running worker, wrapped. Never a foreign worker object. */
export interface WorkerHandle {
  /** Post a message; throws synchronously when a value cannot be cloned. */
  post(data: unknown, transfer?: TransferListItem[]): void;
  /** Stop the worker now, even in a busy loop where the runtime allows it. */
  terminate(): Promise<void>;
  /** Keep the process alive while this worker exists (where supported). */
  ref(): void;
  /** Let the process exit even if this worker is alive (where supported). */
  unref(): void;
}

/** Options for spawning one worker. */
export interface SpawnOptions {
  /** Worker name, such as `"PoolWorker-3"`. */
  readonly name: string;
}

/** A way of starting workers on one runtime. */
export interface WorkerAdapter {
  /** The `context` value this adapter answers to. */
  readonly name: "web" | "bun" | "node";
  /** Start a worker running the module at `url`. */
  spawn(url: URL, options: SpawnOptions, events: WorkerEvents): WorkerHandle;
}
