/**
 * The same Pool on many machines: a NATS JetStream work queue between a
 * pool and the hosts that run its tasks. {@linkcode natsCluster} is the
 * pool's `context`; {@linkcode serveWorkers} (or the `cli.ts` command) runs
 * a host. At-least-once underneath, exactly once for the caller.
 *
 * @example A host and a pool (with `nats-server -js` running)
 * ```ts ignore
 * import { Pool } from "@x/pool";
 * import { natsCluster, serveWorkers } from "@x/pool/cluster";
 *
 * const host = await serveWorkers({
 *   servers: "nats://127.0.0.1:4222",
 *   allowSource: true,
 * });
 * {
 *   await using pool = new Pool({
 *     context: natsCluster({ servers: "nats://127.0.0.1:4222" }),
 *   });
 *   console.log(await pool.map((x: number) => x + 1, [1, 2, 3])); // [2, 3, 4]
 * }
 * await host.close();
 * ```
 *
 * @module
 */

export { natsCluster, type NatsClusterOptions } from "./_caller.ts";
export type {
  NatsConnectionOptions,
  NatsTlsOptions,
  QueueOptions,
} from "./_settings.ts";
export {
  serveWorkers,
  type ServeWorkersOptions,
  type WorkerHost,
} from "./_serve.ts";
