// Transpiles the library to ESM JavaScript + .d.ts in dist/esm: the shape
// JSR's npm layer serves (and the browser build loads). Needs `npm ci`.
//   node scripts/build.mjs
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Every entry of deno.json "exports" (mod.ts and the worker entry) is a root
// of the module graph, as it is for JSR's npm layer.
const exportsMap = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"))
  .exports;
const allEntries = Object.values(
  typeof exportsMap === "string" ? { ".": exportsMap } : exportsMap,
);
// TypeScript entries are compiled; JavaScript ones (the bundled worker,
// src/worker/bundle.js) are copied as they are.
const copied = allEntries.filter((path) => path.endsWith(".js"));
const entries = allEntries
  .filter((path) => !path.endsWith(".js"))
  .map((path) => join(root, path));
const out = join(root, "dist", "esm");
rmSync(out, { recursive: true, force: true });
mkdirSync(join(root, "dist"), { recursive: true });
const tsconfig = join(root, "dist", "tsconfig.build.json");
writeFileSync(
  tsconfig,
  JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        lib: ["ES2024", "ESNext.Disposable", "DOM"],
        types: [],
        strict: true,
        declaration: true,
        sourceMap: false,
        rewriteRelativeImportExtensions: true,
        allowImportingTsExtensions: false,
        verbatimModuleSyntax: true,
        skipLibCheck: true,
        rootDir: root,
        outDir: out,
      },
      files: entries,
    },
    null,
    2,
  ),
);
execFileSync(
  process.execPath,
  [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig],
  { stdio: "inherit" },
);
for (const path of copied) {
  mkdirSync(dirname(join(out, path)), { recursive: true });
  copyFileSync(join(root, path), join(out, path));
  const types = path.replace(/\.js$/, ".d.ts");
  if (existsSync(join(root, types))) {
    copyFileSync(join(root, types), join(out, types));
  }
}
console.log(`built ${out}`);
