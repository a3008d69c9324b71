/**
 * Type-level checks, verified by `deno check tests/types_check.ts` and never
 * executed (the file is not a `*_test.ts`).
 *
 * @module
 */

import { moduleTask, Pool } from "../mod.ts";
import type {
  AsyncResult,
  IMapIterator,
  ModuleTask,
  ProcessInfo,
} from "../mod.ts";

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true
  : false;

function assertType<_T extends true>(): void {}

type Tasks = typeof import("./fixtures/tasks.ts");

export async function checks(pool: Pool): Promise<void> {
  const doubled = await pool.map((x: number) => x * 2, [1]);
  assertType<Equals<typeof doubled, number[]>>();

  const applied = await pool.apply((a: number, b: string) => `${a}${b}`, [
    1,
    "x",
  ]);
  assertType<Equals<typeof applied, string>>();

  const asyncApplied = await pool.apply(
    async (a: number) => await Promise.resolve(a > 0),
    [1],
  );
  assertType<Equals<typeof asyncApplied, boolean>>();

  const handle = pool.apply_async((x: number) => x + 1, [1]);
  assertType<Equals<typeof handle, AsyncResult<number>>>();
  const got = await handle.get(1);
  assertType<Equals<typeof got, number>>();
  const awaited = await handle;
  assertType<Equals<typeof awaited, number>>();

  const mapped = pool.map_async((s: string) => s.length, ["a"]);
  assertType<Equals<typeof mapped, AsyncResult<number[]>>>();

  const starred = await pool.starmap((a: number, b: number) => a * b, [[1, 2]]);
  assertType<Equals<typeof starred, number[]>>();

  const it = pool.imap((x: number) => String(x), [1, 2]);
  assertType<Equals<typeof it, IMapIterator<string>>>();
  for await (const value of it) {
    assertType<Equals<typeof value, string>>();
  }
  const unordered = pool.imap_unordered(
    async (x: number) => await Promise.resolve([x]),
    [1],
  );
  assertType<Equals<typeof unordered, IMapIterator<number[]>>>();

  const double = moduleTask<Tasks["double"]>(
    new URL("./fixtures/tasks.ts", import.meta.url),
    "double",
  );
  assertType<Equals<typeof double, ModuleTask<(x: number) => number>>>();
  const viaModule = await pool.map(double, [1, 2]);
  assertType<Equals<typeof viaModule, number[]>>();
  const who = await pool.apply(
    moduleTask<Tasks["whoAmI"]>(
      new URL("./fixtures/tasks.ts", import.meta.url),
      "whoAmI",
    ),
  );
  assertType<Equals<typeof who, ProcessInfo>>();

  pool.apply_async((x: number) => x, [1], {
    callback: (value) => assertType<Equals<typeof value, number>>(),
  });
  pool.map_async((x: number) => String(x), [1], {
    callback: (list) => assertType<Equals<typeof list, string[]>>(),
  });

  const count: number = pool.processes;
  void count;

  // @ts-expect-error: a number function mapped over strings
  await pool.map((x: number) => x * 2, ["a", "b"]);
  // @ts-expect-error: apply with a wrong argument tuple
  await pool.apply((a: number, b: string) => a + b, [1, 2]);
  // @ts-expect-error: apply with too few arguments
  await pool.apply((a: number, b: number) => a + b, [1]);
  // @ts-expect-error: starmap with wrong argument lists
  await pool.starmap((a: number, b: number) => a * b, [["x", "y"]]);
  // @ts-expect-error: a module task used with the wrong item type
  await pool.map(double, ["not a number"]);
  // @ts-expect-error: processes is read-only
  pool.processes = 3;
  // @ts-expect-error: unknown context
  new Pool({ context: "thread" });
}
