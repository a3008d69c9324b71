/**
 * An app bundled and minified (esbuild, as Vite's build does) that calls
 * `currentProcess()` or `reportProgress()` inside a task, run on this
 * runtime: the worker must know the minifier's name for each. And a task that uses a module-level
 * helper (which a minifier renames too) must fail with a hint naming the
 * minifier and the fix.
 *
 * Needs the pinned esbuild of the repository (`npm ci`); the npm cells of
 * scripts/test_all.mjs point at it with XPOOL_ESBUILD.
 */

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { workerEntry } from "../mod.ts";
import { context, readEnv, runtime, T } from "./_util.ts";

const esbuild = readEnv("XPOOL_ESBUILD") ??
  fileURLToPath(new URL("../node_modules/.bin/esbuild", import.meta.url));
const hasEsbuild = existsSync(esbuild);

/** The library's entry as the app imports it (the package in npm cells). */
const entry = fileURLToPath(new URL("../mod.ts", import.meta.url));

/** The app: prints the workers' names, or the task's error, as JSON. */
const APP = `
import { currentProcess, Pool, reportProgress } from ${JSON.stringify(entry)};

function double(x) {
  return x * 2;
}

const args = globalThis.Deno?.args ?? globalThis.process.argv.slice(2);
const [which, ctx] = args;
const pool = new Pool({ processes: 2, ...(ctx ? { context: ctx } : {}) });
try {
  const seen = [];
  const value = which === "helper"
    ? await pool.map((x) => double(x), [1, 2], 1)
    : which === "progress"
    ? [await pool.apply((k) => {
      for (let i = 1; i <= k; i++) reportProgress(i);
      return k;
    }, [3], { onProgress: (v) => seen.push(v) }), seen]
    : await pool.map(() => currentProcess().name, [1, 2, 3, 4], 1);
  console.log(JSON.stringify({ ok: true, value, main: currentProcess().name }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, name: error.name, message: error.message }));
} finally {
  await pool.terminate();
}
`;

function execute(
  file: string,
  args: string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, timeout: 60_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (error as { code?: unknown }).code : 0;
        resolve({
          code: typeof code === "number" ? code : 1,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

/**
 * Bundles the app with esbuild (`flags`) into a temporary directory, runs it
 * on this runtime with `which` and returns what it printed.
 */
async function bundleAndRun(
  flags: string[],
  which: "names" | "helper" | "progress",
): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "xpool-bundle-"));
  try {
    writeFileSync(join(dir, "app.js"), APP);
    const out = join(dir, "out", "app.mjs");
    const built = await execute(esbuild, [
      join(dir, "app.js"),
      "--bundle",
      "--format=esm",
      "--platform=node",
      "--log-level=warning",
      `--outfile=${out}`,
      ...flags,
    ]);
    assert.equal(built.code, 0, `esbuild failed: ${built.stderr}`);
    // A bundler copies the worker entry next to the app (Vite does it for
    // `new Worker(new URL(...))`); esbuild does not, so copy it by hand, as
    // the README says: to `worker/bundle.js` beside the bundle, the one
    // place every context looks for it. The package ships it; from the
    // sources it is generated here, as `npm run build` does.
    const bundled = join(dir, "out", "worker", "bundle.js");
    mkdirSync(join(dir, "out", "worker"), { recursive: true });
    if (workerEntry.pathname.endsWith(".js")) {
      copyFileSync(fileURLToPath(workerEntry), bundled);
    } else {
      const script = "../scripts/bundle_worker.mjs";
      const { writeBundle } = await import(script);
      writeBundle(bundled);
    }
    const argv = runtime === "deno" ? ["run", "-A", out] : [out];
    const exec = runtime === "deno"
      ? (globalThis as { Deno?: { execPath(): string } }).Deno!.execPath()
      : process.execPath;
    const ran = await execute(exec, [...argv, which, context ?? ""], dir);
    const line = ran.stdout.trim().split("\n").pop() ?? "";
    assert.ok(
      line.startsWith("{"),
      `the app printed no result (exit ${ran.code}):\n${ran.stdout}\n${ran.stderr}`,
    );
    return JSON.parse(line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip = hasEsbuild
  ? false
  : "esbuild is not installed (npm ci; or set XPOOL_ESBUILD)";

describe("a minified bundle", () => {
  for (
    const [label, flags] of [
      ["esbuild --minify", ["--minify"]],
      ["esbuild --minify --keep-names", ["--minify", "--keep-names"]],
      ["esbuild --minify-identifiers", ["--minify-identifiers"]],
      ["esbuild (no minify)", []],
    ] as const
  ) {
    test(
      `currentProcess() inside a task works in a bundle built with ${label}`,
      { ...T, skip: skip },
      async () => {
        const result = await bundleAndRun([...flags], "names");
        assert.equal(result.ok, true, JSON.stringify(result));
        const names = result.value as string[];
        assert.equal(names.length, 4);
        for (const name of names) assert.match(name, /^PoolWorker-\d+$/);
        assert.equal(result.main, "MainProcess");
      },
    );

    test(
      `reportProgress() inside a task works in a bundle built with ${label}`,
      { ...T, skip: skip },
      async () => {
        const result = await bundleAndRun([...flags], "progress");
        assert.equal(result.ok, true, JSON.stringify(result));
        assert.deepEqual(result.value, [3, [1, 2, 3]]);
      },
    );
  }

  test(
    "a task using a module-level helper in a minified bundle fails with a hint naming the minifier and moduleTask",
    { ...T, skip: skip },
    async () => {
      for (const flags of [["--minify"], ["--minify", "--keep-names"]]) {
        const result = await bundleAndRun(flags, "helper");
        assert.equal(result.ok, false, JSON.stringify(result));
        assert.equal(result.name, "ReferenceError");
        const message = String(result.message);
        assert.match(message, /not defined in the worker/);
        assert.match(message, /minif/);
        assert.match(message, /moduleTask\(\)/);
        assert.match(message, /as arguments/);
      }
    },
  );
});
