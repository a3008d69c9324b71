// Browser tests for @x/pool in headless Chromium (Debian's chromium driven
// by playwright-core from npm).
//
//   node tests/browser/run.mjs [--no-build] [--screenshot PATH] [--only MODE]
//
// Builds dist/esm (scripts/build.mjs), serves the repository from two
// origins on 127.0.0.1 (the page's, and a CORS-enabled "CDN" one), and opens
// tests/browser/suite.html in six modes (see suite.js): same, cross, csp,
// csp-page, cross-csp, coi. Then it opens examples/browser/?auto=1, waits for the render to
// finish and saves a screenshot (default dist/browser/mandelbrot.png).
// Prints one line per test and `N passed, N failed` alone on the last line;
// exits non-zero on any failure. Every wait is bounded.
//
// Needs /usr/bin/chromium (or $CHROMIUM): installed here with apt-get when
// missing and running as root.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startStaticServer } from "./static_server.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const screenshotPath = resolve(
  root,
  value("--screenshot", "dist/browser/mandelbrot.png"),
);
const only = value("--only", undefined);

const SUITE_MS = 240_000; // one mode of the suite
const EXAMPLE_MS = 120_000; // the example page's render
const CSP = "script-src 'self'"; // no 'unsafe-eval', no 'unsafe-inline'
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-dev-shm-usage",
];

function ensureChromium() {
  const path = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (existsSync(path)) return path;
  if (process.env.CHROMIUM) {
    throw new Error(`$CHROMIUM points at a missing file: ${path}`);
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      "Cannot run the browser tests as /usr/bin/chromium is missing and this is not root: " +
        "install it with `sudo apt-get install -y chromium` (Debian) or set $CHROMIUM",
    );
  }
  console.log("# installing chromium (apt-get)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const cmd of [["update", "-qq"], ["install", "-y", "-qq", "chromium"]]) {
    const r = spawnSync("apt-get", cmd, {
      stdio: ["ignore", "ignore", "inherit"],
      env,
      timeout: 600_000,
    });
    if (r.status !== 0) {
      throw new Error(`apt-get ${cmd.join(" ")} failed (status ${r.status})`);
    }
  }
  if (!existsSync(path)) {
    throw new Error(
      "apt-get installed chromium but /usr/bin/chromium is missing",
    );
  }
  return path;
}

/** Resolves with `promise`, or rejects after `ms` with `what` in the message. */
function bounded(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: no answer within ${ms / 1000}s`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

const results = [];
function report(name, ok, detail, ms) {
  results.push({ name, ok });
  const time = ms === undefined ? "" : ` (${ms} ms)`;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${time}`);
  if (!ok && detail) console.log(`     ${detail}`);
}

/** Opens the suite page in `mode` and reports each test it runs. */
async function runSuite(browser, mode, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  page.on("console", (msg) => {
    const text = msg.text();
    if (text.startsWith("__POOLTEST__ ")) {
      started = true;
      const r = JSON.parse(text.slice(13));
      report(`browser[${mode}] ${r.name}`, r.ok, r.error, r.ms);
    } else if (text.startsWith("__POOLTEST_DONE__ ")) {
      finish(JSON.parse(text.slice(18)));
    } else if (msg.type() === "error") {
      problems.push(text);
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400 && !response.url().endsWith("/favicon.ico")) {
      problems.push(`${response.url()} answered ${response.status()}`);
    }
  });
  let started = false;
  page.on("pageerror", (error) => {
    // an uncaught error on the page is a failure of its own; before the
    // first result it means the suite could not start at all
    report(`browser[${mode}] uncaught page error`, false, String(error));
    if (!started) finish({ crashed: String(error) });
  });
  try {
    await page.goto(url, { timeout: 30_000 });
    const summary = await bounded(done, SUITE_MS, `suite in mode ${mode}`);
    if (summary.crashed) {
      report(`browser[${mode}] suite page`, false, summary.crashed);
    } else if (summary.passed + summary.failed === 0) {
      report(`browser[${mode}] suite page`, false, "ran no test");
    }
  } catch (error) {
    report(
      `browser[${mode}] suite page`,
      false,
      `${error.message}\n     ${problems.join("\n     ")}`,
    );
  } finally {
    await context.close();
  }
}

/** Opens the example, waits for the render to finish, saves a screenshot. */
async function runExample(browser, url) {
  const name =
    "examples/browser renders the Mandelbrot set and shows the finished result";
  const context = await browser.newContext({
    viewport: { width: 1280, height: 760 },
  });
  const page = await context.newPage();
  const errors = [];
  let failLoad;
  const loadFailed = new Promise((_, reject) => (failLoad = reject));
  loadFailed.catch(() => {});
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("requestfailed", (request) => {
    // a script of the page that cannot load leaves it idle: fail now
    if (!request.url().endsWith("/favicon.ico")) {
      failLoad(new Error(`${request.url()} failed to load`));
    }
  });
  page.on("response", (response) => {
    if (response.status() >= 400 && !response.url().endsWith("/favicon.ico")) {
      failLoad(new Error(`${response.url()} answered ${response.status()}`));
    }
  });
  const start = Date.now();
  try {
    await page.goto(url, { timeout: 30_000 });
    await Promise.race([
      loadFailed,
      page.waitForSelector(
        "body[data-state='done'], body[data-state='error']",
        { timeout: EXAMPLE_MS },
      ),
    ]);
    const state = await page.getAttribute("body", "data-state");
    const stats = await page.textContent("#status");
    mkdirSync(dirname(screenshotPath), { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
    const rows = Number(await page.getAttribute("body", "data-rows"));
    const workers = Number(await page.getAttribute("body", "data-workers"));
    // Every pixel reported by the rows' reportProgress reached onProgress.
    const pixels = Number(await page.getAttribute("body", "data-pixels"));
    const expected = Number(
      await page.getAttribute("body", "data-expected-pixels"),
    );
    const ok = state === "done" && errors.length === 0 && rows > 0 &&
      workers >= 1 && pixels > 0 && pixels === expected;
    report(
      name,
      ok,
      `state=${state} rows=${rows} workers=${workers} pixels=${pixels}/${expected} ${
        errors.join("; ")
      }`,
      Date.now() - start,
    );
    console.log(`#   ${stats?.trim().replace(/\s*\n\s*/g, " · ")}`);
    console.log(`#   screenshot: ${relative(root, screenshotPath)}`);
  } catch (error) {
    report(name, false, `${error.message} ${errors.join("; ")}`);
  } finally {
    await context.close();
  }
}

/**
 * Builds dist/esm (unless `build` is false) and copies it to a private
 * directory that the servers serve as /dist/esm/, so that another build of
 * the same work tree (the runtime matrix rebuilds dist/esm) cannot pull
 * files from under a page that is loading.
 */
function snapshotBuild(build) {
  const dist = join(root, "dist", "esm");
  const needed = ["mod.js", "src/worker/bundle.js"];
  for (let attempt = 1;; attempt++) {
    if (build) {
      execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], {
        stdio: ["ignore", "ignore", "inherit"],
      });
    }
    const dir = join(mkdtempSync(join(tmpdir(), "xpool-browser-")), "esm");
    try {
      cpSync(dist, dir, { recursive: true });
      if (needed.every((f) => existsSync(join(dir, f)))) return dir;
    } catch {
      // dist/esm changed while copying: try again
    }
    rmSync(dirname(dir), { recursive: true, force: true });
    if (attempt === 3 || !build) {
      throw new Error(
        `Cannot snapshot ${
          relative(root, dist)
        }: run \`node scripts/build.mjs\` first`,
      );
    }
  }
}

async function main() {
  const executablePath = ensureChromium();
  const esm = snapshotBuild(!flag("--no-build"));
  const { chromium } = await import("playwright-core");
  const alias = { "/dist/esm/": esm };
  const cdn = await startStaticServer(root, { cors: true, alias });
  const page = await startStaticServer(root, {
    csp: { "/csp/": CSP, "/csp-cdn/": `${CSP} blob: ${cdn.origin}` },
    isolate: "/coi/",
    alias,
  });
  let browser;
  try {
    browser = await bounded(
      chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 60_000 }),
      90_000,
      "chromium launch",
    );
    console.log(
      `# ${browser.version()} · page ${page.origin} · cdn ${cdn.origin}`,
    );
    const suite = "tests/browser/suite.html";
    const modes = {
      same: `${page.origin}/${suite}?mode=same&root=/`,
      cross: `${page.origin}/${suite}?mode=cross&root=${cdn.origin}/`,
      csp: `${page.origin}/csp/${suite}?mode=csp&root=/csp/`,
      "csp-page": `${page.origin}/csp/${suite}?mode=csp-page&root=/`,
      "cross-csp":
        `${page.origin}/csp-cdn/${suite}?mode=cross-csp&root=${cdn.origin}/`,
      coi: `${page.origin}/coi/${suite}?mode=coi&root=/coi/`,
    };
    for (const [mode, url] of Object.entries(modes)) {
      if (!only || only === mode) await runSuite(browser, mode, url);
    }
    if (!only || only === "example") {
      await runExample(browser, `${page.origin}/examples/browser/?auto=1`);
    }
  } finally {
    await browser?.close().catch(() => {});
    await page.close();
    await cdn.close();
    rmSync(dirname(esm), { recursive: true, force: true });
  }
}

let fatal;
try {
  await main();
} catch (error) {
  fatal = error;
  report("browser tests", false, error?.stack ?? String(error));
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 || fatal || results.length === 0 ? 1 : 0;
