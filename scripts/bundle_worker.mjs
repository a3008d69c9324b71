// Bundles the worker entry (src/worker/entry.ts and what it imports) into
// one self-contained module, src/worker/bundle.js: what workers run when the
// library runs as JavaScript (the npm package, JSR's npm layer, an app
// bundle); one module to fetch and compile instead of several makes a worker
// start sooner (Bun ~15 -> ~10 ms, Node ~57 -> ~50 ms to the first result;
// issue 5). From TypeScript sources workers run src/worker/entry.ts itself,
// so the bundle is generated, never committed: `npm run build`,
// bench/build_js.mjs and `deno task publish` build it where it is needed.
//   node scripts/bundle_worker.mjs [out]   write the bundle (default
//                                          src/worker/bundle.js)
// Uses the repository's pinned Deno (`deno bundle`, esbuild inside).
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
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

/** The bundle's text. */
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

/** Writes the bundle to `out` (default src/worker/bundle.js); returns the path. */
export function writeBundle(out = target) {
  const text = bundleText();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = writeBundle(
    process.argv[2] ? resolve(process.argv[2]) : target,
  );
  console.log(`wrote ${out}`);
}
