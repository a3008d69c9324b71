// This module is browser compatible.
/**
 * The function registry: one place that maps a task function to its id
 * (fid) and the id to its spec. Bounded: past `bound` entries it evicts the
 * functions no queued or running task uses (a count of references per fid:
 * +1 at submit, -1 when the task settles) and tells the engine, which tells
 * the workers that know them to forget them. Ids are never reused, so a
 * worker cannot run a stale function under a new id.
 *
 * @module
 */

import type { FnSpec } from "./_wire.ts";

/** Entries kept before evicting unused functions. */
export const REGISTRY_BOUND = 4096;

/** The key of a spec: its source, or its module and export. */
export function specKey(spec: FnSpec): string {
  return spec.kind === "source"
    ? spec.source
    : `\0module:${spec.url}#${spec.name}`;
}

const toSource = Function.prototype.toString;

interface Entry {
  readonly key: string;
  readonly spec: FnSpec;
  /** Queued or running tasks (and readers) that use it. */
  refs: number;
}

/** Function ids and specs, bounded. */
export class Registry {
  #bound: number;
  /** Size that triggers the next eviction (grows when most are in use). */
  #limit: number;
  #byKey = new Map<string, number>();
  #entries = new Map<number, Entry>();
  #next = 0;
  /** One-entry cache: the last task function object, its id and entry. */
  #lastFn: unknown;
  #lastFid = -1;
  #last: Entry | undefined;
  /** Told the ids evicted, after each eviction. */
  onEvict: ((fids: number[]) => void) | undefined;

  /** @param bound Entries kept before evicting unused ones. */
  constructor(bound: number = REGISTRY_BOUND) {
    this.#bound = bound;
    this.#limit = bound;
  }

  /** Number of functions registered. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The id of task function `fn`. A function is known by its source (an
   * inline arrow is a new object per call); anything else (a module task)
   * by its spec. `describe` makes (and checks) the spec of a function not
   * seen yet; it may throw.
   */
  fidFor(fn: unknown, describe: (fn: unknown) => FnSpec): number {
    // Short, so that V8 inlines it into each submitting call whole.
    return fn === this.#lastFn ? this.#lastFid : this.#find(fn, describe);
  }

  /** {@linkcode Registry.fidFor} for a function other than the last one. */
  #find(fn: unknown, describe: (fn: unknown) => FnSpec): number {
    let fid: number | undefined;
    if (typeof fn === "function") {
      const key = toSource.call(fn);
      fid = this.#byKey.get(key);
      if (fid === undefined) fid = this.#add(key, describe(fn));
    } else {
      fid = this.fid(describe(fn));
    }
    this.#lastFn = fn;
    this.#lastFid = fid;
    this.#last = this.#entries.get(fid);
    return fid;
  }

  /** The id of `spec` (registered if new). */
  fid(spec: FnSpec): number {
    const key = specKey(spec);
    return this.#byKey.get(key) ?? this.#add(key, spec);
  }

  /** The spec of `fid`. */
  spec(fid: number): FnSpec | undefined {
    return this.#entries.get(fid)?.spec;
  }

  /** A task (or a reader that will submit some) now uses `fid`. */
  retain(fid: number): void {
    const entry = fid === this.#lastFid ? this.#last : this.#entries.get(fid);
    if (entry !== undefined) entry.refs++;
  }

  /** A task that used `fid` settled. */
  release(fid: number): void {
    const entry = fid === this.#lastFid ? this.#last : this.#entries.get(fid);
    if (entry !== undefined && entry.refs > 0) entry.refs--;
  }

  #add(key: string, spec: FnSpec): number {
    if (this.#entries.size >= this.#limit) this.#evict();
    const fid = this.#next++;
    this.#byKey.set(key, fid);
    this.#entries.set(fid, { key, spec, refs: 0 });
    return fid;
  }

  /** Drops unused functions, oldest first, down to 3/4 of the bound. */
  #evict(): void {
    const target = Math.floor(this.#bound * 0.75);
    const evicted: number[] = [];
    let size = this.#entries.size;
    for (const [fid, entry] of this.#entries) {
      if (size <= target) break;
      if (entry.refs > 0) continue;
      evicted.push(fid);
      size--;
    }
    for (const fid of evicted) {
      this.#byKey.delete(this.#entries.get(fid)!.key);
      this.#entries.delete(fid);
      if (fid === this.#lastFid) {
        this.#lastFn = undefined;
        this.#lastFid = -1;
        this.#last = undefined;
      }
    }
    // When most are in use, scan again only after the registry has grown
    // by a third (amortised O(1) per function).
    this.#limit = Math.max(
      this.#bound,
      Math.floor(this.#entries.size * 4 / 3),
    );
    if (evicted.length > 0) this.onEvict?.(evicted);
  }
}
