/**
 * Shared pieces of the cluster fault tests: a stage that stops everything
 * it was given (pass or fail) and adds every process's output to a failure,
 * the recording task and its run log, and the cluster pool.
 *
 * @module
 */

import { deadline as bounded } from "../_util.ts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { moduleTask, Pool } from "../../mod.ts";
import { natsCluster, type NatsClusterOptions } from "../../src/cluster/mod.ts";
import type * as Tasks from "./fixtures/tasks.ts";
import { forgetDir, removeAtExit, tail } from "./_proc.ts";

const TASKS = new URL("./fixtures/tasks.ts", import.meta.url);

/** `record({ x, file, ms })` on a host: logs its run, returns `{ x, y: x*x, by }`. */
export const recordTask = moduleTask<typeof Tasks.record>(TASKS, "record");
/** `nap(ms)` on a host: returns the worker's name. */
export const napTask = moduleTask<typeof Tasks.nap>(TASKS, "nap");
/** `killHost({ x, file })` on a host: logs its start, then SIGKILLs the host. */
export const killHostTask = moduleTask<typeof Tasks.killHost>(
  TASKS,
  "killHost",
);
/** `inc(x)` on a host: x + 1. */
export const incTask = moduleTask<typeof Tasks.inc>(TASKS, "inc");
/** `untilFile({ x, file })` on a host: x, once `file` exists. */
export const untilFileTask = moduleTask<typeof Tasks.untilFile>(
  TASKS,
  "untilFile",
);

/** One line of a run log. */
export interface Run {
  /** "start" or "end". */
  phase: "start" | "end";
  /** The task's input. */
  x: number;
  /** The worker, "<host>/PoolWorker-N". */
  by: string;
  /** The host, "<host>". */
  host: string;
}

/** A temp file hosts append their runs to. */
export interface RunLog {
  /** Its path (a task argument). */
  readonly file: string;
  /** The runs so far. */
  runs(): Run[];
  /** Inputs started on `host` and not ended there (yet). */
  unfinishedOn(host: string): number[];
  /** Removes the file. */
  remove(): void;
  /** A summary for failure reports (counts and the last runs). */
  output(): string;
}

/** A new, empty run log. */
export function runLog(): RunLog {
  const dir = mkdtempSync(join(tmpdir(), "xpool-runs-"));
  removeAtExit(dir);
  const file = join(dir, "runs.log");
  const runs = (): Run[] => {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return [];
    }
    return text.split("\n").filter(Boolean).map((line) => {
      const [phase, x, by] = line.split(" ");
      return {
        phase: phase as "start" | "end",
        x: Number(x),
        by,
        host: by.split("/")[0],
      };
    });
  };
  return {
    file,
    runs,
    unfinishedOn(host) {
      const open = new Set<number>();
      for (const r of runs()) {
        if (r.host !== host) continue;
        if (r.phase === "start") open.add(r.x);
        else open.delete(r.x);
      }
      return [...open];
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
      forgetDir(dir);
    },
    output() {
      const all = runs();
      const count = (phase: string) =>
        all.filter((r) => r.phase === phase).length;
      return `${count("start")} started, ${count("end")} ended; last: ${
        all.slice(-8).map((r) => `${r.phase} ${r.x} ${r.by}`).join(", ")
      }`;
    },
  };
}

/** Server log lines left out of failure reports. */
const NOISE =
  /Error trying to connect to route|Route connection created|Duplicate Route|\[INF\] {2}|_ ___|\|_|\\__|jetstream$|-{10}/;

/** Something with output to add to a failure message. */
export interface HasOutput {
  output(): string;
}

/**
 * Cleanup in reverse order, always, each step bounded; on failure the
 * outputs of every registered process are added to the error.
 */
export class Stage {
  #steps: Array<() => unknown> = [];
  #outputs: Array<[string, HasOutput]> = [];

  /** Runs `fn` at the end (last registered, first run). */
  defer(fn: () => unknown): void {
    this.#steps.push(fn);
  }

  /** Adds `p`'s output to a failure report. */
  watch(label: string, p: HasOutput): void {
    this.#outputs.push([label, p]);
  }

  /**
   * The outputs so far (last lines of each, without the routine lines of a
   * NATS cluster reconnecting routes).
   */
  report(lines = 40): string {
    return this.#outputs.map(([label, p]) => {
      let text: string;
      try {
        text = p.output().split("\n").filter((l) => !NOISE.test(l)).join(
          "\n",
        );
      } catch (error) {
        text = `(no output: ${(error as Error)?.message})`;
      }
      return `--- ${label} ---\n${tail(text, lines)}`;
    }).join("\n");
  }

  /** Runs `fn`, then the cleanup; a failure carries the outputs. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof Error) {
        error.message += `\n${this.report()}`;
      }
      throw error;
    } finally {
      for (const step of this.#steps.reverse()) {
        try {
          await bounded(Promise.resolve().then(step), 30, "cleanup step");
        } catch (error) {
          console.error(`cleanup: ${(error as Error).message}`);
        }
      }
    }
  }
}

/** Rejects when `promise` does not settle within `seconds` (the suite's `deadline`). */
export { bounded };

/** Waits until `check()` holds, polling every 20 ms; throws after `seconds`. */
export async function until(
  check: () => boolean,
  seconds: number,
  label: string,
): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${label}: not within ${seconds}s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A Pool on `natsCluster(options)`, terminated by the stage at the end
 * (bounded).
 */
export function clusterPool(
  stage: Stage,
  options: NatsClusterOptions,
  processes?: number,
): Pool {
  const pool = new Pool({
    context: natsCluster(options),
    ...(processes === undefined ? {} : { processes }),
  });
  stage.defer(() => bounded(pool.terminate(), 20, "pool.terminate()"));
  stage.watch("pool stats", {
    output: () => JSON.stringify(pool.stats()),
  });
  return pool;
}

/** Collects an async iterable into an array (bounded by the caller). */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

/**
 * Checks results of `record` for inputs 0..n-1: each once, each correct.
 * Returns the count of results per host.
 */
export function checkResults(
  results: Tasks.Recorded[],
  n: number,
): Map<string, number> {
  const seen = new Map<number, number>();
  const perHost = new Map<string, number>();
  for (const r of results) {
    if (r.y !== r.x * r.x) {
      throw new Error(`wrong result for ${r.x}: ${JSON.stringify(r)}`);
    }
    seen.set(r.x, (seen.get(r.x) ?? 0) + 1);
    const host = r.by.split("/")[0];
    perHost.set(host, (perHost.get(host) ?? 0) + 1);
  }
  const twice = [...seen].filter(([, c]) => c > 1).map(([x]) => x);
  if (twice.length) {
    throw new Error(`results delivered more than once: ${twice.join(", ")}`);
  }
  const missing = [];
  for (let x = 0; x < n; x++) if (!seen.has(x)) missing.push(x);
  if (missing.length || results.length !== n) {
    throw new Error(
      `${results.length} results for ${n} inputs; missing ${
        missing.join(", ")
      }`,
    );
  }
  return perHost;
}

/** Args of `record` for inputs 0..n-1. */
export function recordArgs(
  n: number,
  file: string,
  ms: number,
): Tasks.RecordArgs[] {
  return Array.from({ length: n }, (_, x) => ({ x, file, ms }));
}
