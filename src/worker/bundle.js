// deno-fmt-ignore-file
// deno-lint-ignore-file
/* @ts-self-types="./bundle.d.ts" */
// Generated from src/worker/entry.ts by scripts/bundle_worker.mjs
// (`deno task bundle`): edit the sources, not this file.
/**
 * The worker entry of `@x/pool`, bundled into one file so that a worker
 * starts by loading a single module. Pools start it themselves; it exports
 * nothing.
 *
 * @module
 */
// src/worker/_host.ts
var g = globalThis;
function isWebWorker() {
  return g.self === globalThis && typeof g.name === "string" && g.name !== "";
}
function parentPort() {
  if (isWebWorker()) return null;
  try {
    const wt = g.process?.getBuiltinModule?.("node:worker_threads");
    return wt && !wt.isMainThread && wt.parentPort ? wt.parentPort : null;
  } catch {
    return null;
  }
}
function intercept(obj, key, before) {
  if (!obj) return;
  const original = obj[key];
  if (typeof original !== "function") return;
  try {
    Object.defineProperty(obj, key, {
      configurable: true,
      writable: true,
      value: function(...args) {
        before(args[0]);
        return original.apply(this, args);
      }
    });
  } catch {
  }
}
var WRITE_BACKOFF_MAX_MS = 16;
function writeAll(io, fd, bytes) {
  let offset = 0;
  let pause = 0;
  let sleeper;
  while (offset < bytes.length) {
    let written;
    try {
      written = io.fs.writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      const code = error?.code;
      if (code !== "EAGAIN" && code !== "EWOULDBLOCK" && code !== "EINTR") {
        return;
      }
      written = 0;
    }
    if (written > 0) {
      offset += written;
      pause = 0;
      continue;
    }
    pause = Math.min(WRITE_BACKOFF_MAX_MS, pause === 0 ? 1 : pause * 2);
    sleeper ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(sleeper, 0, 0, pause);
  }
}
function writeConsoleDirectly() {
  if (g.Deno !== void 0) return;
  const proc = g.process;
  if (typeof proc?.getBuiltinModule !== "function") return;
  let io;
  const encoder = new TextEncoder();
  const c = console;
  const direct = (fd, original) => (...args) => {
    if (io === void 0) {
      const fs = proc.getBuiltinModule("node:fs");
      const util = proc.getBuiltinModule("node:util");
      io = fs && util && typeof SharedArrayBuffer === "function" ? {
        fs,
        util
      } : null;
    }
    if (io === null) return original.apply(console, args);
    writeAll(io, fd, encoder.encode(io.util.format(...args) + "\n"));
  };
  for (const key of [
    "log",
    "info",
    "debug"
  ]) c[key] = direct(1, c[key]);
  for (const key of [
    "warn",
    "error",
    "trace"
  ]) c[key] = direct(2, c[key]);
}
function watchHeapLimit(lost) {
  const v8 = g.process?.getBuiltinModule?.("node:v8");
  if (typeof v8?.getHeapStatistics !== "function") return;
  const initial = v8.getHeapStatistics().heap_size_limit;
  const timer = setInterval(() => {
    if (v8.getHeapStatistics().heap_size_limit <= initial) return;
    clearInterval(timer);
    lost();
  }, HEAP_CHECK_MS);
  g.Deno?.unrefTimer?.(timer);
}
var HEAP_CHECK_MS = 100;
function hostChannel() {
  writeConsoleDirectly();
  const port = parentPort();
  if (port) {
    return {
      post: (message, transfer) => port.postMessage(message, transfer),
      listen(handler) {
        if (g.Deno !== void 0 && port.addEventListener) {
          port.addEventListener("message", (event) => handler(event.data));
        } else port.on("message", handler);
      },
      onFatal(report) {
        const proc = g.process;
        const die = (error) => {
          report(error);
          proc.exit(1);
        };
        proc.on("uncaughtException", die);
        proc.on("unhandledRejection", die);
        if (g.Deno !== void 0) {
          watchHeapLimit(() => die(new RangeError("Worker terminated due to reaching memory limit: JS heap out of memory")));
        }
        intercept(proc, "exit", (code) => report(void 0, Number(code ?? 0)));
      }
    };
  }
  return {
    post: (message, transfer) => g.postMessage(message, transfer ?? []),
    listen(handler) {
      g.addEventListener("message", (event) => handler(event.data));
    },
    onFatal(report) {
      const die = (event, error) => {
        event.preventDefault();
        report(error);
        g.close?.();
      };
      g.addEventListener("error", (event) => die(event, event.error ?? event.message));
      g.addEventListener("unhandledrejection", (event) => die(event, event.reason));
      intercept(g, "close", () => report(void 0, 0));
      intercept(g.Deno, "exit", (code) => report(void 0, Number(code ?? 0)));
      intercept(g.process, "exit", (code) => report(void 0, Number(code ?? 0)));
    }
  };
}

// src/current_process.ts
var KEY = Symbol.for("@x/pool.currentProcess");
var MAIN = Object.freeze({
  name: "MainProcess",
  id: 0
});
function currentProcess() {
  return globalThis[KEY] ?? MAIN;
}
var currentProcessAlias = (() => {
  const declared = /^function\s*([A-Za-z_$][\w$]*)\s*\(/.exec(Function.prototype.toString.call(currentProcess))?.[1] ?? currentProcess.name;
  return /^[A-Za-z_$][\w$]*$/.test(declared) && declared !== "currentProcess" ? declared : void 0;
})();
function enterProcess(info) {
  globalThis[KEY] = info;
}

// src/core/_error_record.ts
var MAX_DEPTH = 4;
var MAX_RECORDS = 200;
var MAX_ERRORS = 100;
var MAX_PROPS = 64;
var MAX_TEXT = 1e4;
var SKIP = /* @__PURE__ */ new Set([
  "name",
  "message",
  "stack",
  "cause",
  "errors"
]);
var UNREADABLE = Symbol("unreadable");
function read(obj, key) {
  try {
    return obj[key];
  } catch {
    return UNREADABLE;
  }
}
function text(value) {
  try {
    return cut(String(value));
  } catch {
    return void 0;
  }
}
function cut(s) {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}\u2026` : s;
}
function reason(error) {
  if (typeof error === "string") return cut(error);
  const name = read(error, "name");
  const message = read(error, "message");
  if (typeof name === "string" && typeof message === "string") {
    return cut(`${name}: ${message}`);
  }
  return typeof error === "object" || typeof error === "function" ? "an unreadable value" : text(error) ?? "an unreadable value";
}
function isErrorLike(value) {
  if (typeof value !== "object" || value === null) return false;
  try {
    if (value instanceof Error) return true;
  } catch {
  }
  return typeof read(value, "message") === "string" && typeof read(value, "name") === "string";
}
function describe(value) {
  if (typeof value === "string") return value;
  if (typeof value !== "object" && typeof value !== "function") {
    return text(value) ?? typeof value;
  }
  try {
    const json = JSON.stringify(value);
    if (json !== void 0 && json !== "{}") return cut(json);
  } catch {
  }
  const s = text(value);
  if (s !== void 0) return s;
  try {
    return Object.prototype.toString.call(value);
  } catch (error) {
    return `[${typeof value} that cannot be read: ${reason(error)}]`;
  }
}
function cloneable(value) {
  try {
    return structuredClone(value);
  } catch {
    return describe(value);
  }
}
function jsonSafe(value) {
  try {
    const json = JSON.stringify(value);
    return json === void 0 ? void 0 : JSON.parse(json);
  } catch {
    return void 0;
  }
}
function toRecord(thrown) {
  try {
    return record(thrown, {
      budget: MAX_RECORDS,
      path: []
    });
  } catch (error) {
    return {
      name: "Error",
      message: `(cannot describe: ${reason(error)})`
    };
  }
}
function record(thrown, walk) {
  walk.budget--;
  if (!isErrorLike(thrown)) {
    return {
      name: "Error",
      message: describe(thrown),
      nonError: true,
      thrown: cloneable(thrown)
    };
  }
  const ctor = read(read(thrown, "constructor"), "name");
  const rawName = read(thrown, "name");
  const rawMessage = read(thrown, "message");
  const result = {
    name: typeof rawName === "string" ? rawName : (rawName === UNREADABLE || rawName == null ? void 0 : text(rawName)) ?? (typeof ctor === "string" && ctor !== "" ? ctor : "Error"),
    message: rawMessage === UNREADABLE || rawMessage === void 0 ? "" : typeof rawMessage === "string" ? rawMessage : describe(rawMessage)
  };
  const stack = read(thrown, "stack");
  if (typeof stack === "string") result.stack = stack;
  if (typeof ctor === "string") result.ctor = ctor;
  const deep = walk.path.length >= MAX_DEPTH || walk.budget <= 0 || walk.path.includes(thrown);
  if (deep) return result;
  walk.path.push(thrown);
  let hasCause = false;
  try {
    hasCause = "cause" in thrown;
  } catch {
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
  }
  if (isList) {
    const length = read(errors, "length");
    const n = typeof length === "number" ? Math.min(length, MAX_ERRORS, Math.max(walk.budget, 0)) : 0;
    const list = [];
    for (let i = 0; i < n; i++) list.push(record(read(errors, i), walk));
    result.errors = list;
  }
  let keys = [];
  try {
    keys = Object.keys(thrown);
  } catch {
  }
  for (const key of keys.slice(0, MAX_PROPS)) {
    if (SKIP.has(key) || key === "__proto__") continue;
    const value = read(thrown, key);
    if (value === UNREADABLE) continue;
    const safe = jsonSafe(value);
    if (safe !== void 0) (result.props ??= {})[key] = safe;
  }
  walk.path.pop();
  return result;
}

// src/core/_wire.ts
var MODE_CALL = 0;
var MODE_MAP = 1;
var MODE_CALL1 = 3;
var STATUS_OK = 0;
var STATUS_ERROR = 1;
var STATUS_PARTIAL = 2;
var CONTROL_GATE = 0;
var TASK_STRIDE = 4;
function taskCount(flat) {
  return flat.length / TASK_STRIDE;
}
function takeTask(flat, k, view) {
  const j = k * TASK_STRIDE;
  view.seq = flat[j];
  view.fid = flat[j + 1];
  view.mode = flat[j + 2];
  view.payload = flat[j + 3];
  flat[j + 3] = void 0;
}
function readDefines(defs, visit) {
  for (let i = 0; i < defs.length; i += 2) {
    visit(defs[i], defs[i + 1]);
  }
}
var RESULT_STRIDE = 3;
function putResult(out, seq, status, payload) {
  out.push(seq, status, payload);
}
function resultCount(flat) {
  return flat.length / RESULT_STRIDE;
}
function resultSeq(flat, k) {
  return flat[k * RESULT_STRIDE];
}
function oneResult(flat, k) {
  const j = k * RESULT_STRIDE;
  return [
    flat[j],
    flat[j + 1],
    flat[j + 2]
  ];
}
function gateClaim(gate, o) {
  for (; ; ) {
    const g2 = Atomics.load(gate, CONTROL_GATE);
    if (g2 < 0 && o < -g2 - 1) return false;
    if (Atomics.compareExchange(gate, CONTROL_GATE, g2, o + 1) === g2) {
      return true;
    }
  }
}

// src/core/_thenable.ts
function isThenable(value) {
  if (value === null || typeof value !== "object" && typeof value !== "function") {
    return false;
  }
  try {
    return typeof value.then === "function";
  } catch {
    return true;
  }
}

// src/worker/_compile.ts
var IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
function compile(spec) {
  if (spec.kind === "module") {
    return import(spec.url).then((module) => {
      const fn = module[spec.name];
      if (typeof fn !== "function") {
        throw new TypeError(`Cannot run module task as '${spec.url}' has no function export named '${spec.name}'`);
      }
      return fn;
    });
  }
  const names = spec.bind !== void 0 && IDENTIFIER.test(spec.bind) ? [
    "currentProcess",
    spec.bind
  ] : [
    "currentProcess"
  ];
  let make;
  try {
    make = new Function(...names, `return (${spec.source}
);`);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new TypeError(`Cannot re-create the task function from its source: ${error.message}`);
    }
    throw new EvalError(`Cannot run a function sent as source as this environment forbids eval (a Content-Security-Policy without 'unsafe-eval'?): use moduleTask(new URL('./tasks.js', import.meta.url), 'name') instead`, {
      cause: error
    });
  }
  return make(currentProcess, currentProcess);
}
function describe2(error, spec) {
  const record2 = toRecord(error);
  if (spec?.kind === "source" && record2.name === "ReferenceError") {
    const name = /^(\S+) is not defined/.exec(record2.message)?.[1];
    if (name) {
      record2.message = `Task function uses '${name}', which is not defined in the worker: functions are sent as source and do not carry closures. Pass it as an argument, define it in the initializer, or use moduleTask() for code that needs imports` + minifiedHint(name, spec.bind);
    }
  }
  return record2;
}
function minifiedHint(name, bind) {
  const why = `a minifier (Vite, esbuild or terser with minify) renames imports and module-level helpers, also inside the function's source, so '${name}' may be one of them`;
  const fix = `: keep such tasks in a module run with moduleTask(), or pass the data they need as arguments`;
  if (bind !== void 0) {
    return `. This code was bundled or minified (currentProcess is named '${bind}' here): ${why}${fix}`;
  }
  return /^[A-Za-z_$][\w$]?$|\$\d+$/.test(name) ? `. If this code was minified, that is the likely cause: ${why}${fix}` : "";
}

// src/worker/_run.ts
function runItems(fn, items, star, values, errors, spec, start) {
  for (let i = start; i < items.length; i++) {
    let value;
    try {
      value = star ? fn(...items[i]) : fn(items[i]);
    } catch (error) {
      values.push(void 0);
      errors.push([
        i,
        describe2(error, spec)
      ]);
      continue;
    }
    values.push(value);
    if (isThenable(value)) return i;
  }
  return -1;
}

// src/worker/_shape.ts
var SHORT_MS = 1;
var MAX_SHAPES = 4096;
var ShapeTable = class {
  /** Whether each shape ran short here the last time (SHORT_MS). */
  short = /* @__PURE__ */ new Map();
  /** The entry of `short` last written: consecutive tasks often share a shape. */
  cachedShape = -1;
  cachedShort = false;
  /** The task that ran last, timed when the next one starts. */
  lastShape = 0;
  /** When the task that ran last started; -1 when none is being timed. */
  lastStart = -1;
  /** Sizes noted by the last `shapeOf` call. */
  sizes = 0;
  /** While not -1: `shapeOf` makes that size (by order noted) one step smaller. */
  shrink = -1;
  /**
   * Whether a task of `shape` is known to run short: its shape ran short
   * last time, or, for a shape not seen yet, the shape one size step smaller
   * in one argument did (so sizes growing step by step do not each cost a
   * post, while a jump does). Call right after `shapeOf` for the same task.
   */
  isShort(shape, fid, mode, payload) {
    if (shape === this.cachedShape) return this.cachedShort;
    const known = this.short.get(shape);
    if (known !== void 0) return known;
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
  ended(now) {
    if (this.lastStart >= 0) this.measured(now - this.lastStart);
    this.lastStart = -1;
  }
  /** A task of `shape` starts at `now`: time it until the next `ended`. */
  begin(shape, now) {
    this.lastShape = shape;
    this.lastStart = now;
  }
  /** Records that the last task (`lastShape`) ran for `ms` milliseconds. */
  measured(ms) {
    const ran = ms < SHORT_MS;
    if (this.lastShape === this.cachedShape && ran === this.cachedShort) {
      return;
    }
    if (this.short.size >= MAX_SHAPES && !this.short.has(this.lastShape)) {
      this.short.clear();
    }
    this.short.set(this.lastShape, ran);
    this.cachedShape = this.lastShape;
    this.cachedShort = ran;
  }
  /** The shape of a task: a small integer (no allocation as a Map key). */
  shapeOf(fid, mode, payload) {
    this.sizes = 0;
    let h = mix(fid, mode);
    if (mode === MODE_CALL1) h = mix(h, this.sizeOf(payload, 1));
    else {
      const list = payload;
      const n = list.length;
      if (mode === MODE_CALL) {
        h = mix(h, n);
        for (let i = 0; i < n && i < 8; i++) {
          h = mix(h, this.sizeOf(list[i], 1));
        }
      } else {
        h = mix(h, this.sized(0, bucket(n)));
        if (n > 0) {
          h = mix(h, this.sizeOf(list[0], 1));
          if (n > 1) h = mix(h, this.sizeOf(list[n - 1], 1));
        }
      }
    }
    return h & 1073741823;
  }
  /** Notes a value of type `tag` (a multiple of 1000) and size step `size`. */
  sized(tag, size) {
    if (this.sizes++ === this.shrink) size--;
    return tag + size;
  }
  /** A number standing for the type and size of a (cloned) value. */
  sizeOf(v, depth) {
    switch (typeof v) {
      case "number":
        if (v !== v) return 1;
        return this.sized(v < 0 ? 2e3 : 1e3, bucket(v < 0 ? -v : v));
      case "string":
        return this.sized(3e3, bucket(v.length));
      case "boolean":
        return v ? 2 : 3;
      case "undefined":
        return 4;
      case "bigint":
        return this.sized(4e3, bucket(v < 0n ? -Number(v) : Number(v)));
      case "object": {
        if (v === null) return 5;
        if (Array.isArray(v)) {
          let h2 = this.sized(5e3, bucket(v.length));
          if (depth > 0 && v.length > 0) {
            h2 = mix(h2, this.sizeOf(v[0], depth - 1));
            if (v.length > 1) {
              h2 = mix(h2, this.sizeOf(v[v.length - 1], depth - 1));
            }
          }
          return h2;
        }
        if (ArrayBuffer.isView(v)) {
          return this.sized(6e3, bucket(v.byteLength));
        }
        if (v instanceof ArrayBuffer) {
          return this.sized(7e3, bucket(v.byteLength));
        }
        if (v instanceof Map || v instanceof Set) {
          return this.sized(8e3, bucket(v.size));
        }
        let h = 9e3;
        let keys = 0;
        for (const key in v) {
          if (++keys > 16) break;
          if (depth > 0) {
            h = mix(h, this.sizeOf(v[key], depth - 1));
          }
        }
        return mix(h, keys);
      }
      default:
        return 6;
    }
  }
};
function mix(h, v) {
  return Math.imul(h ^ v, 2654435761) ^ h >>> 15;
}
function bucket(n) {
  if (n < 16) return Math.floor(n);
  if (n < 2147483648) {
    const octave = 31 - Math.clz32(n);
    return 8 + octave * 2 + (n >>> octave - 1 & 1);
  }
  return n < 2 ** 64 ? 39 + Math.floor(Math.log2(n)) : 103;
}

// src/worker/_loop.ts
var FLUSH_MS = 1;
var WorkerLoop = class {
  /** Tasks started (claimed) so far: for tests. */
  ran = 0;
  /** Who this worker is (set by `init`); `currentProcess()` while it runs. */
  process;
  channel;
  specs = /* @__PURE__ */ new Map();
  compiled = /* @__PURE__ */ new Map();
  /** Task batches (flat, see `takeTask`) waiting to run. */
  inbox = [];
  /** Index of the next task in `inbox[0]`. */
  inboxPos = 0;
  ready = false;
  running = false;
  stopped = false;
  /** The work-stealing gate (see `InitMessage.control`), if any. */
  control;
  /** Ordinal of the next task received (tasks are numbered in arrival order). */
  ordinal = 0;
  /** Results waiting to be posted (flat, see `putResult`). */
  out = [];
  shapes = new ShapeTable();
  lastFlush = 0;
  /** Start of the running stretch whose time the next flush reports. */
  busySince = 0;
  /** The one task view the loop reads every task into. */
  view = {
    seq: 0,
    fid: 0,
    mode: 0,
    payload: void 0
  };
  define = (fid, spec) => {
    this.specs.set(fid, spec);
    this.compiled.delete(fid);
  };
  /** Task functions known now (defined, not forgotten): for tests. */
  get functions() {
    return this.specs.size;
  }
  /** Starts serving: listens on `channel` at once. */
  constructor(channel) {
    this.channel = channel;
    channel.onFatal?.((error, code) => this.fatal(error, code));
    channel.listen((data) => this.receive(data));
  }
  /**
   * Stops the loop for good: no further task starts, nothing more is
   * posted, messages are ignored. A task running now runs on to its end
   * (or its next `await`), and its result is dropped. Leaves no timer.
   */
  stop() {
    this.stopped = true;
    this.ready = false;
    this.inbox.length = 0;
    this.out = [];
    this.specs.clear();
    this.compiled.clear();
    this.view.payload = void 0;
  }
  receive(data) {
    if (this.stopped) return;
    const msg = data;
    switch (msg.type) {
      case "tasks":
        this.inbox.push(msg.tasks);
        if (this.ready && !this.running) void this.drain();
        break;
      case "define":
        readDefines(msg.defs, this.define);
        break;
      case "forget":
        for (const fid of msg.fids) {
          this.specs.delete(fid);
          this.compiled.delete(fid);
        }
        break;
      case "init":
        void this.init(msg);
        break;
    }
  }
  /** The worker is about to die: post what is done, then why. */
  fatal(error, code) {
    if (this.stopped) return;
    this.flush();
    try {
      this.channel.post(error === void 0 ? {
        type: "fatal",
        code
      } : {
        type: "fatal",
        error: toRecord(error)
      });
    } catch {
    }
  }
  /**
   * After an `await`: `false` when the loop was stopped meanwhile, else
   * `true`, with `currentProcess()` this worker again (another loop in this
   * thread may have run).
   */
  resumed() {
    if (this.stopped) return false;
    enterProcess(this.process);
    return true;
  }
  async init(msg) {
    this.process = Object.freeze({
      name: msg.name,
      id: msg.id
    });
    enterProcess(this.process);
    this.control = msg.control;
    if (msg.initializer) {
      try {
        const fn = await compile(msg.initializer);
        if (!this.resumed()) return;
        await fn(...msg.initargs);
      } catch (error) {
        if (this.stopped) return;
        this.channel.post({
          type: "initError",
          error: describe2(error, msg.initializer)
        });
        return;
      }
      if (!this.resumed()) return;
    }
    this.ready = true;
    this.channel.post({
      type: "ready"
    });
    this.lastFlush = performance.now();
    if (this.inbox.length > 0) void this.drain();
  }
  lookup(fid) {
    const compiled = this.compiled;
    let fn = compiled.get(fid);
    if (fn === void 0) {
      const spec = this.specs.get(fid);
      try {
        if (spec === void 0) {
          throw new Error(`Unknown task function #${fid}`);
        }
        fn = compile(spec);
      } catch (error) {
        fn = {
          failed: error
        };
      }
      if (fn instanceof Promise) {
        const pending = fn;
        const settle = (value) => {
          if (compiled.get(fid) === pending) compiled.set(fid, value);
        };
        pending.then(settle, (error) => settle({
          failed: error
        }));
      }
      compiled.set(fid, fn);
    }
    return fn;
  }
  /** Claims the next task through the gate: `false` when taken back. */
  claim() {
    const o = this.ordinal++;
    const control = this.control;
    return control === void 0 || gateClaim(control, o);
  }
  async drain() {
    this.running = true;
    this.busySince = performance.now();
    enterProcess(this.process);
    const inbox = this.inbox;
    const view = this.view;
    const shapes = this.shapes;
    try {
      while (inbox.length > 0) {
        const batch = inbox[0];
        if (this.inboxPos >= taskCount(batch)) {
          inbox.shift();
          this.inboxPos = 0;
          continue;
        }
        takeTask(batch, this.inboxPos++, view);
        const { seq, fid, mode, payload } = view;
        if (!this.claim()) continue;
        this.ran++;
        const shape = shapes.shapeOf(fid, mode, payload);
        let start = performance.now();
        shapes.ended(start);
        if (this.out.length > 0 && (this.control === void 0 || start - this.lastFlush >= FLUSH_MS || !shapes.isShort(shape, fid, mode, payload))) {
          this.flush();
          start = performance.now();
        }
        shapes.begin(shape, start);
        let fn = this.lookup(fid);
        if (fn instanceof Promise) {
          this.flush();
          try {
            fn = await fn;
          } catch (error) {
            fn = {
              failed: error
            };
          }
          if (!this.resumed()) return;
        }
        if (typeof fn !== "function") {
          putResult(this.out, seq, STATUS_ERROR, describe2(fn.failed, void 0));
          continue;
        }
        const spec = this.specs.get(fid);
        if (mode === MODE_CALL || mode === MODE_CALL1) {
          try {
            let value = mode === MODE_CALL1 ? fn(payload) : fn(...payload);
            if (isThenable(value)) {
              this.flush();
              value = await value;
              if (!this.resumed()) return;
            }
            putResult(this.out, seq, STATUS_OK, value);
          } catch (error) {
            if (!this.resumed()) return;
            putResult(this.out, seq, STATUS_ERROR, describe2(error, spec));
          }
          continue;
        }
        const items = payload;
        const values = [];
        const errors = [];
        const star = mode !== MODE_MAP;
        for (let i = runItems(fn, items, star, values, errors, spec, 0); i >= 0; ) {
          this.flush();
          try {
            values[i] = await values[i];
          } catch (error) {
            values[i] = void 0;
            errors.push([
              i,
              describe2(error, spec)
            ]);
          }
          if (!this.resumed()) return;
          i = runItems(fn, items, star, values, errors, spec, i + 1);
        }
        if (errors.length > 0) {
          putResult(this.out, seq, STATUS_PARTIAL, {
            values,
            errors
          });
        } else putResult(this.out, seq, STATUS_OK, values);
      }
      shapes.ended(performance.now());
      view.payload = void 0;
      this.flush();
    } finally {
      this.running = false;
    }
  }
  /** Posts buffered results; results that cannot be cloned become errors. */
  flush() {
    const now = performance.now();
    this.lastFlush = now;
    if (this.out.length === 0 || this.stopped) return;
    const results = this.out;
    this.out = [];
    const busy = now - this.busySince;
    this.busySince = now;
    const channel = this.channel;
    try {
      channel.post({
        type: "results",
        results,
        busy
      });
      return;
    } catch {
    }
    const n = resultCount(results);
    for (let k = 0; k < n && !this.stopped; k++) {
      try {
        channel.post({
          type: "results",
          results: oneResult(results, k)
        });
      } catch (error) {
        const why = toRecord(error);
        const one = [];
        putResult(one, resultSeq(results, k), STATUS_ERROR, {
          name: "DataCloneError",
          message: `Cannot send the task's result back to the pool as structured clone cannot copy it: ${why.message}; return plain data (no functions, symbols or class instances with private state)`
        });
        try {
          channel.post({
            type: "results",
            results: one
          });
        } catch {
        }
      }
    }
  }
};

// src/worker/serve.ts
function serveWorker(channel) {
  new WorkerLoop(channel);
}

// src/worker/entry.ts
serveWorker(hostChannel());
