/**
 * The functional tests' cluster: one nats-server (temp store, free port)
 * and worker hosts started in this process with `serveWorkers`, all stopped
 * at the end, pass or fail (each step bounded).
 *
 * @module
 */

import { Pool, type PoolOptions } from "../../mod.ts";
import {
  natsCluster,
  type NatsClusterOptions,
  serveWorkers,
  type ServeWorkersOptions,
  type WorkerHost,
} from "../../src/cluster/mod.ts";
import { bounded, Stage } from "./_cluster.ts";
import { type NatsServer, startNats } from "./_nats.ts";

export { noNatsServer } from "./_nats.ts";
export {
  bounded,
  incTask,
  napTask,
  recordTask,
  runLog,
  untilFileTask,
} from "./_cluster.ts";

/** What a test gets: the server, its hosts, and a way to make pools. */
export interface Cluster {
  /** The server. */
  readonly server: NatsServer;
  /** Its URL. */
  readonly url: string;
  /** Hosts started so far. */
  readonly hosts: WorkerHost[];
  /** Starts a host in this process (stopped at the end). */
  host(options?: Partial<ServeWorkersOptions>): Promise<WorkerHost>;
  /** A pool on `natsCluster` (terminated at the end). */
  pool(
    options?: Partial<NatsClusterOptions>,
    poolOptions?: Omit<PoolOptions, "context">,
  ): Pool;
}

/**
 * Runs `fn` with a fresh server and, unless `hosts` is 0, one host
 * (`fn-a`, 2 threads, allowSource); stops everything afterwards.
 */
export async function withCluster(
  fn: (cluster: Cluster) => Promise<void>,
  hosts = 1,
): Promise<void> {
  const stage = new Stage();
  await stage.run(async () => {
    const server = await startNats();
    stage.watch("nats-server", server);
    stage.defer(() => server.close());
    const list: WorkerHost[] = [];
    const cluster: Cluster = {
      server,
      url: server.url,
      hosts: list,
      async host(options = {}) {
        const host = await bounded(
          serveWorkers({
            servers: server.url,
            name: `fn-${String.fromCharCode(97 + list.length)}`,
            processes: 2,
            allowSource: true,
            ...options,
          }),
          30,
          "serveWorkers()",
        );
        list.push(host);
        stage.defer(() => bounded(host.close(), 20, `${host.name}.close()`));
        return host;
      },
      pool(options = {}, poolOptions = {}) {
        const pool = new Pool({
          ...poolOptions,
          context: natsCluster({ servers: server.url, ...options }),
        });
        stage.defer(() => bounded(pool.terminate(), 20, "pool.terminate()"));
        return pool;
      },
    };
    for (let i = 0; i < hosts; i++) await cluster.host();
    await fn(cluster);
  });
}
