/**
 * Child processes for the cluster tests (NATS servers, worker hosts): spawn
 * with captured output, wait for a line, stop with a bound (SIGTERM, then
 * SIGKILL), kill -9. Every process started here is registered and killed
 * when the test process exits, whatever happened; tests also stop them in
 * `finally` (Deno never runs `t.after`).
 *
 * Runs unchanged under deno test, bun test and node --test (node:
 * child_process only).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import process from "node:process";

/** How a process ended. */
export interface Exit {
  /** Exit code, or null when ended by a signal. */
  code: number | null;
  /** The signal that ended it, or null. */
  signal: string | null;
}

/** A signal {@linkcode Proc.stop} may send first. */
export type StopSignal = "SIGTERM" | "SIGINT" | "SIGKILL";

/** A running (or ended) child process with its output. */
export interface Proc {
  /** A label for messages (e.g. "nats-server :4222", "host-a (bun)"). */
  readonly label: string;
  /** Its process id. */
  readonly pid: number;
  /** The command line, for reports. */
  readonly command: string;
  /** Whether it has not exited yet. */
  readonly running: boolean;
  /** Settles when it has exited and its pipes are closed. */
  readonly exited: Promise<Exit>;
  /** Its stdout so far. */
  stdout(): string;
  /** Its stderr so far. */
  stderr(): string;
  /** Both streams so far, each line prefixed with the label. */
  output(): string;
  /**
   * Resolves with the first match of `pattern` in stdout+stderr (from the
   * start); rejects, with the output's tail, when the process exits first or
   * `seconds` pass.
   */
  waitFor(pattern: RegExp, seconds: number): Promise<RegExpExecArray>;
  /** Sends `signal` (default SIGTERM), then SIGKILL after `seconds`; resolves on exit. */
  stop(seconds?: number, signal?: StopSignal): Promise<Exit>;
  /** kill -9; resolves on exit. */
  kill(): Promise<Exit>;
}

const live = new Set<Proc>();
const dirs = new Set<string>();

/**
 * Removes `dir` (recursively) when the test process exits, if it is still
 * there: the last resort for a temp directory whose test never reached its
 * cleanup. {@linkcode forgetDir} once the test removed it itself.
 */
export function removeAtExit(dir: string): void {
  hookExit();
  dirs.add(dir);
}

/** The test removed `dir` itself. */
export function forgetDir(dir: string): void {
  dirs.delete(dir);
}

let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // Last resort when a test forgot (or could not) stop a process: the test
  // runner's exit kills what is left. Synchronous: "exit" allows no await.
  process.on("exit", () => {
    for (const p of live) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const dir of dirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // leave it
      }
    }
  });
}

/** Processes started by this module that have not exited. */
export function liveProcs(): Proc[] {
  return [...live];
}

/** Stops every process still running (SIGTERM, SIGKILL after `seconds`). */
export async function stopAll(seconds = 5): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(seconds)));
}

/** Last `n` lines of `text`. */
export function tail(text: string, n = 30): string {
  return text.trimEnd().split("\n").slice(-n).join("\n");
}

/** Options of {@linkcode startProc}. */
export interface ProcOptions {
  /** Label for messages; default the command's base name. */
  label?: string;
  /** Environment (merged over this process's); NO_COLOR=1 is always set. */
  env?: Record<string, string | undefined>;
  /** Working directory. */
  cwd?: string;
}

/** Starts `cmd args` with piped output (not detached: it dies with our process group). */
export function startProc(
  cmd: string,
  args: string[],
  options: ProcOptions = {},
): Proc {
  hookExit();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) {
    if (typeof v === "string") env[k] = v;
  }
  env.NO_COLOR = "1";
  delete env.FORCE_COLOR;
  const child: ChildProcess = spawn(cmd, args, {
    cwd: options.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const label = options.label ?? cmd.split("/").pop()!;
  let out = "";
  let err = "";
  let merged = "";
  let running = true;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const f of [...listeners]) f();
  };
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (s: string) => {
    out += s;
    merged += s;
    notify();
  });
  child.stderr!.on("data", (s: string) => {
    err += s;
    merged += s;
    notify();
  });
  let spawnError: Error | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.on("error", (e) => {
      spawnError = e;
      merged += `\n[${label}] cannot start ${cmd}: ${e.message}\n`;
      if (child.pid === undefined) {
        running = false;
        live.delete(proc);
        notify();
        resolve({ code: null, signal: null });
      }
    });
    child.on("close", (code, signal) => {
      running = false;
      live.delete(proc);
      notify();
      resolve({ code, signal });
    });
  });
  const proc: Proc = {
    label,
    pid: child.pid ?? -1,
    command: [cmd, ...args].join(" "),
    get running() {
      return running;
    },
    exited,
    stdout: () => out,
    stderr: () => err,
    output: () =>
      merged.split("\n").map((l) => l === "" ? l : `[${label}] ${l}`).join(
        "\n",
      ),
    waitFor(pattern, seconds) {
      return new Promise((resolve, reject) => {
        const done = () => {
          listeners.delete(check);
          clearTimeout(timer);
        };
        const check = () => {
          pattern.lastIndex = 0;
          const m = pattern.exec(merged);
          if (m) {
            done();
            resolve(m);
          } else if (!running) {
            done();
            reject(
              new Error(
                `${label} exited before printing ${pattern}${
                  spawnError ? ` (${spawnError.message})` : ""
                }:\n${tail(proc.output())}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(
              `${label} did not print ${pattern} within ${seconds}s:\n${
                tail(proc.output())
              }`,
            ),
          );
        }, seconds * 1000);
        listeners.add(check);
        check();
      });
    },
    async stop(seconds = 5, signal: StopSignal = "SIGTERM") {
      if (!running) return await exited;
      try {
        child.kill(signal);
      } catch {
        // gone meanwhile
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const hard = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch {
            // gone meanwhile
          }
          resolve();
        }, seconds * 1000);
      });
      await Promise.race([exited, hard]);
      clearTimeout(timer);
      return await exited;
    },
    async kill() {
      if (!running) return await exited;
      try {
        child.kill("SIGKILL");
      } catch {
        // gone meanwhile
      }
      return await exited;
    },
  };
  if (child.pid !== undefined) live.add(proc);
  return proc;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
