/**
 * An idle cluster pool does not keep the process alive (issue 13): a
 * script that forgets close() exits once its results are in, on every
 * runtime, and a pool used again after being idle still works.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { bounded } from "./_cluster.ts";
import { HOST_RUNTIMES, noRuntime, ROOT, runtimePath } from "./_hosts.ts";
import { startProc } from "./_proc.ts";
import { noNatsServer, withCluster } from "./_setup.ts";

const SCRIPT = fileURLToPath(
  new URL("./fixtures/no_close.ts", import.meta.url),
);

test(
  "a script that never closes its cluster pool exits by itself",
  { timeout: 120_000, skip: noNatsServer },
  async () => {
    await withCluster(async (c) => {
      for (const runtime of HOST_RUNTIMES) {
        if (noRuntime(runtime)) continue;
        const exe = runtimePath(runtime)!;
        const args = runtime === "deno"
          ? ["run", "-A", SCRIPT, c.url]
          : [SCRIPT, c.url];
        const proc = startProc(exe, args, { label: runtime, cwd: ROOT });
        try {
          const exit = await bounded(proc.exited, 30, `the ${runtime} script`);
          assert.equal(
            proc.stdout().trim().split("\n").join(" "),
            "25 [ 2, 3 ]",
            proc.output(),
          );
          assert.equal(exit.code, 0, proc.output());
        } finally {
          if (proc.running) await proc.stop(5);
        }
      }
    });
  },
);
