// This module is browser compatible.
/**
 * Reviving task functions in a worker from their {@linkcode FnSpec} (by
 * source text or by module import), and describing what they throw, with a
 * hint when a function sent as source uses a variable it did not carry.
 * Stateless: each worker loop keeps its own cache of compiled functions.
 *
 * @module
 */

import { currentProcess } from "../current_process.ts";
import { reportProgress } from "../progress.ts";
import { toRecord } from "../core/_error_record.ts";
import type { ErrorRecord, FnSpec } from "../core/_wire.ts";

/** A task function. */
// deno-lint-ignore no-explicit-any
export type Fn = (...args: any[]) => any;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Revives a function from its spec: compiled from source (with
 * `currentProcess` bound, also under the caller's minified name), or a
 * promise of a module's export (`reportProgress` bound too). Throws (or rejects) with a helpful error.
 */
export function compile(spec: FnSpec): Fn | Promise<Fn> {
  if (spec.kind === "module") {
    return import(spec.url).then((module) => {
      const fn = module[spec.name];
      if (typeof fn !== "function") {
        throw new TypeError(
          `Cannot run module task as '${spec.url}' has no function export named '${spec.name}'`,
        );
      }
      return fn as Fn;
    });
  }
  // A minified caller calls currentProcess and reportProgress by the
  // minifier's names: bind those too.
  const names = ["currentProcess", "reportProgress"];
  const values: Fn[] = [currentProcess, reportProgress];
  if (spec.bind !== undefined && IDENTIFIER.test(spec.bind)) {
    names.push(spec.bind);
    values.push(currentProcess);
  }
  if (
    spec.progress !== undefined && IDENTIFIER.test(spec.progress) &&
    !names.includes(spec.progress)
  ) {
    names.push(spec.progress);
    values.push(reportProgress);
  }
  let make: Fn;
  try {
    make = new Function(...names, `return (${spec.source}\n);`) as Fn;
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new TypeError(
        `Cannot re-create the task function from its source: ${error.message}`,
      );
    }
    throw new EvalError(
      `Cannot run a function sent as source as this environment forbids eval (a Content-Security-Policy without 'unsafe-eval'?): use moduleTask(new URL('./tasks.js', import.meta.url), 'name') instead`,
      { cause: error },
    );
  }
  return make(...values);
}

/**
 * The error record, with a hint for free variables of sent functions. Never
 * throws, whatever was thrown.
 */
export function describe(
  error: unknown,
  spec: FnSpec | undefined,
): ErrorRecord {
  const record = toRecord(error);
  if (spec?.kind === "source" && record.name === "ReferenceError") {
    const name = /^(\S+) is not defined/.exec(record.message)?.[1];
    if (name) {
      record.message =
        `Task function uses '${name}', which is not defined in the worker: ` +
        `functions are sent as source and do not carry closures. Pass it as an argument, ` +
        `define it in the initializer, or use moduleTask() for code that needs imports` +
        minifiedHint(name, spec.bind);
    }
  }
  return record;
}

/**
 * The part of the free-variable hint about minifiers: a minifier renames an
 * import or a module-level helper in the function's source too (only
 * `currentProcess` is bound under its new name). Said for sure when the
 * caller's `currentProcess` was renamed (`bind`), as a likely cause when
 * the name looks minted by a minifier (one or two characters, or `name$1`).
 */
export function minifiedHint(name: string, bind: string | undefined): string {
  const why =
    `a minifier (Vite, esbuild or terser with minify) renames imports and module-level helpers, ` +
    `also inside the function's source, so '${name}' may be one of them`;
  const fix =
    `: keep such tasks in a module run with moduleTask(), or pass the data they need as arguments`;
  if (bind !== undefined) {
    return `. This code was bundled or minified (currentProcess is named '${bind}' here): ${why}${fix}`;
  }
  return /^[A-Za-z_$][\w$]?$|\$\d+$/.test(name)
    ? `. If this code was minified, that is the likely cause: ${why}${fix}`
    : "";
}
