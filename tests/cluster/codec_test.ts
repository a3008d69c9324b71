/**
 * Values cross as bytes between a caller and hosts on any runtime (issue
 * 13): the cluster codec round-trips what structured clone copies, here and
 * through a child process of each runtime, byte for byte.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { pack, unpack } from "../../src/cluster/_codec.ts";
import { availableRuntimes, ROOT, runtimePath } from "./_hosts.ts";

const ECHO = new URL("./fixtures/codec_echo.ts", import.meta.url).pathname;

function sample(): Record<string, unknown> {
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const shared = { s: 1 };
  return {
    u: undefined,
    nul: null,
    nan: NaN,
    negZero: -0,
    inf: -Infinity,
    ints: [0, 1, -1, 23, 24, 255, 256, 65535, 2 ** 31, 2 ** 53 - 1, -(2 ** 40)],
    floats: [0.1, 1.5, -2.25, 1e300, 5e-324],
    big: [0n, 2n ** 64n + 1n, -(2n ** 70n), 5n],
    date: new Date(1_700_000_000_123),
    re: /a+b/gimsuy,
    map: new Map<unknown, unknown>([[1, "one"], [{ k: 1 }, [2]]]),
    set: new Set([1, "two", 3n]),
    buffer: new Uint8Array([9, 8, 7]).buffer,
    view: new DataView(new Uint8Array([1, 2, 3]).buffer),
    typed: [
      new Int8Array([-1]),
      new Uint8Array([255]),
      new Uint8ClampedArray([7]),
      new Int16Array([-300]),
      new Uint16Array([60000]),
      new Int32Array([-70000]),
      new Uint32Array([4000000000]),
      new Float32Array([1.5]),
      new Float64Array([Math.PI]),
      new BigInt64Array([-5n]),
      new BigUint64Array([5n]),
    ],
    cyclic,
    shared: [shared, shared],
    text: "héllo \u{1F600}",
    nested: [[{ a: [null, undefined, true, false] }]],
  };
}

function check(back: Record<string, unknown>): void {
  const value = sample();
  assert.deepEqual(back, value);
  assert.ok(Object.is(back.negZero, -0), "-0");
  assert.ok(back.buffer instanceof ArrayBuffer, "ArrayBuffer");
  assert.ok(back.view instanceof DataView, "DataView");
  const cyclic = back.cyclic as Record<string, unknown>;
  assert.equal(cyclic.self, cyclic, "cycle");
  const shared = back.shared as unknown[];
  assert.equal(shared[0], shared[1], "shared reference");
  assert.ok("u" in back, "undefined kept as a property");
}

test("the codec round-trips structured-clone values", () => {
  check(unpack(pack(sample())) as Record<string, unknown>);
  assert.throws(() => pack({ f: () => 1 }));
  assert.throws(() => pack(Symbol("s")));
});

for (const runtime of availableRuntimes()) {
  test(`the codec's bytes survive a trip through ${runtime}`, {
    timeout: 60_000,
  }, () => {
    const exe = runtimePath(runtime)!;
    const args = runtime === "deno" ? ["run", "-A", ECHO] : [ECHO];
    const bytes = pack(sample());
    const out = execFileSync(exe, args, {
      cwd: ROOT,
      input: Buffer.from(bytes).toString("base64"),
      encoding: "utf8",
      timeout: 50_000,
    });
    const back = new Uint8Array(Buffer.from(out.trim(), "base64"));
    assert.deepEqual(back, new Uint8Array(bytes), "the same bytes");
    check(unpack(back) as Record<string, unknown>);
  });
}

test("a decoded typed array or DataView has a buffer of its own size", () => {
  const cases = [
    new Uint8Array(new ArrayBuffer(1000), 10, 3),
    new Float64Array(new ArrayBuffer(800), 16, 4),
    new Int16Array([1, 2, 3]),
    new DataView(new ArrayBuffer(100), 20, 5),
  ];
  const out = unpack(pack(["pad", ...cases, { nested: cases[0] }])) as [
    string,
    ...ArrayBufferView[],
  ];
  for (let i = 0; i < cases.length; i++) {
    const v = out[i + 1] as ArrayBufferView;
    assert.equal(v.constructor, cases[i].constructor);
    assert.equal(v.byteOffset, 0, `${v.constructor.name} byteOffset`);
    assert.equal(v.buffer.byteLength, cases[i].byteLength);
  }
  const nested = (out[cases.length + 1] as unknown as { nested: Uint8Array })
    .nested;
  assert.equal(nested.buffer.byteLength, 3);
});
