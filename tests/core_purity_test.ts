/**
 * Keeps the layering honest: the core knows no runtime, and the static
 * import graph of mod.ts has no `node:` import (so browsers can load it).
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

test("src/core has no runtime checks or runtime imports", () => {
  const dir = join(root, "src", "core");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const code = readFileSync(join(dir, file), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    for (
      const banned of [
        /["']node:/,
        /\bDeno\b/,
        /\bBun\b/,
        /\bprocess\./,
        /\bnavigator\b/,
      ]
    ) {
      assert.doesNotMatch(code, banned, `${file} mentions ${banned}`);
    }
  }
});

test("src/core imports nothing outside src/core", () => {
  const dir = join(root, "src", "core");
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  assert.ok(files.length > 10, `found ${files.length} files`);
  for (const file of files) {
    const code = readFileSync(join(dir, file), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    const specs = [
      // import/export ... from "x" (also `import type`, multi-line lists)
      ...code.matchAll(
        /^\s*(?:import|export)\b[^"';]*?\bfrom\s*["']([^"']+)["']/gm,
      ),
      // import "x"
      ...code.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
      // import("x")
      ...code.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g),
    ].map((m) => m[1]);
    for (const spec of specs) {
      assert.ok(
        spec.startsWith("./") || spec.startsWith("../"),
        `${file} imports ${spec}, which is not a relative path in src/core`,
      );
      const target = resolve(dir, spec);
      assert.ok(
        dirname(target) === dir,
        `${file} imports ${spec}, which resolves outside src/core`,
      );
    }
    // Every `from "..."` was seen by the patterns above (none hides in an
    // odd layout).
    const froms = code.match(/\bfrom\s*["'][^"']+["']\s*;/g) ?? [];
    assert.ok(
      specs.length >= froms.length,
      `${file}: an import the check cannot parse`,
    );
  }
});

test("mod.ts reaches no node: import statically", () => {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, "utf8");
    for (
      const [, spec] of code.matchAll(
        /^\s*(?:import|export)[^"';]*?from\s+["']([^"']+)["']/gm,
      )
    ) {
      assert.ok(!spec.startsWith("node:"), `${file} imports ${spec}`);
      if (spec.startsWith(".")) visit(resolve(dirname(file), spec));
    }
  };
  visit(join(root, "mod.ts"));
  visit(join(root, "src", "worker", "entry.ts"));
  assert.ok(seen.size > 10, `walked ${seen.size} files`);
});
