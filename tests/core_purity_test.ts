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
    for (const [, spec] of code.matchAll(/from\s+["']([^"']+)["']/g)) {
      assert.ok(
        !spec.includes("adapters/") && !spec.includes("worker/"),
        `${file} imports ${spec}`,
      );
    }
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
