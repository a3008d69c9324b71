// This module is browser compatible.
/**
 * Errors cross the worker boundary as plain records, never as cloned
 * errors (structured clone drops names, subclasses, own properties and, on
 * Bun, `cause`). The worker calls {@linkcode toRecord}; the pool calls
 * {@linkcode fromRecord}.
 *
 * @module
 */

import { RemoteError } from "./errors.ts";
import type { ErrorRecord } from "./_wire.ts";

/** Nesting depth of causes and `errors` described in full. */
const MAX_DEPTH = 4;
/** Records made for one thrown value, nested ones included. */
const MAX_RECORDS = 200;
/** Entries of an `errors` list described. */
const MAX_ERRORS = 100;
/** Own properties looked at. */
const MAX_PROPS = 64;
/** Characters kept of a value described as text (strings thrown are kept whole). */
const MAX_TEXT = 10_000;
const SKIP = new Set(["name", "message", "stack", "cause", "errors"]);
const UNREADABLE: unique symbol = Symbol("unreadable");

// Every read below can run user code (getters, proxy traps, toString,
// toJSON) that throws anything, even values that throw again when looked at.
// Each one is guarded so that describing an error never throws.

/** `obj[key]`, or UNREADABLE when reading it throws. */
function read(obj: unknown, key: PropertyKey): unknown {
  try {
    return (obj as Record<PropertyKey, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}

/** `String(value)` cut to MAX_TEXT, or undefined when that throws. */
function text(value: unknown): string | undefined {
  try {
    return cut(String(value));
  } catch {
    return undefined;
  }
}

function cut(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

/** A short, never-throwing text for an error met while describing. */
function reason(error: unknown): string {
  if (typeof error === "string") return cut(error);
  const name = read(error, "name");
  const message = read(error, "message");
  if (typeof name === "string" && typeof message === "string") {
    return cut(`${name}: ${message}`);
  }
  return typeof error === "object" || typeof error === "function"
    ? "an unreadable value"
    : text(error) ?? "an unreadable value";
}

function isErrorLike(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  try {
    if (value instanceof Error) return true;
  } catch {
    // a proxy whose getPrototypeOf trap throws: look at its fields
  }
  return typeof read(value, "message") === "string" &&
    typeof read(value, "name") === "string";
}

/**
 * The value as text: itself if a string, its JSON when that says more than
 * `{}`, else `String(value)`, else its `[object Tag]`; never throws.
 */
function describe(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value !== "object" && typeof value !== "function") {
    return text(value) ?? typeof value; // symbols and bigints included
  }
  try {
    const json = JSON.stringify(value);
    if (json !== undefined && json !== "{}") return cut(json);
  } catch {
    // cycles, bigints, throwing getters or toJSON: try the other forms
  }
  const s = text(value);
  if (s !== undefined) return s;
  try {
    return Object.prototype.toString.call(value);
  } catch (error) {
    return `[${typeof value} that cannot be read: ${reason(error)}]`;
  }
}

/**
 * A structured clone of `value` (so sending it cannot fail), else its text;
 * its text too when nested deeper than the pool's thread can read back.
 */
function cloneable(value: unknown): unknown {
  if (tooDeep(value)) return describe(value);
  try {
    return structuredClone(value);
  } catch {
    return describe(value);
  }
}

function jsonSafe(value: unknown): unknown {
  if (tooDeep(value)) return describe(value);
  try {
    const json = JSON.stringify(value);
    return json === undefined ? undefined : JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** Shared by the records made for one thrown value. */
interface Walk {
  /** Records left to make. */
  budget: number;
  /** The errors being described, outermost first (to stop cycles). */
  path: unknown[];
}

/**
 * Turns anything thrown into a cloneable {@linkcode ErrorRecord}. Never
 * throws, whatever was thrown (getters or proxy traps that throw, revoked
 * proxies, symbols, bigints, cycles, huge `errors` lists): what cannot be
 * read is left out, and nesting is bounded.
 *
 * @param thrown The thrown value.
 */
export function toRecord(thrown: unknown): ErrorRecord {
  try {
    return record(thrown, { budget: MAX_RECORDS, path: [] });
  } catch (error) {
    // Nothing above should throw; if an engine finds a way, still answer.
    return { name: "Error", message: `(cannot describe: ${reason(error)})` };
  }
}

function record(thrown: unknown, walk: Walk): ErrorRecord {
  walk.budget--;
  if (!isErrorLike(thrown)) {
    return {
      name: "Error",
      message: describe(thrown),
      nonError: true,
      thrown: cloneable(thrown),
    };
  }
  const ctor = read(read(thrown, "constructor"), "name");
  const rawName = read(thrown, "name");
  const rawMessage = read(thrown, "message");
  const result: ErrorRecord = {
    name: typeof rawName === "string"
      ? rawName
      : (rawName === UNREADABLE || rawName == null
        ? undefined
        : text(rawName)) ??
        (typeof ctor === "string" && ctor !== "" ? ctor : "Error"),
    message: rawMessage === UNREADABLE || rawMessage === undefined
      ? ""
      : typeof rawMessage === "string"
      ? rawMessage
      : describe(rawMessage),
  };
  const stack = read(thrown, "stack");
  if (typeof stack === "string") result.stack = stack;
  if (typeof ctor === "string") result.ctor = ctor;
  // Inside a cycle, or past the limits: name and message only.
  const deep = walk.path.length >= MAX_DEPTH || walk.budget <= 0 ||
    walk.path.includes(thrown);
  if (deep) return result;
  walk.path.push(thrown);
  let hasCause = false;
  try {
    hasCause = "cause" in (thrown as object);
  } catch {
    // a proxy whose has trap throws
  }
  const cause = hasCause ? read(thrown, "cause") : UNREADABLE;
  if (cause !== UNREADABLE) {
    result.hasCause = true;
    if (isErrorLike(cause)) result.causeRecord = record(cause, walk);
    else result.causeValue = cloneable(cause);
  }
  const errors = read(thrown, "errors");
  let isList = false;
  try {
    isList = Array.isArray(errors);
  } catch {
    // a revoked proxy
  }
  if (isList) {
    const length = read(errors, "length");
    const n = typeof length === "number"
      ? Math.min(length, MAX_ERRORS, Math.max(walk.budget, 0))
      : 0;
    const list: ErrorRecord[] = [];
    for (let i = 0; i < n; i++) list.push(record(read(errors, i), walk));
    result.errors = list;
  }
  let keys: string[] = [];
  try {
    keys = Object.keys(thrown as object);
  } catch {
    // a proxy whose ownKeys trap throws
  }
  for (const key of keys.slice(0, MAX_PROPS)) {
    if (SKIP.has(key) || key === "__proto__") continue;
    const value = read(thrown, key);
    if (value === UNREADABLE) continue;
    const safe = jsonSafe(value);
    if (safe !== undefined) (result.props ??= {})[key] = safe;
  }
  walk.path.pop();
  return result;
}

/**
 * Rebuilds a {@linkcode RemoteError} from a record: same name and message,
 * the worker-side stack, the cause, and the copied properties.
 */
export function fromRecord(record: ErrorRecord): RemoteError {
  const options: ConstructorParameters<typeof RemoteError>[2] = {
    remoteClass: record.ctor ?? record.name,
  };
  if (record.stack !== undefined) options.stack = record.stack;
  if (record.hasCause) {
    options.cause = record.causeRecord
      ? fromRecord(record.causeRecord)
      : record.causeValue;
  }
  if (record.nonError) options.thrown = record.thrown;
  const error = new RemoteError(record.name, record.message, options);
  if (record.errors) {
    Object.defineProperty(error, "errors", {
      value: record.errors.map(fromRecord),
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  if (record.props) {
    for (const [key, value] of Object.entries(record.props)) {
      if (!(key in error)) {
        (error as unknown as Record<string, unknown>)[key] = value;
      }
    }
  }
  return error;
}

/**
 * Levels of nesting an error's value may have: Node's main thread cannot
 * read back a message nested about 1,800 levels deep, nor Deno's 2,800
 * (its `messageerror`): the error would be lost with the worker.
 */
const MAX_NESTING = 1_000;
/** Objects {@linkcode tooDeep} looks at, at most (then it says no). */
const MAX_VISITS = 100_000;

/**
 * Whether `value` holds objects nested more than {@linkcode MAX_NESTING}
 * levels deep (plain objects, arrays, maps and sets, through their own
 * enumerable values), looked at iteratively up to {@linkcode MAX_VISITS}.
 */
function tooDeep(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const stack: [unknown, number][] = [[value, 1]];
  const seen = new Set<unknown>();
  try {
    while (stack.length > 0 && seen.size < MAX_VISITS) {
      const [item, depth] = stack.pop()!;
      if (typeof item !== "object" || item === null || seen.has(item)) {
        continue;
      }
      if (depth > MAX_NESTING) return true;
      seen.add(item);
      const children = item instanceof Map
        ? [...item.keys(), ...item.values()]
        : item instanceof Set
        ? [...item]
        : Object.values(item);
      for (const child of children) stack.push([child, depth + 1]);
    }
  } catch {
    // a getter or proxy that throws: the clone will tell
  }
  return false;
}
