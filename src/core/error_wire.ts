// This module is browser compatible.
/**
 * Errors cross the worker boundary as plain records, never as cloned
 * errors (structured clone drops names, subclasses, own properties and, on
 * Bun, `cause`). The worker calls {@linkcode toRecord}; the pool calls
 * {@linkcode fromRecord}.
 *
 * @module
 */

import { RemoteError } from "../errors.ts";
import type { ErrorRecord } from "./protocol.ts";

const MAX_DEPTH = 4;
const SKIP = new Set(["name", "message", "stack", "cause", "errors"]);

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error ||
    (typeof value === "object" && value !== null &&
      typeof (value as Error).message === "string" &&
      typeof (value as Error).name === "string");
}

/** `value` if structured clone can copy it, else its text. */
function cloneable(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return describe(value);
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    const json = JSON.stringify(value);
    if (json !== undefined && json !== "{}") return json;
  } catch {
    // fall through
  }
  return String(value);
}

function jsonSafe(value: unknown): unknown {
  try {
    const json = JSON.stringify(value);
    return json === undefined ? undefined : JSON.parse(json);
  } catch {
    return undefined;
  }
}

/**
 * Turns anything thrown into a cloneable {@linkcode ErrorRecord}.
 *
 * @param thrown The thrown value.
 * @param depth Nesting depth of causes, to stop cycles.
 */
export function toRecord(thrown: unknown, depth = 0): ErrorRecord {
  if (!isErrorLike(thrown)) {
    return {
      name: "Error",
      message: describe(thrown),
      nonError: true,
      thrown: cloneable(thrown),
    };
  }
  const record: ErrorRecord = {
    name: String(thrown.name),
    message: String(thrown.message),
  };
  if (typeof thrown.stack === "string") record.stack = thrown.stack;
  const ctor = (thrown as { constructor?: { name?: unknown } }).constructor
    ?.name;
  if (typeof ctor === "string") record.ctor = ctor;
  if ("cause" in thrown) {
    record.hasCause = true;
    const cause = thrown.cause;
    if (isErrorLike(cause) && depth < MAX_DEPTH) {
      record.causeRecord = toRecord(cause, depth + 1);
    } else {
      record.causeValue = cloneable(cause);
    }
  }
  const errors = (thrown as { errors?: unknown }).errors;
  if (Array.isArray(errors) && depth < MAX_DEPTH) {
    record.errors = errors.slice(0, 100).map((e) => toRecord(e, depth + 1));
  }
  for (const key of Object.keys(thrown)) {
    if (SKIP.has(key)) continue;
    const value = jsonSafe((thrown as unknown as Record<string, unknown>)[key]);
    if (value !== undefined) (record.props ??= {})[key] = value;
  }
  return record;
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
