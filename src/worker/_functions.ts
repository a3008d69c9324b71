// This module is browser compatible.
/**
 * The task functions one worker loop knows, by id: defined by the pool,
 * compiled (or imported) once on first use, forgotten when the pool says.
 *
 * @module
 */

import {
  type DefineMessage,
  type FnSpec,
  type ForgetMessage,
  readDefines,
} from "../core/_wire.ts";
import { compile, type Fn } from "./_compile.ts";

/** A compiled function, a pending module import, or why it failed. */
export type Compiled = Fn | Promise<Fn> | { failed: unknown };

/** Task function specs by id, and their compiled functions. */
export class FunctionTable {
  readonly #specs = new Map<number, FnSpec>();
  readonly #compiled = new Map<number, Compiled>();

  /** Records `spec` as function `fid` (a reused id drops the old function). */
  readonly define = (fid: number, spec: FnSpec): void => {
    this.#specs.set(fid, spec);
    this.#compiled.delete(fid);
  };

  /** Defines or forgets functions, as a `define` or `forget` message says. */
  take(msg: DefineMessage | ForgetMessage): void {
    if (msg.type === "define") readDefines(msg.defs, this.define);
    else for (const fid of msg.fids) this.forget(fid);
  }

  /** Functions known now (defined, not forgotten). */
  get size(): number {
    return this.#specs.size;
  }

  /** The spec of function `fid`, if known. */
  spec(fid: number): FnSpec | undefined {
    return this.#specs.get(fid);
  }

  /** Drops function `fid`. */
  forget(fid: number): void {
    this.#specs.delete(fid);
    this.#compiled.delete(fid);
  }

  /** Drops every function. */
  clear(): void {
    this.#specs.clear();
    this.#compiled.clear();
  }

  /** Function `fid`, compiled on first use (a promise while it imports). */
  lookup(fid: number): Compiled {
    const compiled = this.#compiled;
    let fn = compiled.get(fid);
    if (fn === undefined) {
      const spec = this.#specs.get(fid);
      try {
        if (spec === undefined) {
          throw new Error(`Unknown task function #${fid}`);
        }
        fn = compile(spec);
      } catch (error) {
        fn = { failed: error };
      }
      if (fn instanceof Promise) {
        const pending = fn;
        // Unless forgotten (or redefined) while the import ran.
        const settle = (value: Compiled) => {
          if (compiled.get(fid) === pending) compiled.set(fid, value);
        };
        pending.then(settle, (error) => settle({ failed: error }));
      }
      compiled.set(fid, fn);
    }
    return fn;
  }
}
