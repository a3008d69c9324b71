// This module is browser compatible.
/**
 * Task shapes: a worker's memory of which kinds of task ran short, so that
 * it can start the next one before posting the results finished so far
 * (batching results) only when that next task is known to be short.
 *
 * @module
 */

import { MODE_CALL, MODE_CALL1 } from "../core/_wire.ts";

/**
 * A task may start before the results finished so far are posted only when
 * its shape last ran in under this many milliseconds.
 */
export const SHORT_MS = 1;
/** Shapes remembered before the table starts over. */
const MAX_SHAPES = 4096;

/**
 * One worker loop's table of task shapes. A task's shape is its function
 * and mode, and the size of each argument (integers from -15 to 15 exactly;
 * other numbers, lengths and sizes by half octaves, one level into arrays
 * and objects; a chunk by its length and its first and last items). Tasks of
 * one shape usually take about as long, so a shape that ran short can run
 * again before results are posted; the same function on a much bigger
 * argument is another shape, not assumed short.
 *
 * All state is per instance: loops sharing a thread keep separate tables.
 */
export class ShapeTable {
  /** Whether each shape ran short here the last time (SHORT_MS). */
  private short = new Map<number, boolean>();
  /** The entry of `short` last written: consecutive tasks often share a shape. */
  private cachedShape = -1;
  private cachedShort = false;
  /** The task that ran last, timed when the next one starts. */
  private lastShape = 0;
  /** When the task that ran last started; -1 when none is being timed. */
  private lastStart = -1;
  /** Sizes noted by the last `shapeOf` call. */
  private sizes = 0;
  /** While not -1: `shapeOf` makes that size (by order noted) one step smaller. */
  private shrink = -1;

  /**
   * Whether a task of `shape` is known to run short: its shape ran short
   * last time, or, for a shape not seen yet, the shape one size step smaller
   * in one argument did (so sizes growing step by step do not each cost a
   * post, while a jump does). Call right after `shapeOf` for the same task.
   */
  isShort(shape: number, fid: number, mode: number, payload: unknown): boolean {
    if (shape === this.cachedShape) return this.cachedShort;
    const known = this.short.get(shape);
    if (known !== undefined) return known;
    const steps = this.sizes;
    try {
      for (this.shrink = 0; this.shrink < steps; this.shrink++) {
        if (this.short.get(this.shapeOf(fid, mode, payload)) === true) {
          return true;
        }
      }
      return false;
    } finally {
      this.shrink = -1;
    }
  }

  /** The task timed last (if any) ended at `now`: record how long it ran. */
  ended(now: number): void {
    if (this.lastStart >= 0) this.measured(now - this.lastStart);
    this.lastStart = -1;
  }

  /**
   * A task of `shape` starts at `now`, which also ends the task timed last
   * (if any): one call per task on the hot path (`ended` + start timing).
   * Returns `true` when `shape` is the one recorded last and it ran short:
   * then {@linkcode ShapeTable.isShort} would say so too, and needs no call.
   */
  begin(shape: number, now: number): boolean {
    const last = this.lastStart;
    // Unchanged (the common case) is checked here: no call per task.
    if (
      last >= 0 &&
      (this.lastShape !== this.cachedShape ||
        (now - last < SHORT_MS) !== this.cachedShort)
    ) this.measured(now - last);
    this.lastShape = shape;
    this.lastStart = now;
    return shape === this.cachedShape && this.cachedShort;
  }

  /** The task begun last really starts at `now` (after a post). */
  retime(now: number): void {
    this.lastStart = now;
  }

  /** Records that the last task (`lastShape`) ran for `ms` milliseconds. */
  private measured(ms: number): void {
    const ran = ms < SHORT_MS;
    if (this.lastShape === this.cachedShape && ran === this.cachedShort) {
      return; // as recorded
    }
    if (this.short.size >= MAX_SHAPES && !this.short.has(this.lastShape)) {
      this.short.clear();
    }
    this.short.set(this.lastShape, ran);
    this.cachedShape = this.lastShape;
    this.cachedShort = ran;
  }

  /** The shape of a task: a small integer (no allocation as a Map key). */
  shapeOf(fid: number, mode: number, payload: unknown): number {
    this.sizes = 0;
    let h = mix(fid, mode);
    if (mode === MODE_CALL1) h = mix(h, this.sizeOf(payload));
    else {
      const list = payload as unknown[];
      const n = list.length;
      if (mode === MODE_CALL) {
        h = mix(h, n);
        for (let i = 0; i < n && i < 8; i++) h = mix(h, this.sizeOf(list[i]));
      } else {
        h = mix(h, this.sized(0, bucket(n))); // a chunk's length is a size
        if (n > 0) {
          h = mix(h, this.sizeOf(list[0]));
          if (n > 1) h = mix(h, this.sizeOf(list[n - 1]));
        }
      }
    }
    return h & 0x3fffffff;
  }

  /** Notes a value of type `tag` (a multiple of 1000) and size step `size`. */
  private sized(tag: number, size: number): number {
    if (this.sizes++ === this.shrink) size--;
    return tag + size;
  }

  /**
   * A number standing for the type and size of an argument (or item): a
   * scalar's, or a container's and that of its first and last elements
   * (one level: {@linkcode ShapeTable.leafSize}). No recursion: an engine
   * that inlines a recursive function into its callers compiled this
   * table's hot path for hundreds of milliseconds (JavaScriptCore's FTL,
   * in every worker).
   */
  private sizeOf(v: unknown): number {
    // Numbers first, here: the common argument costs no further call (each
    // hot function is compiled again by every worker's optimizing tiers).
    if (typeof v === "number" && v === v) {
      return this.sized(v < 0 ? 2000 : 1000, bucket(v < 0 ? -v : v));
    }
    if (typeof v !== "object" || v === null) return this.scalarSize(v);
    if (Array.isArray(v)) {
      let h = this.sized(5000, bucket(v.length));
      if (v.length > 0) {
        h = mix(h, this.leafSize(v[0]));
        if (v.length > 1) h = mix(h, this.leafSize(v[v.length - 1]));
      }
      return h;
    }
    const other = this.objectSize(v);
    if (other >= 0) return other;
    let h = 9000;
    let keys = 0;
    for (const key in v) {
      if (++keys > 16) break;
      h = mix(h, this.leafSize((v as Record<string, unknown>)[key]));
    }
    return mix(h, keys);
  }

  /** The size of an element inside an argument: its own, not its elements'. */
  private leafSize(v: unknown): number {
    if (typeof v !== "object" || v === null) return this.scalarSize(v);
    if (Array.isArray(v)) return this.sized(5000, bucket(v.length));
    const other = this.objectSize(v);
    if (other >= 0) return other;
    let keys = 0;
    for (const _ in v) if (++keys > 16) break;
    return mix(9000, keys);
  }

  /** The size of anything but an object (`null` included). */
  private scalarSize(v: unknown): number {
    switch (typeof v) {
      case "number":
        if (v !== v) return 1; // NaN
        return this.sized(v < 0 ? 2000 : 1000, bucket(v < 0 ? -v : v));
      case "string":
        return this.sized(3000, bucket(v.length));
      case "boolean":
        return v ? 2 : 3;
      case "undefined":
        return 4;
      case "bigint":
        return this.sized(4000, bucket(v < 0n ? -Number(v) : Number(v)));
      case "object":
        return 5; // null
      default:
        return 6;
    }
  }

  /** The size of a typed array, buffer, map or set; -1 for another object. */
  private objectSize(v: object): number {
    if (ArrayBuffer.isView(v)) return this.sized(6000, bucket(v.byteLength));
    if (v instanceof ArrayBuffer) return this.sized(7000, bucket(v.byteLength));
    if (v instanceof Map || v instanceof Set) {
      return this.sized(8000, bucket(v.size));
    }
    return -1;
  }
}

function mix(h: number, v: number): number {
  return Math.imul(h ^ v, 0x9e3779b1) ^ (h >>> 15);
}

/**
 * Size steps: `n` itself (whole) below 16, then one step per half octave
 * (16, 24, 32, 48, 64, ...: sizes within a factor of 1.5 share a step).
 */
function bucket(n: number): number {
  if (n < 16) return Math.floor(n);
  if (n < 0x80000000) {
    const octave = 31 - Math.clz32(n);
    return 8 + octave * 2 + ((n >>> (octave - 1)) & 1);
  }
  return n < 2 ** 64 ? 39 + Math.floor(Math.log2(n)) : 103; // an octave each
}
