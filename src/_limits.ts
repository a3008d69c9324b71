// This module is browser compatible.
/**
 * The check of `new Pool({ resourceLimits })`: an object of Node's limit
 * names, each a finite number of MB above the floor a worker survives.
 * Whether the chosen context can apply them is checked where the adapter
 * is chosen (`adapters/_select.ts`).
 *
 * @module
 */

import type { ResourceLimitName, ResourceLimits } from "./core/adapter.ts";
import { distance, inheritedKeys, kindOf, received } from "./_option_names.ts";

/**
 * The smallest value of each limit a worker survives, where one exists:
 * below it the runtime aborts the whole process (measured: a 2 MB old
 * generation on Node 24 and 4 MB on Deno 2.9 end in "Fatal JavaScript out
 * of memory"; a 0.2 MB stack makes Node segfault).
 */
const LIMIT_FLOOR: Readonly<Record<ResourceLimitName, number>> = {
  maxOldGenerationSizeMb: 16,
  maxYoungGenerationSizeMb: 0,
  stackSizeMb: 0.5,
};

/** Names people write for a limit (Node's CLI flags, V8's). */
const LIMIT_SYNONYMS: Readonly<Record<string, ResourceLimitName>> = {
  maxoldspacesize: "maxOldGenerationSizeMb",
  maxoldspacesizemb: "maxOldGenerationSizeMb",
  heapsizemb: "maxOldGenerationSizeMb",
  maxsemispacesize: "maxYoungGenerationSizeMb",
  stacksize: "stackSizeMb",
};

/** "generation" and "gen" alike (`maxOldGenSizeMb`): compared shortened. */
function gen(name: string): string {
  return name.replace("generation", "gen");
}

/**
 * Checks `new Pool({ resourceLimits })` and returns a frozen copy holding
 * the limits given (undefined when none is).
 *
 * @throws {TypeError} For a non-object, an unknown field (with the right
 *   spelling where it is close) or a value that is not a number.
 * @throws {RangeError} For a number that is not finite or below the
 *   field's floor (`0`, `-1`, `NaN`, `Infinity`).
 */
export function resourceLimitsOption(
  value: unknown,
): ResourceLimits | undefined {
  if (value === undefined || value === null) return undefined;
  // As options are: an ordinary object (a Map, a Date, an array or a
  // function would hold its limits where they are not read).
  if (
    typeof value !== "object" ||
    Object.prototype.toString.call(value) !== "[object Object]"
  ) {
    throw new TypeError(
      `Cannot create pool as 'resourceLimits' must be an object such as { maxOldGenerationSizeMb: 512 }: received ${
        kindOf(value)
      }${
        typeof value === "object" || typeof value === "function"
          ? "; pass the limits as an object literal"
          : ""
      }`,
    );
  }
  const names = Object.keys(LIMIT_FLOOR) as ResourceLimitName[];
  const out: Record<string, number> = {};
  // Its fields as options are read: own or inherited, enumerable (an
  // unknown one is refused) or getters (each limit read by its name).
  for (
    const key of new Set([
      ...Object.keys(value),
      ...inheritedKeys(value),
      ...names,
    ])
  ) {
    const limit = (value as Record<string, unknown>)[key];
    if (!(names as string[]).includes(key)) {
      const fold = key.toLowerCase().replace(/[_-]/g, "");
      const close = LIMIT_SYNONYMS[fold] ??
        names.find((name) => distance(gen(name.toLowerCase()), gen(fold)) <= 3);
      const hint = close
        ? `: did you mean '${close}'?`
        : fold === "coderangesizemb"
        ? ": the code range is not a limit a task can exceed, so the pool does not set it"
        : "";
      throw new TypeError(
        `Cannot create pool as 'resourceLimits' got an unexpected field '${key}'${hint} (it takes ${
          names.map((n) => `'${n}'`).join(", ")
        }, in MB)`,
      );
    }
    if (limit === undefined) continue;
    if (typeof limit !== "number") {
      throw new TypeError(
        `Cannot create pool as 'resourceLimits.${key}' must be a number of MB: received ${
          received(limit)
        }`,
      );
    }
    const floor = LIMIT_FLOOR[key as ResourceLimitName];
    if (!Number.isFinite(limit) || limit <= 0 || limit < floor) {
      throw new RangeError(
        `Cannot create pool as 'resourceLimits.${key}' must be a finite number of MB ${
          floor > 0
            ? `of at least ${floor} (a smaller one aborts the whole process)`
            : "above 0"
        }: received ${received(limit)}`,
      );
    }
    out[key] = limit;
  }
  return Object.keys(out).length === 0 ? undefined : Object.freeze(out);
}
