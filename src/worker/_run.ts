// This module is browser compatible.
/**
 * Running a chunk of items through a task function, outside the loop's
 * async function (engines optimise a plain function's loop better).
 *
 * @module
 */

import { isThenable } from "../core/_thenable.ts";
import type { ErrorRecord, FnSpec } from "../core/_wire.ts";
import { describe, type Fn } from "./_compile.ts";

/**
 * Calls `fn` on `items` from `start`, appending to `values` (one entry per
 * item) and `errors`. Returns the index whose value is a promise (the last
 * entry of `values`), or -1 once every item has run.
 */
export function runItems(
  fn: Fn,
  items: unknown[],
  star: boolean,
  values: unknown[],
  errors: [number, ErrorRecord][],
  spec: FnSpec | undefined,
  start: number,
): number {
  for (let i = start; i < items.length; i++) {
    let value;
    try {
      value = star ? fn(...(items[i] as unknown[])) : fn(items[i]);
    } catch (error) {
      values.push(undefined);
      errors.push([i, describe(error, spec)]);
      continue;
    }
    values.push(value);
    if (isThenable(value)) return i;
  }
  return -1;
}
