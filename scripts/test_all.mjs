// The whole test matrix: the suite in tests/ through every adapter each
// runtime has, from the TypeScript sources and from the npm package (the
// shape JSR's npm layer serves), plus every example. One cell at a time.
//
//   npm test                         everything
//   npm test -- deno bun:web         only cells whose id contains a filter
//   npm test -- cluster              only the cluster cells (tests/cluster/)
//   npm test -- --list               list the cells
//   npm test -- --verbose            stream every runner's output
//
// Without --verbose, a long cell prints a progress line every 30 s
// (XPOOL_TEST_HEARTBEAT=<seconds>; 0: none): counts so far, running file.
//
// Runtimes: deno and bun are pinned devDependencies (node_modules/.bin);
// Node 24 and 22 come from npm (`npx -y node@VERSION`). Logs and JUnit
// reports of every cell go to dist/test-logs/. Ends with one line
// `N passed, N failed, N skipped` and exits 1 on any failure.
import { execFileSync, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildNpm } from "./build_npm.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const logDir = join(root, "dist", "test-logs");
const bin = (name) => join(root, "node_modules", ".bin", name);

/** Node versions fetched from npm. */
const NODE_VERSIONS = {
  node24: "24.21.0",
  node22: "22.23.3",
  // Unsupported: its cell checks the clear error at `new Pool`.
  node20: "20.20.2",
};
/** A test cell taking longer than this is killed and counted as failed. */
const CELL_TIMEOUT_S = 15 * 60;
/**
 * While a cell runs (without --verbose), a progress line every this many
 * seconds: counts so far and the test file running. A 15-minute cell prints
 * at most 30 lines, so CI logs stay readable.
 */
const HEARTBEAT_S = Number(process.env.XPOOL_TEST_HEARTBEAT ?? 30);
/** An example taking longer than this is killed and counted as failed. */
const EXAMPLE_TIMEOUT_S = 120;
/** Examples run this many at a time (they mostly sleep). */
const EXAMPLE_CONCURRENCY = 2;
/**
 * Test files that cannot run against the npm package, with the reason
 * (printed in the cell's report, never dropped silently).
 */
const NPM_EXCLUDED = {
  "core_purity_test.ts":
    "inspects the TypeScript source tree (layering), which the package does not ship",
  "docs_test.ts":
    "reads deno.json's publish list; the npm build checks the package's own README links",
};

/**
 * The cluster suite (tests/cluster/: a Pool over NATS JetStream against real
 * nats-server processes and worker hosts on every runtime) runs in its own
 * cells, one per calling runtime; the main cells list tests/*_test.ts only
 * (no recursion into tests/cluster/). Its hosts run on Deno, Bun and Node 24
 * whatever the caller: the cell passes their paths (XPOOL_DENO, XPOOL_BUN,
 * XPOOL_NODE24).
 */
const CLUSTER_RUNTIMES = ["deno", "bun", "node24"];
/** A cluster cell taking longer than this is killed and counted as failed. */
const CLUSTER_CELL_TIMEOUT_S = 5 * 60;

/** The browser suite's own runner (see tests/browser/). */
const BROWSER_RUNNER = join(root, "tests", "browser", "run.mjs");

const args = process.argv.slice(2);
const verbose = args.includes("--verbose") ||
  process.env.XPOOL_TEST_VERBOSE === "1";
const listOnly = args.includes("--list");
const filters = args.filter((a) => !a.startsWith("--"));

// ---------------------------------------------------------------- cells

/**
 * The adapters each runtime has (RUNTIMES.md); the first is its default.
 * `custom` (from source only): the suite through a custom adapter without
 * shared memory built on the public seam (tests/_custom_adapter.ts).
 */
const MATRIX = [
  { runtime: "deno", contexts: ["node", "web", "custom"], npm: false },
  { runtime: "bun", contexts: ["bun", "web", "node", "custom"], npm: true },
  { runtime: "node24", contexts: ["node", "custom"], npm: true },
  { runtime: "node22", contexts: ["node"], npm: true },
];

const cells = [];
for (const source of ["src", "npm"]) {
  for (const { runtime, contexts, npm } of MATRIX) {
    if (source === "npm" && !npm) continue;
    for (const context of contexts) {
      if (source === "npm" && context === "custom") continue;
      cells.push({
        id: `${runtime}:${context}:${source}`,
        kind: "tests",
        // The default adapter's cell leaves XPOOL_TEST_CONTEXT unset, so it
        // also covers the default choice and `new Pool(n)`.
        isDefault: context === contexts[0],
      });
    }
  }
  for (const { runtime, npm } of MATRIX) {
    if (source === "npm" && !npm) continue;
    cells.push({ id: `${runtime}:examples:${source}`, kind: "examples" });
  }
  if (source === "npm") {
    // The package's .d.ts files as a TypeScript user's compiler sees them.
    cells.push({ id: "tsc:types:npm", kind: "types" });
    // An unsupported Node: a clear error at `new Pool`, and `engines`.
    cells.push({ id: "node20:unsupported:npm", kind: "unsupported" });
  }
  if (source === "src") {
    for (const runtime of CLUSTER_RUNTIMES) {
      cells.push({ id: `${runtime}:cluster:${source}`, kind: "cluster" });
    }
  }
  if (source === "src" && existsSync(BROWSER_RUNNER)) {
    // tests/browser/run.mjs: headless Chromium against dist/esm (its own
    // suite, the browser example and its screenshot).
    cells.push({ id: "chromium:web:dist", kind: "browser" });
  }
}
for (const cell of cells) {
  [cell.runtime, cell.context, cell.source] = cell.id.split(":");
}
const selected = cells.filter((cell) =>
  filters.length === 0 || filters.some((f) => cell.id.includes(f))
);

// ---------------------------------------------------------------- helpers

const log = (line = "") => process.stdout.write(line + "\n");

function duration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60)}s`;
}

/** The running children (process group leaders), killed on Ctrl-C. */
const running = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const child of running) killGroup(child);
    process.exit(130);
  });
}

function killGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * Runs a command in its own process group; resolves with its exit code and
 * output. On timeout the whole group is killed. Leftovers of the group
 * (grandchildren) are killed once the command exits.
 */
function run(cmd, argv, { cwd, env, timeout, logFile, echo, progress }) {
  return new Promise((resolve) => {
    const started = Date.now();
    let output = "";
    let timedOut = false;
    const child = spawn(cmd, argv, {
      cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    let partial = "";
    const take = (chunk) => {
      const text = String(chunk);
      output += text;
      if (echo) process.stdout.write(text);
      if (progress) {
        const lines = (partial + text).split("\n");
        partial = lines.pop();
        for (const line of lines) progress.line(line);
      }
    };
    const heartbeat = progress && !echo && HEARTBEAT_S > 0
      ? setInterval(() => {
        log(`  … ${duration(Date.now() - started)}: ${progress.status()}`);
      }, HEARTBEAT_S * 1000)
      : undefined;
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    const timer = setTimeout(() => {
      timedOut = true;
      take(`\n[test_all] killed after ${timeout}s\n`);
      killGroup(child);
    }, timeout * 1000);
    child.on("error", (error) => {
      take(`\n[test_all] cannot start ${cmd}: ${error.message}\n`);
    });
    // A grandchild still holding the pipes would delay "close": end the
    // group as soon as the command itself exits.
    child.on("exit", () => killGroup(child));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearInterval(heartbeat);
      killGroup(child);
      running.delete(child);
      if (logFile) {
        writeFileSync(
          logFile,
          `$ ${[cmd, ...argv].join(" ")}\n(cwd ${cwd})\n\n${output}`,
        );
      }
      resolve({
        code: code ?? (signal ? 128 : 1),
        timedOut,
        output,
        ms: Date.now() - started,
      });
    });
  });
}

/** The environment of every child: ours, minus what would change results. */
function baseEnv(extra = {}) {
  const env = { ...process.env, NO_COLOR: "1" };
  delete env.FORCE_COLOR;
  delete env.XPOOL_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  // The pinned esbuild, for tests/bundler_test.ts (also in the npm cells,
  // whose project has no node_modules/.bin/esbuild of its own).
  env.XPOOL_ESBUILD ??= bin("esbuild");
  return { ...env, ...extra };
}

/**
 * Counts results in a runner's output as it streams, for the progress
 * lines: Deno's `name ... ok`, Node's spec reporter `✔ name`, Bun's
 * `(pass) name`, the browser runner's `ok  name`. A result line less
 * indented than the one before closes a group (a describe block) and is not
 * counted. Also keeps the test file running and the runner's last `#` note
 * (the browser runner says when it installs Chromium). Runners print no
 * colour here (NO_COLOR=1).
 */
function progressCounter() {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  let file = "";
  let note = "";
  let lastIndent = 0;
  const RESULT = [
    [/^(\s*)\S.* \.\.\. (ok|FAILED|ignored)\b/, {
      ok: "passed",
      FAILED: "failed",
      ignored: "skipped",
    }],
    [/^(\s*)(✔|✖|﹣)\s/, { "✔": "passed", "✖": "failed", "﹣": "skipped" }],
    [/^(\s*)\((pass|fail|skip|todo)\)\s/, {
      pass: "passed",
      fail: "failed",
      skip: "skipped",
      todo: "skipped",
    }],
    [/^()(ok {2}|FAIL )/, { "ok  ": "passed", "FAIL ": "failed" }],
  ];
  return {
    line(line) {
      const running = /^running \d+ tests? from (\S+)/.exec(line) ??
        /^(\S*tests\/\S+_test\.ts):$/.exec(line);
      if (running) {
        file = running[1].replace(/^\.\//, "");
        lastIndent = 0;
        return;
      }
      if (/^# \S/.test(line)) note = line.slice(2, 100);
      for (const [re, kinds] of RESULT) {
        const m = re.exec(line);
        if (!m) continue;
        const indent = m[1].length;
        if (indent >= lastIndent) counts[kinds[m[2]]]++;
        lastIndent = indent;
        return;
      }
    },
    status() {
      return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped so far${
        file ? ` (running ${file})` : note ? ` (${note})` : ""
      }`;
    },
  };
}

// ------------------------------------------------------------- runtimes

const runtimes = {};

function resolveRuntimes(needed) {
  const pins = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
    .devDependencies ?? {};
  for (const name of needed) {
    if (name === "chromium") {
      runtimes.chromium = { label: "Chromium" };
      continue;
    }
    if (name === "tsc") {
      const version = JSON.parse(
        readFileSync(
          join(root, "node_modules", "typescript", "package.json"),
          "utf8",
        ),
      ).version;
      runtimes.tsc = { label: `TS ${version}` };
      continue;
    }
    try {
      let path;
      let want;
      if (name === "deno" || name === "bun") {
        path = bin(name);
        want = pins[name];
        if (!existsSync(path)) throw new Error(`${path} missing: run npm ci`);
      } else {
        want = NODE_VERSIONS[name];
        path = execFileSync(
          "npx",
          ["-y", `node@${want}`, "-p", "process.execPath"],
          {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            cwd: tmpdir(),
          },
        ).trim().split("\n").pop();
      }
      const version = execFileSync(path, ["--version"], { encoding: "utf8" })
        .trim().split("\n")[0].replace(/^(deno |v)/, "").split(" ")[0];
      if (want && version !== want) {
        throw new Error(`${name} is ${version}, expected ${want}`);
      }
      const label = name === "deno" ? "Deno" : name === "bun" ? "Bun" : "Node";
      runtimes[name] = { path, version, label: `${label} ${version}` };
    } catch (error) {
      const detail = String(error.stderr ?? "").trim().split("\n").slice(-3);
      runtimes[name] = {
        error: [String(error.message ?? error).split("\n")[0], ...detail]
          .join(" | "),
        label: name,
      };
    }
  }
}

// ------------------------------------------------------ npm test project

/**
 * A project as a user has it after `npx jsr add @x/pool`: the packed
 * package installed as `@x/pool` (JSR's npm name is `@jsr/x__pool`), and
 * copies of tests/ and examples/ whose `../mod.ts` is a shim re-exporting
 * "@x/pool". The tests' few imports of internals (`../src/...`) are shims
 * too, pointing into the installed package, so every module the suite
 * loads is the package's JavaScript.
 */
function makeNpmProject(tarball) {
  const dir = mkdtempSync(join(tmpdir(), "xpool-npm-"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify(
      {
        name: "xpool-npm-consumer",
        private: true,
        type: "module",
        dependencies: { "@x/pool": `file:${tarball}` },
      },
      null,
      2,
    ),
  );
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--silent"],
    { cwd: dir, stdio: ["ignore", "inherit", "inherit"] },
  );
  const installed = join(dir, "node_modules", "@x", "pool");
  const name = JSON.parse(
    readFileSync(join(installed, "package.json"), "utf8"),
  ).name;
  writeFileSync(
    join(dir, "mod.ts"),
    `// Shim: the suite's "../mod.ts" is the installed package.\nexport * from "@x/pool";\n`,
  );
  const walk = (d) =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]
    );
  for (const file of walk(join(root, "src"))) {
    if (!file.endsWith(".ts")) continue;
    const rel = relative(root, file);
    const shim = join(dir, rel);
    const target = relative(
      dirname(shim),
      join(installed, rel.replace(/\.ts$/, ".js")),
    );
    mkdirSync(dirname(shim), { recursive: true });
    writeFileSync(shim, `export * from "./${target}";\n`);
  }
  const skipBrowser = (from) => (path) =>
    relative(from, path).split(/[\\/]/)[0] !== "browser";
  cpSync(join(root, "tests"), join(dir, "tests"), {
    recursive: true,
    filter: skipBrowser(join(root, "tests")),
  });
  if (existsSync(join(root, "examples"))) {
    cpSync(join(root, "examples"), join(dir, "examples"), {
      recursive: true,
      filter: skipBrowser(join(root, "examples")),
    });
  }
  mkdirSync(join(dir, "types_check"));
  writeFileSync(join(dir, "types_check", "consumer.ts"), CONSUMER_TS);
  for (const [config, options] of Object.entries(TSC_CONFIGS)) {
    writeFileSync(
      join(dir, "types_check", `tsconfig.${config}.json`),
      JSON.stringify({
        compilerOptions: {
          noEmit: true,
          strict: true,
          target: "ES2022",
          skipLibCheck: false,
          ...options,
        },
        files: ["consumer.ts"],
      }),
    );
  }
  return { dir, name };
}

/**
 * The compiler configurations the published .d.ts must pass (no
 * skipLibCheck): a browser or bundler project (DOM lib), and a Node-only
 * one (no DOM lib, Node's types). Deno's own check runs beside them.
 */
const TSC_CONFIGS = {
  "dom-nodenext": {
    module: "NodeNext",
    moduleResolution: "nodenext",
    lib: ["ES2022", "ESNext.Disposable", "DOM"],
    types: [],
  },
  "dom-bundler": {
    module: "ESNext",
    moduleResolution: "bundler",
    lib: ["ES2022", "ESNext.Disposable", "DOM"],
    types: [],
  },
  "node-only": {
    module: "NodeNext",
    moduleResolution: "nodenext",
    lib: ["ES2024"],
    types: ["node"],
    typeRoots: [join(root, "node_modules", "@types")],
  },
};

/** What a TypeScript user writes against the package (checked, not run). */
const CONSUMER_TS = `import {
  AsyncResult,
  cpuCount,
  currentProcess,
  IMapIterator,
  moduleTask,
  Pool,
  type PoolOptions,
  RemoteError,
  TimeoutError,
  type TransferListItem,
  WorkerLostError,
} from "@x/pool";

const options: PoolOptions = { processes: cpuCount(), maxtasksperchild: 10 };
const pool = new Pool(options);
const squares: Promise<number[]> = pool.map((x: number) => x * x, [1, 2]);
const sum: AsyncResult<number> = pool.apply_async(
  (a: number, b: number) => a + b,
  [1, 2],
);
const buffer = new ArrayBuffer(8);
const moved: TransferListItem[] = [buffer];
const size: AsyncResult<number> = pool.apply_async(
  (b: ArrayBuffer) => b.byteLength,
  [buffer],
  { transfer: moved, error_callback: (error: unknown) => void error },
);
const it: IMapIterator<string> = pool.imap((x: number) => String(x), [1]);
const task = moduleTask<(x: number) => string>(
  new URL("./tasks.js", import.meta.url),
  "f",
);
const strings: Promise<string[]> = pool.map(task, [1]);
// @ts-expect-error: the results are numbers, not strings
const wrong: Promise<string[]> = pool.map((x: number) => x * x, [1]);
const name: string = currentProcess().name;
const errors = [RemoteError, TimeoutError, WorkerLostError];
const done: Promise<void> = pool.terminate();
void [squares, sum, size, it, strings, wrong, name, errors, done];
`;

// ---------------------------------------------------------------- parsing

/** XML entities; twice, as Node's JUnit reporter escapes test names twice. */
function unescapeXml(s) {
  return unescapeOnce(unescapeOnce(s));
}

function unescapeOnce(s) {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(
    /&quot;/g,
    '"',
  ).replace(/&apos;/g, "'").replace(/&#10;/g, "\n").replace(/&amp;/g, "&");
}

/**
 * Test cases of a JUnit report: `{ name, status, message }`, name being the
 * suite path joined with " > ". For Deno, where describe blocks are tests
 * and tests are steps named "a > b", only leaves are kept.
 */
function parseJunit(xml, deno) {
  const cases = [];
  const suites = [];
  const re =
    /<(\/?)(testsuites|testsuite|testcase|failure|error|skipped)\b((?:[^>"]|"[^"]*")*?)(\/?)>/g;
  let open;
  for (const m of xml.matchAll(re)) {
    const [, closing, tag, attrText, selfClosing] = m;
    const attrs = {};
    for (const a of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      attrs[a[1]] = unescapeXml(a[2]);
    }
    if (tag === "testsuite") {
      if (closing) suites.pop();
      else if (!selfClosing) suites.push(attrs.name ?? "");
    } else if (tag === "testcase") {
      if (closing) {
        open = undefined;
        continue;
      }
      const path = deno ? [] : suites.slice(bunOrNodeFileSuites(suites));
      const c = {
        name: [...path, attrs.name ?? "?"].join(" > "),
        status: "passed",
        message: "",
      };
      cases.push(c);
      open = selfClosing ? undefined : c;
    } else if (open && !closing && (tag === "failure" || tag === "error")) {
      open.status = "failed";
      open.message = attrs.message ?? "";
    } else if (open && !closing && tag === "skipped") {
      open.status = "skipped";
      open.message = attrs.message ?? "";
    }
  }
  if (!deno) return cases;
  const names = cases.map((c) => c.name);
  return cases.filter((c) => !names.some((n) => n.startsWith(c.name + " > ")));
}

/** Bun's report opens each file with a suite named after the file. */
function bunOrNodeFileSuites(suites) {
  return suites.length > 0 && /\.[cm]?[jt]sx?$/.test(suites[0]) ? 1 : 0;
}

/** Counts from the runner's own summary lines. */
function parseSummary(runtime, output) {
  const num = (re) => {
    const all = [...output.matchAll(re)];
    return all.length ? Number(all[all.length - 1][1]) : undefined;
  };
  if (runtime === "deno") {
    const m = [
      ...output.matchAll(
        /^(ok|FAILED) \| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?(?: \| (\d+) ignored(?: \((\d+) steps?\))?)?/gm,
      ),
    ].pop();
    if (!m) return undefined;
    return {
      line: m[0],
      passed: Number(m[2]) + Number(m[3] ?? 0),
      failed: Number(m[4]) + Number(m[5] ?? 0),
      skipped: Number(m[6] ?? 0) + Number(m[7] ?? 0),
    };
  }
  if (runtime === "bun") {
    const passed = num(/^\s*(\d+) pass$/gm);
    if (passed === undefined) return undefined;
    return {
      passed,
      failed: num(/^\s*(\d+) fail$/gm) ?? 0,
      skipped: (num(/^\s*(\d+) skip$/gm) ?? 0) +
        (num(/^\s*(\d+) todo$/gm) ?? 0),
    };
  }
  const passed = num(/^[#ℹ] pass (\d+)$/gm);
  if (passed === undefined) return undefined;
  return {
    passed,
    failed: (num(/^[#ℹ] fail (\d+)$/gm) ?? 0) +
      (num(/^[#ℹ] cancelled (\d+)$/gm) ?? 0),
    skipped: (num(/^[#ℹ] skipped (\d+)$/gm) ?? 0) +
      (num(/^[#ℹ] todo (\d+)$/gm) ?? 0),
  };
}

// ------------------------------------------------------------ test cells

/**
 * The test files of a cell: tests/*_test.ts (not recursive: tests/cluster/
 * has its own cells), or tests/cluster/*_test.ts for a cluster cell.
 */
function testFiles(dir, source, kind = "tests") {
  const sub = kind === "cluster" ? "tests/cluster" : "tests";
  return readdirSync(join(dir, sub))
    .filter((f) => f.endsWith("_test.ts"))
    .filter((f) => source !== "npm" || !(f in NPM_EXCLUDED))
    .sort()
    .map((f) => `./${sub}/${f}`);
}

/**
 * Skip reasons written in the tests: test name -> the string literal after
 * its `skip:` option (e.g. `skip: isDenoWeb ? "why" : false`).
 */
function skipReasons(dir) {
  const reasons = new Map();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(join(dir, file), "utf8");
    const re =
      /\b(?:test|it)(?:\.skip)?\(\s*(["'`])((?:(?!\1)[^\\]|\\.)*)\1\s*,\s*\{([^{}]*?)\bskip:([^,}]*?)(["'`])((?:(?!\5)[^\\]|\\.)+)\5/g;
    for (const m of text.matchAll(re)) {
      if (!reasons.has(m[2])) reasons.set(m[2], m[6]);
    }
  }
  return reasons;
}

function testCommand(rt, runtime, files, junit) {
  if (runtime === "deno") {
    return [rt.path, [
      "test",
      "-A",
      "--no-check",
      `--junit-path=${junit}`,
      ...files,
    ]];
  }
  if (runtime === "bun") {
    // Bun's default per-test timeout is 5s; the suite sets its own.
    return [rt.path, [
      "test",
      "--timeout=120000",
      "--reporter=junit",
      `--reporter-outfile=${junit}`,
      ...files,
    ]];
  }
  return [rt.path, [
    "--test",
    "--test-concurrency=1",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=junit",
    `--test-reporter-destination=${junit}`,
    ...files,
  ]];
}

async function runTestCell(cell, cwd) {
  const rt = runtimes[cell.runtime];
  const base = join(logDir, cell.id.replaceAll(":", "-"));
  const junit = base + ".xml";
  rmSync(junit, { force: true });
  const cluster = cell.kind === "cluster";
  const files = testFiles(cwd, cell.source, cell.kind);
  const [cmd, argv] = testCommand(rt, cell.runtime, files, junit);
  const timeout = cluster ? CLUSTER_CELL_TIMEOUT_S : CELL_TIMEOUT_S;
  const result = await run(cmd, argv, {
    cwd,
    env: baseEnv(
      cluster
        ? clusterEnv()
        : cell.isDefault
        ? {}
        : { XPOOL_TEST_CONTEXT: cell.context },
    ),
    timeout,
    logFile: base + ".log",
    echo: verbose,
    progress: progressCounter(),
  });
  const summary = parseSummary(cell.runtime, result.output);
  let cases = [];
  if (existsSync(junit)) {
    try {
      cases = parseJunit(readFileSync(junit, "utf8"), cell.runtime === "deno");
    } catch {
      cases = [];
    }
  }
  const counts = { passed: 0, failed: 0, skipped: 0 };
  if (cell.runtime === "deno" && cases.length > 0) {
    for (const c of cases) counts[c.status]++;
  } else if (summary) {
    Object.assign(counts, {
      passed: summary.passed,
      failed: summary.failed,
      skipped: summary.skipped,
    });
  } else {
    for (const c of cases) counts[c.status]++;
  }
  const reasons = skipReasons(join(cwd, cluster ? "tests/cluster" : "tests"));
  const notes = [];
  if (cell.source === "npm") {
    for (const [file, why] of Object.entries(NPM_EXCLUDED)) {
      notes.push(`not run against the package: tests/${file} (${why})`);
    }
  }
  if (result.timedOut) notes.push(`killed after ${timeout}s`);
  if (result.code !== 0 && counts.failed === 0) {
    counts.failed = 1;
    notes.push(
      summary || cases.length
        ? `runner exited with code ${result.code} although no test failed (a hook, an uncaught error, or a crash between tests)`
        : `runner exited with code ${result.code} and printed no summary`,
    );
  }
  return {
    ...counts,
    ms: result.ms,
    notes,
    skippedNames: cases.filter((c) => c.status === "skipped").map((c) => {
      // Node's report carries the skip reason; Deno's and Bun's do not, so
      // it is read from the test's source.
      const reason = c.message && c.message !== "true"
        ? c.message
        : reasons.get(c.name.split(" > ").pop());
      return reason && !c.name.includes(reason)
        ? `${c.name} (${reason})`
        : c.name;
    }),
    failures: cases.filter((c) => c.status === "failed"),
    output: result.output,
    log: base + ".log",
  };
}

/** The host runtimes of a cluster cell (resolved like the cells' own). */
function clusterEnv() {
  const env = {};
  for (
    const [name, key] of [
      ["deno", "XPOOL_DENO"],
      ["bun", "XPOOL_BUN"],
      ["node24", "XPOOL_NODE24"],
    ]
  ) {
    if (runtimes[name]?.path) env[key] = runtimes[name].path;
  }
  return env;
}

// --------------------------------------------------------- example cells

/**
 * The minimum Node an example states on its `node` run line, e.g.
 * `//   node examples/x.ts   (Node >= 24; ...)`.
 */
function minNode(text) {
  const m = /^\/\/\s+node\s+\S+.*\(Node >= (\d+)(?:\.(\d+))?/m.exec(text);
  return m ? [Number(m[1]), Number(m[2] ?? 0)] : undefined;
}

async function runExampleCell(cell, cwd) {
  const rt = runtimes[cell.runtime];
  const dir = join(cwd, "examples");
  const files = existsSync(dir)
    ? readdirSync(dir).filter((f) => /\.(ts|js|mjs)$/.test(f)).sort()
    : [];
  const base = join(logDir, cell.id.replaceAll(":", "-"));
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const skippedNames = [];
  const failures = [];
  const started = Date.now();
  const [major, minor] = rt.version.split(".").map(Number);
  const outputs = new Map();
  const one = async (file) => {
    const path = join(dir, file);
    if (cell.runtime.startsWith("node")) {
      const min = minNode(readFileSync(path, "utf8"));
      if (
        min && (major < min[0] || (major === min[0] && minor < min[1]))
      ) {
        counts.skipped++;
        skippedNames.push(
          `examples/${file} (its header says Node >= ${min.join(".")})`,
        );
        return;
      }
    }
    const argv = cell.runtime === "deno" ? ["run", "-A", path] : [path];
    const result = await run(rt.path, argv, {
      cwd,
      env: baseEnv(),
      timeout: EXAMPLE_TIMEOUT_S,
      echo: false,
    });
    const status = result.code === 0 ? "passed" : "failed";
    counts[status]++;
    outputs.set(
      file,
      `\n===== examples/${file}: ${status} (exit ${result.code}, ${
        duration(result.ms)
      })\n${result.output}`,
    );
    if (verbose) {
      log(`  examples/${file}: ${status} (${duration(result.ms)})`);
    }
    if (status === "failed") {
      failures.push({
        name: `examples/${file}`,
        message: result.timedOut
          ? `killed after ${EXAMPLE_TIMEOUT_S}s`
          : `exit code ${result.code}\n${
            result.output.trim().split("\n").slice(-15).join("\n")
          }`,
      });
    }
  };
  // Examples mostly sleep: run EXAMPLE_CONCURRENCY at a time.
  const queue = [...files];
  await Promise.all(
    Array.from({ length: EXAMPLE_CONCURRENCY }, async () => {
      while (queue.length > 0) await one(queue.shift());
    }),
  );
  const text = files.map((f) => outputs.get(f) ?? "").join("");
  writeFileSync(base + ".log", text);
  return {
    ...counts,
    ms: Date.now() - started,
    notes: files.length === 0 ? ["no examples found"] : [],
    skippedNames,
    failures,
    output: text,
    log: base + ".log",
  };
}

// ------------------------------------------------------------ types cell

async function runTypesCell(cell, cwd) {
  const base = join(logDir, cell.id.replaceAll(":", "-"));
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const failures = [];
  let text = "";
  const started = Date.now();
  const checks = [
    ...Object.entries(TSC_CONFIGS).map(([config, options]) => ({
      name: `tsc ${config} (lib ${options.lib.join(", ")}; types [${
        options.types.join(", ")
      }]): import "@x/pool"`,
      cmd: process.execPath,
      argv: [tsc, "-p", join(cwd, "types_check", `tsconfig.${config}.json`)],
    })),
    {
      name: `deno check (Deno's default libs): import "@x/pool"`,
      cmd: bin("deno"),
      argv: ["check", "--quiet", join("types_check", "consumer.ts")],
    },
  ];
  for (const check of checks) {
    const result = await run(check.cmd, check.argv, {
      cwd,
      env: baseEnv(),
      timeout: EXAMPLE_TIMEOUT_S,
      echo: verbose,
    });
    const name = check.name;
    text += `\n===== ${name}: exit ${result.code}\n${result.output}`;
    if (result.code === 0) counts.passed++;
    else {
      counts.failed++;
      failures.push({ name, message: result.output.trim() });
    }
  }
  writeFileSync(base + ".log", text);
  return {
    ...counts,
    ms: Date.now() - started,
    notes: [],
    skippedNames: [],
    failures,
    output: text,
    log: base + ".log",
  };
}

// ------------------------------------------------------ unsupported cell

/** Run by an unsupported Node in the npm project; prints its checks as JSON. */
const UNSUPPORTED_CHECK = `import { readFileSync } from "node:fs";
import { cpuCount, Pool } from "@x/pool";
const checks = [];
const check = (name, ok, detail) => checks.push({ name, ok, detail });
check("the package imports; cpuCount() works", cpuCount() >= 1, String(cpuCount()));
let error;
try {
  const pool = new Pool(1);
  await pool.terminate();
} catch (e) {
  error = e;
}
check(
  "new Pool() throws an Error naming what is missing and the supported versions",
  error instanceof Error && /Promise\\.withResolvers/.test(error.message) &&
    /Node 22\\.3 or later/.test(error.message),
  String(error),
);
const pkg = JSON.parse(
  readFileSync(new URL("./node_modules/@x/pool/package.json", import.meta.url), "utf8"),
);
check(
  "package.json engines.node leaves this Node out",
  pkg.engines?.node === ">=22.3.0",
  JSON.stringify(pkg.engines),
);
console.log(JSON.stringify(checks));
`;

async function runUnsupportedCell(cell, cwd) {
  const rt = runtimes[cell.runtime];
  const base = join(logDir, cell.id.replaceAll(":", "-"));
  const script = join(cwd, "unsupported_check.mjs");
  writeFileSync(script, UNSUPPORTED_CHECK);
  const result = await run(rt.path, [script], {
    cwd,
    env: baseEnv(),
    timeout: EXAMPLE_TIMEOUT_S,
    logFile: base + ".log",
    echo: verbose,
  });
  let checks = [];
  try {
    checks = JSON.parse(result.output.trim().split("\n").pop());
  } catch {
    checks = [{
      name: `${cell.runtime} ran the check script`,
      ok: false,
      detail: `exit ${result.code}: ${result.output.trim().slice(-2000)}`,
    }];
  }
  const failures = checks.filter((c) => !c.ok).map((c) => ({
    name: c.name,
    message: c.detail ?? "",
  }));
  return {
    passed: checks.length - failures.length,
    failed: failures.length,
    skipped: 0,
    ms: result.ms,
    notes: [],
    skippedNames: [],
    failures,
    output: result.output,
    log: base + ".log",
  };
}

// ---------------------------------------------------------- browser cell

async function runBrowserCell(cell) {
  const base = join(logDir, cell.id.replaceAll(":", "-"));
  const result = await run(process.execPath, [BROWSER_RUNNER], {
    cwd: root,
    env: baseEnv(),
    timeout: CELL_TIMEOUT_S,
    logFile: base + ".log",
    echo: verbose,
    progress: progressCounter(),
  });
  const m = [
    ...result.output.matchAll(
      /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/gm,
    ),
  ].pop();
  const counts = m
    ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) }
    : { passed: 0, failed: 0, skipped: 0 };
  const version = /^# (?:HeadlessChrome\/|Chrome\/|Chromium\/)?(\d[\d.]*)/m
    .exec(result.output)?.[1];
  if (version) runtimes.chromium.label = `Chromium ${version.split(".")[0]}`;
  const notes = [];
  if (result.timedOut) notes.push(`killed after ${CELL_TIMEOUT_S}s`);
  if (result.code !== 0 && counts.failed === 0) {
    counts.failed = 1;
    notes.push(
      m
        ? `runner exited with code ${result.code} although no test failed`
        : `runner exited with code ${result.code} and printed no summary`,
    );
  }
  const failures = [];
  const lines = result.output.split("\n");
  lines.forEach((line, i) => {
    if (!line.startsWith("FAIL ")) return;
    const detail = lines[i + 1]?.startsWith("     ") ? lines[i + 1].trim() : "";
    failures.push({ name: line.slice(5).trim(), message: detail });
  });
  return {
    ...counts,
    ms: result.ms,
    notes,
    skippedNames: lines.filter((l) => /^skip\b/i.test(l)).map((l) =>
      l.replace(/^skip\s*/i, "")
    ),
    failures,
    output: result.output,
    log: base + ".log",
  };
}

// ------------------------------------------------------------------ main

function label(cell) {
  const rt = runtimes[cell.runtime]?.label ?? cell.runtime;
  const what = cell.kind === "examples"
    ? "examples"
    : cell.kind === "types"
    ? ".d.ts"
    : cell.kind === "unsupported"
    ? "unsupported"
    : cell.kind === "cluster"
    ? "cluster"
    : cell.isDefault
    ? `${cell.context} (default)`
    : cell.context;
  const from = cell.source === "npm"
    ? "npm package"
    : cell.source === "dist"
    ? "dist/esm"
    : "source";
  return `${rt.padEnd(12)} × ${what.padEnd(14)} ${from.padEnd(11)}`;
}

if (listOnly) {
  for (const cell of selected) log(cell.id);
  process.exit(0);
}
if (selected.length === 0) {
  log(`No cell matches ${filters.join(", ")}; try --list`);
  process.exit(1);
}

mkdirSync(logDir, { recursive: true });
const started = Date.now();
resolveRuntimes([
  ...new Set([
    ...selected.map((c) => c.runtime),
    // Cluster cells run hosts on every runtime, whatever the caller.
    ...(selected.some((c) => c.kind === "cluster") ? CLUSTER_RUNTIMES : []),
  ]),
]);

let npmProject;
let npmError;
if (selected.some((c) => c.source === "npm")) {
  log("Building and installing the npm package...");
  try {
    const tarball = buildNpm();
    npmProject = makeNpmProject(tarball);
    log(
      `Installed ${
        relative(root, tarball)
      } as "@x/pool" (package name ${npmProject.name}) in ${npmProject.dir}`,
    );
  } catch (error) {
    npmError = String(error.message ?? error);
    log(`npm package build/install failed: ${npmError}`);
  }
}

const results = [];
for (const cell of selected) {
  const rt = runtimes[cell.runtime];
  log("");
  log(`▶ ${label(cell)}`);
  let result;
  if (rt.error) {
    result = { passed: 0, failed: 1, skipped: 0, ms: 0, notes: [rt.error] };
  } else if (cell.source === "npm" && !npmProject) {
    result = {
      passed: 0,
      failed: 1,
      skipped: 0,
      ms: 0,
      notes: [`no npm package: ${npmError}`],
    };
  } else {
    const cwd = cell.source === "npm" ? npmProject.dir : root;
    result = cell.kind === "tests" || cell.kind === "cluster"
      ? await runTestCell(cell, cwd)
      : cell.kind === "browser"
      ? await runBrowserCell(cell)
      : cell.kind === "types"
      ? await runTypesCell(cell, cwd)
      : cell.kind === "unsupported"
      ? await runUnsupportedCell(cell, cwd)
      : await runExampleCell(cell, cwd);
  }
  results.push({ cell, ...result });
  log(
    `  ${
      result.failed ? "FAILED" : "ok"
    }: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped (${
      duration(result.ms)
    })`,
  );
  for (const name of result.skippedNames ?? []) log(`  skipped: ${name}`);
  for (const note of result.notes ?? []) log(`  note: ${note}`);
  for (const f of result.failures ?? []) {
    log(`  ✖ ${f.name}`);
    const message = f.message.trim().split("\n").slice(0, 15);
    for (const line of message) log(`      ${line}`);
  }
  if (
    result.failed && !result.failures?.length && result.output !== undefined &&
    !verbose
  ) {
    const tail = result.output.trimEnd().split("\n").slice(-40);
    log(`  --- last ${tail.length} lines of ${relative(root, result.log)} ---`);
    for (const line of tail) log(`  | ${line}`);
  }
}

const total = { passed: 0, failed: 0, skipped: 0 };
log("");
log("Summary (runtime × context, from source or from the npm package):");
for (const r of results) {
  for (const k of Object.keys(total)) total[k] += r[k];
  log(
    `  ${r.failed ? "✖" : "✓"} ${label(r.cell)} ${
      String(r.passed).padStart(4)
    } passed ${String(r.failed).padStart(3)} failed ${
      String(r.skipped).padStart(3)
    } skipped  ${duration(r.ms)}`,
  );
}
if (npmProject) {
  if (total.failed === 0) {
    rmSync(npmProject.dir, { recursive: true, force: true });
  } else log(`npm test project kept for inspection: ${npmProject.dir}`);
}
log(
  `Logs: ${relative(root, logDir)}/  Total time: ${
    duration(Date.now() - started)
  }`,
);
log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(total.failed ? 1 : 0);
