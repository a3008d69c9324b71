/**
 * `natsCluster`: a {@linkcode WorkerAdapter} whose workers are slots on a
 * NATS JetStream work queue (see `_remote_slot.ts`); the slots of one
 * adapter share one connection, opened when the first slot starts and
 * closed after the last one ends (see `_epoch.ts`).
 *
 * @module
 */

import type { WorkerAdapter } from "../core/adapter.ts";
import { Epoch } from "./_epoch.ts";
import { RemoteSlot } from "./_remote_slot.ts";
import {
  HOST_ONLY,
  integerOption,
  type NatsConnectionOptions,
  type QueueOptions,
  settings,
} from "./_settings.ts";

/** Options of {@linkcode natsCluster}. */
export interface NatsClusterOptions
  extends NatsConnectionOptions, QueueOptions {
  /**
   * Slots of a pool on this context when the pool's own `processes` is
   * absent (default 16): how many tasks (chunks) the pool keeps spread
   * over the hosts, and what `map`'s default chunksize is computed from.
   * Match it to the worker threads of the hosts serving.
   */
  processes?: number;
}

/** Tasks handed to each slot at the least (see `WorkerAdapter.prefetch`). */
const SLOT_PREFETCH = 2;

/** Slots by default: a few hosts' worth of threads. */
const DEFAULT_SLOTS = 16;

/**
 * A pool `context` whose workers run on other machines: on hosts serving
 * a NATS JetStream work queue (see {@linkcode serveWorkers} and the
 * `cli.ts` command). Tasks wait in the stream until a host takes them; a
 * task whose host dies or is cut off is delivered again (to another
 * host); each result settles once, and a task delivered `maxDeliver` times
 * without a result rejects with `WorkerLostError`. Connects when the pool
 * starts its first slot and disconnects after the pool closes or is
 * terminated, or while it is idle (0.25 s without a task; the next task
 * reconnects): an idle pool does not keep the process alive. Close the
 * pool (`await using`, or `close()` + `join()`) to free the hosts at once.
 *
 * A connection that cannot be made (no server, wrong credentials) rejects
 * every task of the pool with that error, once.
 *
 * @example Usage (with a NATS server and a host running)
 * ```ts ignore
 * import { Pool } from "@x/pool";
 * import { natsCluster } from "@x/pool/cluster";
 *
 * await using pool = new Pool({
 *   context: natsCluster({ servers: "nats://127.0.0.1:4222" }),
 * });
 * console.log(await pool.map((x: number) => x * x, [1, 2, 3])); // [1, 4, 9]
 * ```
 *
 * @param options The servers, connection options and queue settings.
 * @returns A `context` for `new Pool()`.
 */
export function natsCluster(options: NatsClusterOptions): WorkerAdapter {
  const what = "create natsCluster()";
  const s = settings(what, options);
  for (const key of HOST_ONLY) {
    if ((options as Record<string, unknown>)[key] !== undefined) {
      throw new TypeError(
        `Cannot ${what} as '${key}' is an option of the hosts (serveWorkers(), the host command), not of the calling pool: give it where the hosts start`,
      );
    }
  }
  if (typeof options.name === "string") s.connection.name = options.name;
  const processes = integerOption(
    what,
    "processes",
    options.processes,
    DEFAULT_SLOTS,
    1024,
  );
  let epoch: Epoch | undefined;
  let keys = 0;
  return {
    name: "nats",
    sharedMemory: false,
    processes,
    // A slot's tasks wait in the shared stream, not on one host: one more
    // per slot there lets a host that finishes take the next at once.
    prefetch: SLOT_PREFETCH,
    // A slot's tasks run on whichever hosts take them: each result comes
    // back when it is ready, not behind a slow one posted before it.
    unordered: true,
    spawn(spawnOptions, events) {
      // A pool's first slot (or one after the last ended) connects anew.
      if (epoch === undefined || epoch.ending) epoch = new Epoch(s);
      const slot = new RemoteSlot(
        epoch,
        (++keys).toString(36),
        spawnOptions,
        events,
      );
      epoch.add(slot);
      return slot;
    },
  };
}
