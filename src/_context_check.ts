// This module is browser compatible.
/**
 * The check of a custom `context` (a `WorkerAdapter` object) at
 * `new Pool`: its required members, and its optional ones' types.
 *
 * @module
 */

import { received } from "./_option_names.ts";

/** A custom `context` must be a whole `WorkerAdapter`: say what is missing. */
export function checkAdapter(a: Record<string, unknown>): void {
  const missing = [
    typeof a.name === "string" ? "" : "a string 'name'",
    typeof a.sharedMemory === "boolean" ? "" : "a boolean 'sharedMemory'",
    typeof a.spawn === "function" ? "" : "a function 'spawn'",
  ].filter(Boolean);
  if (missing.length === 0) {
    countMember(a, "processes", "omit it to default to cpuCount()");
    countMember(a, "prefetch", "omit it for 1");
    if (a.unordered !== undefined && typeof a.unordered !== "boolean") {
      throw new TypeError(
        `Cannot create pool as the context's 'unordered' must be true or false: received ${
          received(a.unordered)
        }; omit it for false`,
      );
    }
    return;
  }
  throw new TypeError(
    `Cannot create pool as 'context' is an object but not a WorkerAdapter: it lacks ${
      missing.join(", ")
    }: pass "web", "bun" or "node", or an object { name, sharedMemory, spawn(options, events) } as WorkerAdapter documents`,
  );
}

/** An optional count member of a custom `context`, checked. */
function countMember(
  a: Record<string, unknown>,
  name: "processes" | "prefetch",
  fix: string,
): void {
  const value = a[name];
  if (
    value === undefined ||
    (Number.isSafeInteger(value) && (value as number) > 0)
  ) return;
  throw new TypeError(
    `Cannot create pool as the context's '${name}' must be a positive integer: received ${
      received(value)
    }; ${fix}`,
  );
}
