// This module is browser compatible.
/**
 * The errors of `Pool` methods given more arguments than they take: the
 * constructor (one: a number of processes or an options object; Python's
 * `Pool(processes, initializer, initargs, ...)` is one options object
 * here), and `close()`, `join()` and `stats()` (none). What follows would
 * be dropped without a word, so it is refused.
 *
 * @module
 */

import { isModuleTask } from "./module_task.ts";
import { received } from "./_option_names.ts";

/** Python's positional parameters of `Pool`, in order. */
const PYTHON = [
  "processes",
  "initializer",
  "initargs",
  "maxtasksperchild",
  "context",
];

/** `value` as source text where it is short and exact, else undefined. */
function source(value: unknown): string | undefined {
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") {
    return /^[A-Za-z_$][\w$]*$/.test(value.name) ? value.name : undefined;
  }
  if (Array.isArray(value) && value.length <= 4) {
    const items = value.map(source);
    return items.every((item) => item !== undefined && item.length <= 20)
      ? `[${items.join(", ")}]`
      : undefined;
  }
  return undefined;
}

/**
 * The error of `new Pool(a, b, ...)`. Read as Python's positional
 * parameters when the second argument is an initializer (a function or a
 * `moduleTask()`), else as options to merge (a number is `processes`); the
 * fix names them in one options object, each value as written where it is
 * short (`initargs: [42]`), else by its name (`{ context }`).
 *
 * @param args What the constructor received (more than 1 argument).
 */
export function extraPoolArguments(args: ArrayLike<unknown>): TypeError {
  const fields = new Map<string, unknown>();
  const second = args[1];
  if (
    (args[0] == null || typeof args[0] === "number") &&
    (typeof second === "function" || isModuleTask(second))
  ) {
    for (let i = 0; i < Math.min(args.length, PYTHON.length); i++) {
      if (args[i] != null) fields.set(PYTHON[i], args[i]);
    }
  } else {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (typeof arg === "number" && !fields.has("processes")) {
        fields.set("processes", arg);
      } else if (
        typeof arg === "object" && arg !== null && !Array.isArray(arg)
      ) {
        for (const key of Object.keys(arg)) {
          fields.set(key, (arg as Record<string, unknown>)[key]);
        }
      }
    }
  }
  const written = [...fields].map(([key, value]) => {
    const text = source(value);
    return text === undefined ? key : `${key}: ${text}`;
  });
  const fix = written.length === 0
    ? "pass one number of processes or one options object"
    : `pass new Pool({ ${written.join(", ")} })`;
  return new TypeError(
    `Cannot create pool with ${args.length} arguments as new Pool() takes one (a number of processes or an options object), and what follows would be ignored: ${fix}`,
  );
}

/**
 * The error of a `Pool` method that takes no arguments given some:
 * `close()`, `join()`, `stats()`. (`terminate()` takes any: it is bound
 * as a listener, which gets an event.)
 *
 * @param method Its name.
 * @param args What it received (at least one).
 */
export function noArguments(
  method: string,
  args: ArrayLike<unknown>,
): TypeError {
  const n = args.length;
  return new TypeError(
    `Cannot call ${method}() with ${n} argument${
      n === 1 ? "" : "s"
    } as ${method}() takes no arguments: received ${
      Array.from(args, received).join(", ")
    }${
      method === "join"
        ? "; it waits with no time limit (as Python's): to wait less, race it with a timer, or call terminate()"
        : ""
    }`,
  );
}
