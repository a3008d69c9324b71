// Bundles the worker entry (src/worker/entry.ts and what it imports) into one
// self-contained file, src/worker/bundle.js, which is what the pool starts:
// one module to fetch and compile instead of six makes a worker start sooner
// (Bun ~15 -> ~10 ms, Node ~57 -> ~50 ms to the first result; issue 5).
//   node scripts/bundle_worker.mjs          rewrite the bundle
//   node scripts/bundle_worker.mjs --check  exit 1 if it is not current
// Uses the repository's pinned Deno (`deno bundle`, esbuild inside).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "src", "worker", "bundle.js");
const deno = process.env.DENO_BIN ?? join(root, "node_modules", ".bin", "deno");

const HEADER = `// deno-fmt-ignore-file
// deno-lint-ignore-file
/* @ts-self-types="./bundle.d.ts" */
// Generated from src/worker/entry.ts by scripts/bundle_worker.mjs
// (\`deno task bundle\`): edit the sources, not this file.
/**
 * The worker entry of \`@x/pool\`, bundled into one file so that a worker
 * starts by loading a single module. Pools start it themselves; it exports
 * nothing.
 *
 * @module
 */
`;

/** The bundle's text as it should be. */
export function bundleText() {
  const dir = mkdtempSync(join(tmpdir(), "xpool-bundle-"));
  try {
    const out = join(dir, "bundle.js");
    execFileSync(
      deno,
      [
        "bundle",
        "--quiet",
        "--no-lock",
        "--platform=browser",
        "--format=esm",
        "-o",
        out,
        "src/worker/entry.ts",
      ],
      { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
    );
    return HEADER + readFileSync(out, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = bundleText();
  if (process.argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(target, "utf8");
    } catch {
      // missing
    }
    if (current !== text) {
      console.error(
        "src/worker/bundle.js is not current with src/: run `deno task bundle` (node scripts/bundle_worker.mjs) and commit it",
      );
      process.exit(1);
    }
    console.log("src/worker/bundle.js is current");
  } else {
    writeFileSync(target, text);
    console.log("wrote src/worker/bundle.js");
  }
}
