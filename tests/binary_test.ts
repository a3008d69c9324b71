import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { moduleTask } from "../mod.ts";
import { runFixture } from "./_child.ts";
import { deadline, fixture, T, withPool } from "./_util.ts";
import { checkBinary, KINDS, makeBinary } from "./fixtures/binary.ts";

type Binary = typeof import("./fixtures/binary.ts");

const BINARY = fixture("binary.ts");
const MIB = 1024 * 1024;
// Big enough that per-element work on receipt shows (Deno's worker_threads
// walked every index of a typed array: 16 MiB took seconds and hundreds of
// MB), small enough for CI.
const BYTES = 16 * MIB;

describe("Binary data crosses whole", () => {
  test(
    "16 MiB ArrayBuffer, typed arrays, DataView and nested views arrive as arguments with identical content",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const check = moduleTask<Binary["checkArgument"]>(
          BINARY,
          "checkArgument",
        );
        for (const [seed, kind] of KINDS.entries()) {
          const value = makeBinary(kind, BYTES, seed);
          const verdict = await deadline(
            pool.apply(check, [kind, BYTES, seed, value]),
            50,
            `apply with a ${kind} argument`,
          );
          assert.equal(verdict, "ok", `${kind} argument`);
        }
      });
    },
  );

  test(
    "16 MiB ArrayBuffer, typed arrays, DataView and nested views come back as results with identical content",
    T,
    async () => {
      await withPool({ processes: 1 }, async (pool) => {
        const make = moduleTask<Binary["makeBinary"]>(BINARY, "makeBinary");
        for (const [seed, kind] of KINDS.entries()) {
          const value = await deadline(
            pool.apply(make, [kind, BYTES, seed]),
            50,
            `apply returning a ${kind}`,
          );
          assert.equal(checkBinary(kind, BYTES, seed, value), "ok", kind);
        }
      });
    },
  );

  test(
    "16 MiB typed arrays round-trip (argument returned as the result) with identical content, through map() too",
    T,
    async () => {
      await withPool({ processes: 2 }, async (pool) => {
        const echo = moduleTask<Binary["echo"]>(BINARY, "echo");
        const kinds = ["Uint8Array", "Float64Array", "nested"] as const;
        const values = kinds.map((kind, i) => makeBinary(kind, BYTES, 50 + i));
        const back = await deadline(
          pool.map(echo, values, 1),
          50,
          "map over typed arrays",
        );
        kinds.forEach((kind, i) =>
          assert.equal(checkBinary(kind, BYTES, 50 + i, back[i]), "ok", kind)
        );
      });
    },
  );

  test(
    "a 16 MiB Uint8Array argument crosses in a process whose V8 heap is bounded to 256 MB (no per-element work on receipt)",
    T,
    async () => {
      // Deno's --v8-flags bound every isolate, workers included: a walk
      // over every index of the array ran out of memory there and killed
      // the process. Node's flag bounds the main thread; Bun has none.
      const result = await runFixture("binary_child.ts", {}, 50, {
        heapMb: 256,
      });
      assert.equal(result.timedOut, false, `child hung: ${result.stderr}`);
      assert.equal(
        result.stdout.trim(),
        "binary_child ok",
        `child: code ${result.code}, stderr ${result.stderr.slice(-1500)}`,
      );
      assert.equal(result.code, 0);
    },
  );
});
