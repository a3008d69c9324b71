/**
 * `serveWorkers`: the options of a worker host, their checks, and the start.
 *
 * @module
 */

import { selectAdapter } from "../adapters/_select.ts";
import { builtin } from "../adapters/_env.ts";
import { cpuCount } from "../cpu_count.ts";
import type { Context } from "../types.ts";
import { Host } from "./_host.ts";
import { applyHostLimits, openQueue } from "./_queue.ts";
import {
  integerOption,
  type NatsConnectionOptions,
  type QueueOptions,
  settings,
} from "./_settings.ts";

/** Options of {@linkcode serveWorkers}. */
export interface ServeWorkersOptions
  extends NatsConnectionOptions, QueueOptions {
  /** Tasks run at once, one per local worker thread (default `cpuCount()`). */
  processes?: number;
  /**
   * Run task functions sent as source text: any client the server lets
   * publish tasks can then run any code on this host. Default `false`:
   * only `moduleTask` functions (imported by URL) run.
   */
  allowSource?: boolean;
  /** The host's name in worker names (`"<name>/PoolWorker-3"`); default the hostname. */
  name?: string;
  /** The local workers: `"web"`, `"bun"` or `"node"` (default: the runtime's). */
  context?: Context;
}

/** A running host (see {@linkcode serveWorkers}). */
export interface WorkerHost {
  /** Its name, as worker names start. */
  readonly name: string;
  /** Tasks it runs at once (its local worker threads). */
  readonly processes: number;
  /**
   * Drains: stops pulling tasks, finishes the running ones and sends their
   * results, stops the local workers and disconnects.
   */
  close(): Promise<void>;
  /** Resolves once closed; rejects if the connection ended for good first. */
  readonly closed: Promise<void>;
}

/**
 * Starts a worker host: connects to the NATS servers, makes sure the work
 * queue exists, and runs the tasks of every pool on the queue, `processes`
 * at a time, in local worker threads. Rejects when it cannot connect (the
 * error says which servers and what they answered).
 *
 * @example Usage (with `nats-server -js` running)
 * ```ts ignore
 * import { serveWorkers } from "@x/pool/cluster";
 *
 * const host = await serveWorkers({
 *   servers: "nats://127.0.0.1:4222",
 *   processes: 4,
 *   name: "host-a",
 * });
 * // ... tasks of every pool on the queue run here ...
 * await host.close();
 * ```
 *
 * @param options Servers, connection options, and what the host runs.
 * @returns The running host.
 */
export async function serveWorkers(
  options: ServeWorkersOptions,
): Promise<WorkerHost> {
  const what = "start serveWorkers()";
  const s = settings(what, options);
  const processes = integerOption(
    what,
    "processes",
    options.processes,
    cpuCount(),
    1024,
  );
  const name = options.name ??
    builtin<{ hostname(): string }>("node:os")?.hostname() ?? "host";
  if (typeof name !== "string" || name === "" || /[\s.*>/]/.test(name)) {
    throw new TypeError(
      `Cannot ${what} as 'name' must be a non-empty string without spaces, '.', '*', '>' or '/': received ${
        JSON.stringify(name)
      }`,
    );
  }
  s.connection.name ??= `@x/pool host ${name}`;
  const allowSource = options.allowSource ?? false;
  if (typeof allowSource !== "boolean") {
    // "false" or "0" from an environment variable must not open the host.
    throw new TypeError(
      `Cannot ${what} as 'allowSource' must be true or false: received ${
        typeof allowSource === "string"
          ? JSON.stringify(allowSource)
          : String(allowSource)
      }`,
    );
  }
  const adapter = selectAdapter(options.context, what);
  if (adapter instanceof Promise) throw new Error("unreachable");
  let queue = await openQueue(s);
  try {
    queue = await applyHostLimits(queue, s, {
      ackWait: options.ackWait !== undefined,
      maxDeliver: options.maxDeliver !== undefined,
    });
  } catch (error) {
    await queue.nc.close().catch(() => {});
    throw error;
  }
  const host = new Host(s, queue, name, processes, allowSource);
  host.adapter = adapter;
  try {
    await host.start();
  } catch (error) {
    await queue.nc.close().catch(() => {});
    throw error;
  }
  return host;
}
