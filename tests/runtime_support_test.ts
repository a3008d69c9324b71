/**
 * A runtime without what the pool needs (Node 20 has no
 * Promise.withResolvers) gets one clear error at `new Pool`, naming the
 * supported versions. The real Node 20 runs in the `node20:unsupported:npm`
 * cell of scripts/test_all.mjs; here the feature is removed for a moment.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpuCount, currentProcess, Pool } from "../mod.ts";
import { constructionError, deadline, poolOptions, T } from "./_util.ts";

test(
  "new Pool() without Promise.withResolvers throws an Error naming the supported runtimes",
  T,
  async () => {
    const promise = Promise as { withResolvers?: unknown };
    const saved = Object.getOwnPropertyDescriptor(promise, "withResolvers");
    let error: unknown;
    try {
      delete promise.withResolvers;
      error = await constructionError(() => new Pool(poolOptions()));
      // What needs no pool still works.
      assert.ok(cpuCount() >= 1);
      assert.equal(currentProcess().name, "MainProcess");
    } finally {
      if (saved) Object.defineProperty(promise, "withResolvers", saved);
    }
    assert.ok(error instanceof Error, `expected an Error, got ${error}`);
    const message = (error as Error).message;
    assert.match(message, /Promise\.withResolvers/);
    assert.match(message, /Node 22\.3 or later/);
    assert.match(message, /Node 20/);
    // And with the feature back, pools work.
    const pool = new Pool(poolOptions());
    try {
      assert.equal(await deadline(pool.apply(() => 1), 20, "apply"), 1);
    } finally {
      await deadline(pool.terminate(), 20, "terminate");
    }
  },
);
