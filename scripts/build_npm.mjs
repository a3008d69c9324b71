// Builds the package in the shape JSR's npm layer serves it to Node and Bun
// (`npx jsr add @x/pool` installs `@jsr/x__pool` under the alias `@x/pool`):
// ESM `.js` + `.d.ts` for every module of the graph (the worker entry
// included), relative imports rewritten to `.js`, and a package.json whose
// `exports` mirror deno.json's with `.ts` turned into `.js`. Then packs it.
//   node scripts/build_npm.mjs      -> dist/npm/jsr-x__pool-<version>.tgz
// Needs `npm ci` (TypeScript). Prints the tarball's path on the last line.
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const esm = join(root, "dist", "esm");
const out = join(root, "dist", "npm");
const pkgDir = join(out, "package");

/** JSR's npm name for `@scope/name`: `@jsr/scope__name`. */
export function npmName(jsrName) {
  const match = /^@([^/]+)\/(.+)$/.exec(jsrName);
  if (!match) throw new Error(`Not a JSR package name: "${jsrName}"`);
  return `@jsr/${match[1]}__${match[2]}`;
}

/** `./x.ts` -> `./x.js`, `./x.ts` -> `./x.d.ts` (types). */
function jsPath(path, types) {
  return path.replace(/\.(m?)tsx?$/, types ? ".d.$1ts" : ".$1js");
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]
  );
}

/**
 * Checks the built files: no TypeScript source left, every relative import
 * and every literal `new URL("./x.js", import.meta.url)` (double quotes, as
 * deno fmt writes code; messages quote with single quotes) resolves to a file
 * of the package (a `.ts` URL is the source-run branch of worker_url and is
 * expected to be absent), every export target exists.
 */
function verify(dir, exportsMap) {
  const problems = [];
  for (const file of walk(dir)) {
    const rel = relative(dir, file);
    if (/\.tsx?$/.test(file) && !file.endsWith(".d.ts")) {
      problems.push(`${rel}: TypeScript source in the package`);
    }
    if (!file.endsWith(".js")) continue;
    // Code only: doc comments hold examples with made-up paths.
    const text = readFileSync(file, "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    const specifiers = [
      ...text.matchAll(/\b(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g),
    ].map((m) => m[1]);
    for (const spec of specifiers) {
      if (!existsSync(join(dirname(file), spec))) {
        problems.push(`${rel}: import "${spec}" does not resolve`);
      }
    }
    const urls = [
      ...text.matchAll(
        /new URL\(\s*"(\.{1,2}\/[^"]+)"\s*,\s*import\.meta\.url\s*\)/g,
      ),
    ].map((m) => m[1]);
    for (const spec of urls) {
      if (spec.endsWith(".ts")) continue;
      if (!existsSync(join(dirname(file), spec))) {
        problems.push(`${rel}: new URL("${spec}") does not resolve`);
      }
    }
  }
  // The README ships: its relative links and images must resolve inside the
  // package (tests/docs_test.ts checks the same for JSR's publish list).
  for (const file of walk(dir).filter((f) => f.endsWith(".md"))) {
    const rel = relative(dir, file);
    const text = readFileSync(file, "utf8")
      .replace(/```[\s\S]*?```/g, "")
      .replace(/`[^`\n]*`/g, "");
    for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?[^)]*\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) {
        continue;
      }
      if (!existsSync(join(dirname(file), target.split("#")[0]))) {
        problems.push(`${rel}: link (${target}) is not in the package`);
      }
    }
  }
  for (const [key, target] of Object.entries(exportsMap)) {
    for (const path of [target.types, target.default]) {
      if (path !== undefined && !existsSync(join(dir, path))) {
        problems.push(`exports["${key}"]: ${path} is missing`);
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(`The npm package is broken:\n  ${problems.join("\n  ")}`);
  }
}

/**
 * `{ name: version }` of the `npm:` specifiers of an import map
 * (`"npm:cbor-x@1.6.9/encode"` -> `cbor-x: "1.6.9"`).
 */
export function npmDependencies(imports) {
  const deps = {};
  for (const target of Object.values(imports)) {
    const m = /^npm:((?:@[^/@]+\/)?[^/@]+)@([^/]+)/.exec(target);
    if (m) deps[m[1]] = m[2];
  }
  return deps;
}

/** Builds and packs; returns the tarball's absolute path. */
export function buildNpm() {
  const deno = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(esm, pkgDir, { recursive: true });
  for (const file of ["README.md", "LICENSE"]) {
    if (existsSync(join(root, file))) {
      cpSync(join(root, file), join(pkgDir, file));
    }
  }
  const denoExports = typeof deno.exports === "string"
    ? { ".": deno.exports }
    : deno.exports;
  const exportsMap = Object.fromEntries(
    Object.entries(denoExports).map(([key, path]) => [
      key,
      path.endsWith(".js")
        ? { types: path.replace(/\.js$/, ".d.ts"), default: path }
        : { types: jsPath(path, true), default: jsPath(path, false) },
    ]),
  );
  const pkg = {
    name: npmName(deno.name),
    version: deno.version,
    ...(deno.description ? { description: deno.description } : {}),
    license: deno.license,
    homepage: `https://jsr.io/${deno.name}`,
    type: "module",
    // The oldest Node the library runs on: Promise.withResolvers (22.0) and
    // process.getBuiltinModule (22.3). src/_features.ts says the same at
    // `new Pool` on an older one.
    engines: { node: ">=22.3.0" },
    // The npm packages deno.json maps bare specifiers to (the cluster's).
    dependencies: npmDependencies(deno.imports ?? {}),
    exports: exportsMap,
    _jsr_revision: 0,
  };
  writeFileSync(
    join(pkgDir, "package.json"),
    JSON.stringify(pkg, null, 2) + "\n",
  );
  verify(pkgDir, exportsMap);
  const packed = execFileSync(
    "npm",
    ["pack", "--silent", "--pack-destination", out],
    { cwd: pkgDir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  ).trim().split("\n").pop();
  return join(out, packed);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const tarball = buildNpm();
  console.log(`packed ${relative(root, tarball)}`);
  console.log(tarball);
}
