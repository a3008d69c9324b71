// This module is browser compatible.
/**
 * The checks of every public method's options, in one place. What it
 * catches at the call:
 *
 * - an option of the wrong type: `TypeError` naming the option (a callback
 *   that is not a function, `initargs` that is not an array, ...);
 * - a number out of range: `RangeError` (`chunksize: 0`);
 * - an option the method does not take, a typo like `chunkSize` or
 *   `max_tasks_per_child` included: `TypeError`, as Python's "got an
 *   unexpected keyword argument", suggesting the right spelling;
 * - an option given in both spellings (`error_callback` and
 *   `errorCallback`) with different values: `TypeError`.
 *
 * @module
 */

import { isModuleTask } from "./module_task.ts";
import type { ResultCallbacks } from "./async_result.ts";
import {
  checkKeys,
  doing,
  kindOf,
  received,
  refuseSignal,
} from "./_option_names.ts";
import { isWatched } from "./_signal_watch.ts";
import { checkAdapter } from "./_context_check.ts";
import { checkTransfer } from "./_transfer_check.ts";
import type { TransferListItem } from "./types.ts";

/** Whether `value` is an integer >= 1. */
export function positiveInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1;
}

/**
 * Throws unless `options` is an options object (undefined and null pass):
 * an ordinary object (`Object.prototype.toString` gives "[object Object]"):
 * a plain one, one without a prototype, one inheriting its options, or a
 * class instance with them as properties or getters. A Map, a Set, a Date,
 * an array or a function would pass as no options at all (their entries
 * are not properties). `or` is what else the argument may be ("a chunksize
 * or ").
 */
function checkObject(
  method: string,
  options: unknown,
  what: string,
  or = "",
): void {
  if (options === undefined || options === null) return;
  if (typeof options === "object") {
    refuseSignal(method, options, what);
    if (toString.call(options) === "[object Object]") return;
  }
  throw new TypeError(
    `Cannot ${
      doing(method)
    } as ${what} must be ${or}an options object: received ${kindOf(options)}${
      typeof options === "object" || typeof options === "function"
        ? "; pass the options as an object literal ({ name: value, ... })"
        : ""
    }`,
  );
}

const toString = Object.prototype.toString;

/** `value` must be a positive integer, or undefined/null (the default). */
function checkCount(method: string, name: string, value: unknown): void {
  if (value === undefined || value === null || positiveInteger(value)) return;
  throw new (typeof value === "number" ? RangeError : TypeError)(
    `Cannot ${
      doing(method)
    } as '${name}' must be a positive integer: received ${received(value)}`,
  );
}

/** `value` must be a function, or undefined/null (none). */
function checkFunction(method: string, name: string, value: unknown): void {
  if (value === undefined || value === null || typeof value === "function") {
    return;
  }
  throw new TypeError(
    `Cannot ${doing(method)} as '${name}' must be a function: received ${
      received(value)
    }`,
  );
}

/** `value` must be an array, or undefined/null (none). */
function checkArray(method: string, name: string, value: unknown): void {
  if (value === undefined || value === null || Array.isArray(value)) return;
  throw new TypeError(
    `Cannot ${doing(method)} as '${name}' must be an array: received ${
      received(value)
    }`,
  );
}

/**
 * The `signal` option: an `AbortSignal` (any object with a boolean
 * `aborted`, `addEventListener` and `removeEventListener`), or
 * undefined/null (none).
 */
function checkSignal(method: string, value: unknown): AbortSignal | undefined {
  if (value === undefined || value === null) return undefined;
  if (isWatched(value)) return value; // checked when its watch was made
  const s = value as Record<string, unknown>;
  if (
    typeof value !== "object" || typeof s.aborted !== "boolean" ||
    typeof s.addEventListener !== "function" ||
    typeof s.removeEventListener !== "function"
  ) {
    throw new TypeError(
      `Cannot ${doing(method)} as 'signal' must be an AbortSignal: received ${
        received(value)
      }; pass controller.signal of a new AbortController(), or AbortSignal.timeout(ms)`,
    );
  }
  return value as AbortSignal;
}

/**
 * A time limit in seconds (`timeout`, `taskTimeout`): a positive number;
 * `Infinity` for none; undefined/null for the default. Not a number:
 * `TypeError`; zero, negative or `NaN`: `RangeError`.
 */
function checkSeconds(
  method: string,
  name: string,
  value: unknown,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${
        doing(method)
      } as '${name}' must be a number of seconds: received ${received(value)}`,
    );
  }
  if (!(value > 0)) { // NaN too: a number out of range, as for the others
    throw new RangeError(
      `Cannot ${
        doing(method)
      } as '${name}' must be a positive number of seconds (Infinity for no limit): received ${value}`,
    );
  }
  return value;
}

/**
 * Checks `new Pool(options)`: the options object, unknown options, and the
 * types of `processes`, `initializer`, `initargs`, `maxtasksperchild` and
 * an adapter object given as `context` (a name is checked where the adapter
 * is chosen).
 *
 * @param options What the constructor received.
 * @throws {TypeError} For a wrong type, an unknown option, or both
 *   spellings of `maxtasksperchild` with different values.
 * @throws {RangeError} For a number that is not a positive integer.
 */
export function checkPoolOptions(options: unknown): void {
  if (typeof options === "number") return; // range-checked by the constructor
  checkObject("Pool", options, "its argument", "a number of processes or ");
  if (options === undefined || options === null) return;
  checkKeys("Pool", options);
  const o = options as Record<string, unknown>;
  if (
    o.processes !== undefined && o.processes !== null &&
    typeof o.processes !== "number"
  ) {
    // Numbers are range-checked by the constructor.
    checkCount("Pool", "processes", o.processes);
  }
  const init = o.initializer;
  if (
    init !== undefined && init !== null && typeof init !== "function" &&
    !isModuleTask(init)
  ) {
    throw new TypeError(
      `Cannot create pool as 'initializer' must be a function or a moduleTask(): received ${
        received(init)
      }`,
    );
  }
  checkArray("Pool", "initargs", o.initargs);
  checkCount("Pool", "maxtasksperchild", o.maxtasksperchild);
  checkCount("Pool", "maxTasksPerChild", o.maxTasksPerChild);
  checkSeconds("Pool", "taskTimeout", o.taskTimeout);
  if (typeof o.context === "object" && o.context !== null) {
    checkAdapter(o.context as Record<string, unknown>);
  }
}

/**
 * `callback`, `error_callback`/`errorCallback` and `onProgress`, checked
 * (each a function, or undefined/null: none).
 */
function callbackOptions(method: string, o: Record<string, unknown>): {
  callback: ((result: unknown) => void) | undefined;
  errorCallback: ((error: unknown) => void) | undefined;
  onProgress: ((value: unknown) => void) | undefined;
} {
  checkFunction(method, "callback", o.callback);
  checkFunction(method, "error_callback", o.error_callback);
  checkFunction(method, "errorCallback", o.errorCallback);
  checkFunction(method, "onProgress", o.onProgress);
  return {
    callback: (o.callback ?? undefined) as
      | ((result: unknown) => void)
      | undefined,
    errorCallback: (o.error_callback ?? o.errorCallback ?? undefined) as
      | ((error: unknown) => void)
      | undefined,
    onProgress: (o.onProgress ?? undefined) as
      | ((value: unknown) => void)
      | undefined,
  };
}

/**
 * The usual options of `apply`: `{ signal }` alone. When `options` is a
 * plain object (its prototype `Object.prototype`: nothing inherited to
 * read) whose one enumerable key is `signal`, returns that signal, checked
 * (`null` for a signal undefined or null: no option); else `undefined`,
 * and {@linkcode applyOptions} checks them all (a misspelt key next to
 * `signal` throws there). No object made, no key looked up in a table.
 *
 * @param method `"apply"` or `"apply_async"`, for the errors.
 * @param options What the method received (not undefined).
 * @throws {TypeError} If `signal` is not an `AbortSignal`.
 */
export function signalAlone(
  method: string,
  options: unknown,
): AbortSignal | null | undefined {
  // The prototype first: after the loop V8 no longer knows the object's
  // shape and calls out for it (Node 24: 10-20 ns more per call).
  if (
    typeof options !== "object" || options === null ||
    Object.getPrototypeOf(options) !== Object.prototype
  ) return undefined;
  let only: string | undefined;
  for (const key in options) {
    if (only !== undefined) return undefined;
    only = key;
  }
  if (only !== "signal") return undefined;
  const signal = (options as { signal: unknown }).signal;
  if (isWatched(signal)) return signal; // checked when its watch was made
  if (signal === undefined || signal === null) return null;
  return checkSignal(method, signal);
}

/** What `apply`/`apply_async` run with, from their options. */
export interface ParsedApplyOptions {
  /** The function's arguments, `kwds` appended when given. */
  args: unknown[];
  /** `callback` and `error_callback`, when any is given. */
  callbacks: ResultCallbacks<unknown> | undefined;
  /** What to move instead of copy. */
  transfer: TransferListItem[] | undefined;
  /** Gets the task's `reportProgress` values. */
  onProgress: ((value: unknown) => void) | undefined;
  /** Stops the call when aborted. */
  signal: AbortSignal | undefined;
  /** The task's time limit in seconds (`Infinity`: none); undefined: the pool's. */
  timeout: number | undefined;
}

/**
 * Checks the options of `apply` (`kwds`, `transfer`, `onProgress`) or `apply_async`
 * (also `callback`, `error_callback`/`errorCallback`) and returns what the
 * call runs with.
 *
 * @param method `"apply"` or `"apply_async"`.
 * @param args The argument array (already checked).
 * @param options What the method received.
 * @throws {TypeError} For a wrong type, an unknown option, or both
 *   spellings of `error_callback` with different values.
 */
export function applyOptions(
  method: "apply" | "apply_async",
  args: unknown[],
  options: unknown,
): ParsedApplyOptions {
  const parsed: ParsedApplyOptions = {
    args,
    callbacks: undefined,
    transfer: undefined,
    onProgress: undefined,
    signal: undefined,
    timeout: undefined,
  };
  if (options === undefined || options === null) return parsed;
  checkObject(method, options, "its options");
  checkKeys(method, options);
  const o = options as Record<string, unknown>;
  parsed.signal = checkSignal(method, o.signal);
  parsed.timeout = checkSeconds(method, "timeout", o.timeout);
  if (o.kwds !== undefined) {
    if (
      o.kwds === null || typeof o.kwds !== "object" || Array.isArray(o.kwds)
    ) {
      throw new TypeError(
        `Cannot call ${method}() as 'kwds' must be an object of keyword arguments: received ${
          received(o.kwds)
        }; put positional arguments in 'args'`,
      );
    }
    parsed.args = [...args, o.kwds];
  }
  // callbackOptions() inline: no object per call.
  checkFunction(method, "callback", o.callback);
  checkFunction(method, "error_callback", o.error_callback);
  checkFunction(method, "errorCallback", o.errorCallback);
  checkFunction(method, "onProgress", o.onProgress);
  parsed.onProgress = (o.onProgress ?? undefined) as
    | ((value: unknown) => void)
    | undefined;
  const callback = (o.callback ?? undefined) as
    | ((result: unknown) => void)
    | undefined;
  const errorCallback = (o.error_callback ?? o.errorCallback ?? undefined) as
    | ((error: unknown) => void)
    | undefined;
  if (callback !== undefined || errorCallback !== undefined) {
    parsed.callbacks = { callback, errorCallback };
  }
  parsed.transfer = checkTransfer(method, o.transfer);
  return parsed;
}

/** What a map-family method runs with, from its options. */
export interface ParsedMapOptions {
  /** Items per task; `undefined`: the method's default. */
  chunksize: number | undefined;
  /** Chunks read ahead (`imap`); `undefined`: the default. */
  buffersize: number | undefined;
  /** Called with the whole result list (`map_async`, `starmap_async`). */
  callback: ((result: unknown[]) => void) | undefined;
  /** Called with the first error (`map_async`, `starmap_async`). */
  errorCallback: ((error: unknown) => void) | undefined;
  /** Gets the tasks' `reportProgress` values. */
  onProgress: ((value: unknown) => void) | undefined;
  /** Stops the call when aborted. */
  signal: AbortSignal | undefined;
  /** The call's time limit in seconds (`Infinity`: none); undefined: the pool's. */
  timeout: number | undefined;
}

/**
 * Checks the trailing argument of `map`, `starmap` (`chunksize`),
 * `map_async`, `starmap_async` (also `callback`, `error_callback`) and
 * `imap`, `imap_unordered` (`chunksize`, `buffersize`): a bare chunksize or
 * an options object.
 *
 * @param method The Python name of the method; it decides the options taken.
 * @param arg What the method received after the iterable.
 * @throws {TypeError} For a wrong type or an unknown option.
 * @throws {RangeError} For a count that is not a positive integer.
 */
export function mapOptions(method: string, arg: unknown): ParsedMapOptions {
  if (arg === undefined || arg === null || typeof arg === "number") {
    checkCount(method, "chunksize", arg);
    return {
      chunksize: (arg ?? undefined) as number | undefined,
      buffersize: undefined,
      callback: undefined,
      errorCallback: undefined,
      onProgress: undefined,
      signal: undefined,
      timeout: undefined,
    };
  }
  checkObject(method, arg, "its third argument", "a chunksize or ");
  checkKeys(method, arg);
  const o = arg as Record<string, unknown>;
  checkCount(method, "chunksize", o.chunksize);
  checkCount(method, "buffersize", o.buffersize);
  const { callback, errorCallback, onProgress } = callbackOptions(method, o);
  return {
    chunksize: (o.chunksize ?? undefined) as number | undefined,
    buffersize: (o.buffersize ?? undefined) as number | undefined,
    callback,
    errorCallback,
    onProgress,
    signal: checkSignal(method, o.signal),
    timeout: checkSeconds(method, "timeout", o.timeout),
  };
}
