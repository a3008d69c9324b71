/**
 * Runs tests/fixtures/exit_script.ts in a child process of the same runtime
 * and reports how it ended.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { context, readEnv, runtime } from "./_util.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** How the child ended. */
export interface ChildResult {
  /** Exit code, or null when killed. */
  code: number | null;
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
  const script = new URL("./fixtures/exit_script.ts", import.meta.url);
  const path = decodeURIComponent(script.pathname);
  const exec: string = runtime === "deno"
    ? g.Deno.execPath()
    : g.process.execPath;
  const args = runtime === "deno" ? ["run", "-A", path] : [path];
  const env: Record<string, string> = { ...g.process.env };
  env.XPOOL_EXIT_MODE = mode;
  if (context !== undefined) env.XPOOL_TEST_CONTEXT = context;
  else delete env.XPOOL_TEST_CONTEXT;
  // Keep the child's own noise down; it is not part of the result.
  env.NO_COLOR = readEnv("NO_COLOR") ?? "1";
  return new Promise((resolve, reject) => {
    const child = spawn(exec, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (chunk: unknown) => (stdout += String(chunk)));
    child.stderr.on("data", (chunk: unknown) => (stderr += String(chunk)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, seconds * 1000);
    child.on("error", (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code: number | null) => {
      clearTimeout(timer);
      resolve({ code, timedOut, stdout, stderr });
    });
  });
}
