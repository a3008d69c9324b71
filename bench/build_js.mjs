// Writes a JavaScript copy of @x/pool (mod.ts and src/**/*.ts, types erased by
// Node's own stripper, src/**/*.js as they are; relative `.ts` specifiers
// turned into `.js`) to bench/.xpool-js/. With XPOOL_JS=1 the bench imports
// that copy instead of ../mod.ts: closer to what npm users get from JSR, and
// it shows what Node's type stripping costs at start-up and in memory. Needs
// Node >= 22.13 (module.stripTypeScriptTypes). Workers of that copy run the
// bundled entry, src/worker/bundle.js, built here (scripts/bundle_worker.mjs).
import { stripTypeScriptTypes } from "node:module";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeBundle } from "../scripts/bundle_worker.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(HERE);
const OUT = join(HERE, ".xpool-js");

function* tsFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith(".ts") || e.name.endsWith(".js")) yield p;
  }
}

export function buildJs() {
  rmSync(OUT, { recursive: true, force: true });
  for (const file of [join(ROOT, "mod.ts"), ...tsFiles(join(ROOT, "src"))]) {
    const text = readFileSync(file, "utf8");
    const js = (file.endsWith(".js")
      ? text
      : stripTypeScriptTypes(text, { mode: "strip" }))
      .replace(/(["'])(\.\.?\/[^"'\n]*)\.ts\1/g, "$1$2.js$1");
    const dest = join(OUT, relative(ROOT, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, js);
  }
  writeBundle(join(OUT, "src", "worker", "bundle.js"));
  writeFileSync(join(OUT, "package.json"), '{ "type": "module" }\n');
  return OUT;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`wrote ${buildJs()}`);
}
