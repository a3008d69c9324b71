/**
 * Runs a script of tests/fixtures/ in a child process of the same runtime
 * (and the suite's context) and reports how it ended.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { context, isCustom, readEnv, runtime } from "./_util.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** How the child ended. */
export interface ChildResult {
  /** Exit code, or null when killed. */
  code: number | null;
  /** The signal that ended the child, or null. */
  signal: string | null;
  /** Whether the child was killed for running past the time limit. */
  timedOut: boolean;
  /** Its stdout. */
  stdout: string;
  /** Its stderr. */
  stderr: string;
}

/** Runs exit_script.ts with XPOOL_EXIT_MODE=`mode`, killing it after `seconds`. */
export function runExitScript(
  mode: string,
  seconds: number,
): Promise<ChildResult> {
  return runFixture("exit_script.ts", { XPOOL_EXIT_MODE: mode }, seconds);
}

/** How to run a fixture script. */
export interface FixtureOptions {
  /**
   * Send the child's stdout and stderr into one pipe whose reader waits
   * this many seconds before reading (as `script 2>&1 | (sleep 1; cat)`):
   * the pipe fills up while the child writes. `stdout` then holds both
   * streams and ends with a line `child exit <code>` (137 when killed for
   * time). Needs `sh` and coreutils' `timeout`.
   */
  pausedPipeSeconds?: number;
  /**
   * Bound the child's V8 heap to this many MB: Deno `--v8-flags=
   * --max-old-space-size`, Node `--max-old-space-size` (both bound every
   * isolate, workers too), with a young generation of a few MB (V8's
   * default of up to 192 MB let a fast-growing heap outrun Node's worker
   * limit and abort the process: seen in CI). Bun (JavaScriptCore) has no such bound: see
   * `addressSpaceMb`.
   */
  heapMb?: number;
  /**
   * Bound the child's virtual memory to this many MB (`ulimit -v`, through
   * `sh`): the only bound Bun obeys. Needs `sh`.
   */
  addressSpaceMb?: number;
}

/**
 * Runs tests/fixtures/`name` with extra environment `vars`, killing it after
 * `seconds`.
 */
export function runFixture(
  name: string,
  vars: Record<string, string>,
  seconds: number,
  options: FixtureOptions = {},
): Promise<ChildResult> {
  const script = new URL(`./fixtures/${name}`, import.meta.url);
  const path = decodeURIComponent(script.pathname);
  const exec: string = runtime === "deno"
    ? g.Deno.execPath()
    : g.process.execPath;
  const heap = options.heapMb === undefined ? [] : runtime === "deno"
    ? [
      `--v8-flags=--max-old-space-size=${options.heapMb},--max-semi-space-size=2`,
    ]
    : runtime === "node"
    ? [`--max-old-space-size=${options.heapMb}`, "--max-semi-space-size=2"]
    : [];
  const args = runtime === "deno"
    ? ["run", "-A", ...heap, path]
    : [...heap, path];
  const env: Record<string, string> = { ...g.process.env, ...vars };
  if (isCustom) env.XPOOL_TEST_CONTEXT = "custom";
  else if (context !== undefined) env.XPOOL_TEST_CONTEXT = context;
  else delete env.XPOOL_TEST_CONTEXT;
  // Keep the child's own noise down; it is not part of the result.
  env.NO_COLOR = readEnv("NO_COLOR") ?? "1";
  let command = exec;
  let argv = args;
  const prefix = options.addressSpaceMb === undefined
    ? ""
    : 'ulimit -v "$XPOOL_ULIMIT_KB" && ';
  if (options.addressSpaceMb !== undefined) {
    env.XPOOL_ULIMIT_KB = String(options.addressSpaceMb * 1024);
  }
  if (options.pausedPipeSeconds !== undefined) {
    env.XPOOL_PIPE_PAUSE = String(options.pausedPipeSeconds);
    env.XPOOL_PIPE_LIMIT = String(seconds);
    command = "sh";
    argv = [
      "-c",
      prefix +
      '{ timeout -s KILL "$XPOOL_PIPE_LIMIT" "$@"; echo "child exit $?"; } 2>&1 | { sleep "$XPOOL_PIPE_PAUSE"; cat; }',
      "sh",
      exec,
      ...args,
    ];
  } else if (options.addressSpaceMb !== undefined) {
    command = "sh";
    argv = ["-c", prefix + 'exec "$@"', "sh", exec, ...args];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: unknown) => (stdout += String(chunk)));
    child.stderr.on("data", (chunk: unknown) => (stderr += String(chunk)));
    // Through the pipe, `timeout` bounds the child; this is the backstop.
    const limit = seconds + (options.pausedPipeSeconds === undefined ? 0 : 5);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, limit * 1000);
    child.on("error", (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      resolve({ code, signal: signal ?? null, timedOut, stdout, stderr });
    });
  });
}
