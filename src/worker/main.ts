/**
 * The worker entry: receives `init`, runs the initializer, revives task
 * functions (by source, compiled once per worker and cached, or by module
 * import), runs tasks one at a time in order, and posts results in batches.
 *
 * @module
 */

import { currentProcess, setCurrentProcess } from "../current_process.ts";
import { toRecord } from "../core/_error_record.ts";
import type {
  ErrorRecord,
  FnSpec,
  InitMessage,
  MainMessage,
} from "../core/_wire.ts";
import {
  CONTROL_GATE,
  MODE_CALL,
  MODE_CALL1,
  MODE_MAP,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_PARTIAL,
} from "../core/_wire.ts";
import { isThenable } from "../core/_thenable.ts";
import { host } from "./_host.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;

/** A compiled function, a pending module import, or why it failed. */
type Compiled = Fn | Promise<Fn> | { failed: unknown };

/** Flush buffered results at least this often while tasks run (ms). */
const FLUSH_MS = 1;
/**
 * A task may start before the results finished so far are posted only when
 * its shape last ran in under this many milliseconds (see `shapeOf`).
 */
const SHORT_MS = 1;
/** Shapes remembered before the table starts over. */
const MAX_SHAPES = 4096;

const channel = host();
const specs = new Map<number, FnSpec>();
const compiled = new Map<number, Compiled>();
/** Flat `[seq, fid, mode, payload, ...]` arrays waiting to run. */
const inbox: unknown[][] = [];
let inboxPos = 0;
let ready = false;
let running = false;
let control: Int32Array | undefined;
/** Ordinal of the next task received (tasks are numbered in arrival order). */
let ordinal = 0;
let out: unknown[] = [];
/** Whether each task shape ran short here the last time (SHORT_MS). */
const short = new Map<number, boolean>();
/** The entry of `short` last written: consecutive tasks often share a shape. */
let cachedShape = -1;
let cachedShort = false;
/** The task that ran last, timed when the next one starts. */
let lastShape = 0;
let lastStart = -1;
let lastFlush = 0;
/** Start of the running stretch whose time the next flush reports. */
let busySince = 0;

channel.onFatal((error, code) => {
  flush();
  try {
    channel.post(
      error === undefined
        ? { type: "fatal", code }
        : { type: "fatal", error: toRecord(error) },
    );
  } catch {
    // the channel is gone; the adapter's exit event will tell the pool
  }
});

channel.listen((data) => {
  const msg = data as MainMessage;
  switch (msg.type) {
    case "tasks":
      inbox.push(msg.tasks);
      if (ready && !running) void drain();
      break;
    case "define":
      for (let i = 0; i < msg.defs.length; i += 2) {
        specs.set(msg.defs[i] as number, msg.defs[i + 1] as FnSpec);
      }
      break;
    case "init":
      void init(msg);
      break;
  }
});

async function init(msg: InitMessage): Promise<void> {
  setCurrentProcess({ name: msg.name, id: msg.id });
  control = msg.control;
  if (msg.initializer) {
    try {
      const fn = await compile(msg.initializer);
      await fn(...msg.initargs);
    } catch (error) {
      channel.post({
        type: "initError",
        error: describe(error, msg.initializer),
      });
      return;
    }
  }
  ready = true;
  channel.post({ type: "ready" });
  lastFlush = performance.now();
  if (inbox.length > 0) void drain();
}

/** Revives a function from its spec. */
function compile(spec: FnSpec): Fn | Promise<Fn> {
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
  // A minified caller calls currentProcess by the minifier's name: bind it too.
  const names = spec.bind !== undefined && IDENTIFIER.test(spec.bind)
    ? ["currentProcess", spec.bind]
    : ["currentProcess"];
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
  return make(currentProcess, currentProcess);
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function lookup(fid: number): Compiled {
  let fn = compiled.get(fid);
  if (fn === undefined) {
    const spec = specs.get(fid);
    try {
      if (spec === undefined) throw new Error(`Unknown task function #${fid}`);
      fn = compile(spec);
    } catch (error) {
      fn = { failed: error };
    }
    if (fn instanceof Promise) {
      const pending = fn;
      pending.then(
        (f) => compiled.set(fid, f),
        (error) => compiled.set(fid, { failed: error }),
      );
    }
    compiled.set(fid, fn);
  }
  return fn;
}

/**
 * The error record, with a hint for free variables of sent functions. Never
 * throws, whatever was thrown.
 */
function describe(error: unknown, spec: FnSpec | undefined): ErrorRecord {
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
function minifiedHint(name: string, bind: string | undefined): string {
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

async function drain(): Promise<void> {
  running = true;
  busySince = performance.now();
  try {
    while (inbox.length > 0) {
      const batch = inbox[0];
      if (inboxPos >= batch.length) {
        inbox.shift();
        inboxPos = 0;
        continue;
      }
      const seq = batch[inboxPos] as number;
      const fid = batch[inboxPos + 1] as number;
      const mode = batch[inboxPos + 2] as number;
      const payload = batch[inboxPos + 3];
      batch[inboxPos + 3] = undefined;
      inboxPos += 4;

      if (!claim()) continue; // taken back by the pool: another worker runs it
      // Results wait to be batched only while the next task is known to be
      // short: any other task may run long (or kill the worker), and no
      // finished result may wait behind it. Without the shared counter,
      // report before every task (the pool's death blame relies on it).
      const shape = shapeOf(fid, mode, payload);
      let start = performance.now(); // also the end of the previous task
      if (lastStart >= 0) measured(start - lastStart);
      if (
        out.length > 0 &&
        (control === undefined || start - lastFlush >= FLUSH_MS ||
          !(shape === cachedShape
            ? cachedShort
            : isShort(shape, fid, mode, payload)))
      ) {
        flush();
        start = performance.now();
      }
      lastShape = shape;
      lastStart = start;

      let fn = lookup(fid);
      if (fn instanceof Promise) {
        flush();
        try {
          fn = await fn;
        } catch (error) {
          fn = { failed: error };
        }
      }
      if (typeof fn !== "function") {
        out.push(seq, STATUS_ERROR, describe(fn.failed, undefined));
        continue;
      }
      const spec = specs.get(fid);
      if (mode === MODE_CALL || mode === MODE_CALL1) {
        try {
          let value = mode === MODE_CALL1
            ? fn(payload)
            : fn(...(payload as unknown[]));
          if (isThenable(value)) {
            flush();
            value = await value;
          }
          out.push(seq, STATUS_OK, value);
        } catch (error) {
          out.push(seq, STATUS_ERROR, describe(error, spec));
        }
        continue;
      }
      const items = payload as unknown[];
      // Filled by push: a packed array clones several times faster than
      // a holey one (`new Array(n)`) on V8.
      const values: unknown[] = [];
      const errors: [number, ErrorRecord][] = [];
      const star = mode !== MODE_MAP;
      // The loop runs in a plain function (engines optimise it better than
      // a loop inside this async function); it stops at a promise.
      for (
        let i = runItems(fn, items, star, values, errors, spec, 0);
        i >= 0;
      ) {
        flush();
        try {
          values[i] = await values[i];
        } catch (error) {
          values[i] = undefined;
          errors.push([i, describe(error, spec)]);
        }
        i = runItems(fn, items, star, values, errors, spec, i + 1);
      }
      if (errors.length > 0) out.push(seq, STATUS_PARTIAL, { values, errors });
      else out.push(seq, STATUS_OK, values);
    }
    if (lastStart >= 0) measured(performance.now() - lastStart);
    lastStart = -1;
    flush();
  } finally {
    running = false;
  }
}

/**
 * Whether a task of `shape` is known to run short: its shape ran short last
 * time, or, for a shape not seen yet, the shape one size step smaller in one
 * argument did (so sizes growing step by step do not each cost a post, while
 * a jump does).
 */
function isShort(
  shape: number,
  fid: number,
  mode: number,
  payload: unknown,
): boolean {
  const known = short.get(shape);
  if (known !== undefined) return known;
  const steps = sizes;
  try {
    for (shrink = 0; shrink < steps; shrink++) {
      if (short.get(shapeOf(fid, mode, payload)) === true) return true;
    }
    return false;
  } finally {
    shrink = -1;
  }
}

/** Records that the last task (`lastShape`) ran for `ms` milliseconds. */
function measured(ms: number): void {
  const ran = ms < SHORT_MS;
  if (lastShape === cachedShape && ran === cachedShort) return; // as recorded
  if (short.size >= MAX_SHAPES && !short.has(lastShape)) short.clear();
  short.set(lastShape, ran);
  cachedShape = lastShape;
  cachedShort = ran;
}

/** Sizes noted by the last `shapeOf` call. */
let sizes = 0;
/** While not -1: `shapeOf` makes that size (by order noted) one step smaller. */
let shrink = -1;

/**
 * A task's shape: its function and mode, and the size of each argument
 * (integers from -15 to 15 exactly; other numbers, lengths and sizes by half
 * octaves, one level into arrays and objects; a chunk by its length and its
 * first and last items). Tasks of one shape usually take about as long, so
 * a shape that ran short can run again before results are posted; the same
 * function on a much bigger argument is another shape, not assumed short.
 */
function shapeOf(fid: number, mode: number, payload: unknown): number {
  sizes = 0;
  let h = mix(fid, mode);
  if (mode === MODE_CALL1) h = mix(h, sizeOf(payload, 1));
  else {
    const list = payload as unknown[];
    const n = list.length;
    if (mode === MODE_CALL) {
      h = mix(h, n);
      for (let i = 0; i < n && i < 8; i++) h = mix(h, sizeOf(list[i], 1));
    } else {
      h = mix(h, sized(0, bucket(n))); // a chunk's length is a size
      if (n > 0) {
        h = mix(h, sizeOf(list[0], 1));
        if (n > 1) h = mix(h, sizeOf(list[n - 1], 1));
      }
    }
  }
  return h & 0x3fffffff; // a small integer: no allocation as a Map key
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

/** Notes a value of type `tag` (a multiple of 1000) and size step `size`. */
function sized(tag: number, size: number): number {
  if (sizes++ === shrink) size--;
  return tag + size;
}

/** A number standing for the type and size of a (cloned) value. */
function sizeOf(v: unknown, depth: number): number {
  switch (typeof v) {
    case "number":
      if (v !== v) return 1; // NaN
      return sized(v < 0 ? 2000 : 1000, bucket(v < 0 ? -v : v));
    case "string":
      return sized(3000, bucket(v.length));
    case "boolean":
      return v ? 2 : 3;
    case "undefined":
      return 4;
    case "bigint":
      return sized(4000, bucket(v < 0n ? -Number(v) : Number(v)));
    case "object": {
      if (v === null) return 5;
      if (Array.isArray(v)) {
        let h = sized(5000, bucket(v.length));
        if (depth > 0 && v.length > 0) {
          h = mix(h, sizeOf(v[0], depth - 1));
          if (v.length > 1) h = mix(h, sizeOf(v[v.length - 1], depth - 1));
        }
        return h;
      }
      if (ArrayBuffer.isView(v)) return sized(6000, bucket(v.byteLength));
      if (v instanceof ArrayBuffer) return sized(7000, bucket(v.byteLength));
      if (v instanceof Map || v instanceof Set) {
        return sized(8000, bucket(v.size));
      }
      let h = 9000;
      let keys = 0;
      for (const key in v) {
        if (++keys > 16) break;
        if (depth > 0) {
          h = mix(h, sizeOf((v as Record<string, unknown>)[key], depth - 1));
        }
      }
      return mix(h, keys);
    }
    default:
      return 6;
  }
}

/**
 * Calls `fn` on `items` from `start`, appending to `values` (one entry per
 * item) and `errors`. Returns the index whose value is a promise (the last
 * entry of `values`), or -1
 * once every item has run.
 */
function runItems(
  fn: Fn,
  items: unknown[],
  star: boolean,
  values: unknown[],
  errors: [number, ErrorRecord][],
  spec: FnSpec | undefined,
  start: number,
): number {
  for (let i = start; i < items.length; i++) {
    let value;
    try {
      value = star ? fn(...(items[i] as unknown[])) : fn(items[i]);
    } catch (error) {
      values.push(undefined);
      errors.push([i, describe(error, spec)]);
      continue;
    }
    values.push(value);
    if (isThenable(value)) return i;
  }
  return -1;
}

/**
 * Claims the next task through the shared gate (see `InitMessage.control`):
 * `false` when the pool took it back to run elsewhere.
 */
function claim(): boolean {
  const o = ordinal++;
  if (control === undefined) return true;
  for (;;) {
    const gate = Atomics.load(control, CONTROL_GATE);
    if (gate >= 0) {
      if (
        Atomics.compareExchange(control, CONTROL_GATE, gate, o + 1) === gate
      ) {
        return true;
      }
      continue; // revoked meanwhile: look again
    }
    if (o < -gate - 1) return false; // revoked
    if (Atomics.compareExchange(control, CONTROL_GATE, gate, o + 1) === gate) {
      return true;
    }
  }
}

/** Posts buffered results; results that cannot be cloned become errors. */
function flush(): void {
  const now = performance.now();
  lastFlush = now;
  if (out.length === 0) return;
  const results = out;
  out = [];
  const busy = now - busySince;
  busySince = now;
  try {
    channel.post({ type: "results", results, busy });
    return;
  } catch {
    // some result cannot be cloned: send one by one
  }
  for (let i = 0; i < results.length; i += 3) {
    const one = [results[i], results[i + 1], results[i + 2]];
    try {
      channel.post({ type: "results", results: one });
    } catch (error) {
      // Cloning ran the value's getters, which may throw anything: describe
      // it safely, and never let the report itself throw.
      const why = toRecord(error);
      try {
        channel.post({
          type: "results",
          results: [
            results[i],
            STATUS_ERROR,
            {
              name: "DataCloneError",
              message:
                `Cannot send the task's result back to the pool as structured clone cannot copy it: ${why.message}; return plain data (no functions, symbols or class instances with private state)`,
            } satisfies ErrorRecord,
          ],
        });
      } catch {
        // the channel is gone: the pool learns it from the worker's exit
      }
    }
  }
}
