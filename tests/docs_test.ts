/**
 * The README ships in the package (JSR: deno.json "publish"; npm:
 * scripts/build_npm.mjs copies it), so every link in it must resolve to a
 * file that ships too, and no shipped file may point outside the
 * repository (the project's shared notes are not in it).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]
  );
}

/** The files `deno publish` ships: deno.json publish include minus exclude. */
function published(): Set<string> {
  const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
  const { include = [], exclude = [] } = config.publish ?? {};
  const files = new Set<string>();
  const under = (path: string, prefix: string) =>
    path === prefix.replace(/\/$/, "") ||
    path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/");
  for (const entry of include as string[]) {
    const full = join(root, entry);
    if (!existsSync(full)) continue;
    const list = statSync(full).isDirectory() ? walk(full) : [full];
    for (const file of list) {
      const rel = relative(root, file).split("\\").join("/");
      if (!(exclude as string[]).some((e) => under(rel, e))) files.add(rel);
    }
  }
  return files;
}

/** Targets of Markdown links and images: `[text](target)`, `![alt](target)`. */
function links(markdown: string): string[] {
  const code = markdown.replace(/```[\s\S]*?```/g, "").replace(
    /`[^`\n]*`/g,
    "",
  );
  return [...code.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?[^)]*\)/g)].map(
    (m) => m[1],
  );
}

test("every relative link in a shipped Markdown file resolves to a shipped file", () => {
  const files = published();
  assert.ok(files.has("README.md"), "README.md is published");
  const problems: string[] = [];
  for (const file of [...files].filter((f) => f.endsWith(".md"))) {
    const text = readFileSync(join(root, file), "utf8");
    for (const target of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) {
        continue; // absolute URL or an anchor of the same page
      }
      const path = normalize(join(dirname(file), target.split("#")[0]))
        .split("\\").join("/").replace(/\/$/, "");
      const ships = files.has(path) ||
        [...files].some((f) => f.startsWith(path + "/"));
      if (!ships) problems.push(`${file}: (${target}) is not in the package`);
    }
  }
  assert.deepEqual(problems, []);
});

test("no shipped file points outside the repository", () => {
  const problems: string[] = [];
  for (const file of published()) {
    if (!/\.(md|ts|js|json)$/.test(file)) continue;
    const text = readFileSync(join(root, file), "utf8");
    for (
      const pattern of [
        /\.\.\/shared\b/,
        /\bseeds\//,
        /\bSTYLE\.md\b/,
        /\bRUNTIMES\.md\b/,
        /\/work\//,
      ]
    ) {
      const m = pattern.exec(text);
      if (m) problems.push(`${file}: mentions ${m[0]}`);
    }
  }
  assert.deepEqual(problems, []);
});
