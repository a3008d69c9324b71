// deno-fmt-ignore-file
// deno-lint-ignore-file
/* @ts-self-types="./bundle.d.ts" */
// Generated from src/worker/main.ts by scripts/bundle_worker.mjs
// (`deno task bundle`): edit the sources, not this file.
/**
 * The worker entry of `@x/pool`, bundled into one file so that a worker
 * starts by loading a single module. Pools start it themselves; it exports
 * nothing.
 *
 * @module
 */
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
function setCurrentProcess(info) {
  globalThis[KEY] = Object.freeze({
    ...info
  });
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
function host() {
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

// src/worker/main.ts
var FLUSH_MS = 1;
var SHORT_MS = 1;
var MAX_SHAPES = 4096;
var channel = host();
var specs = /* @__PURE__ */ new Map();
var compiled = /* @__PURE__ */ new Map();
var inbox = [];
var inboxPos = 0;
var ready = false;
var running = false;
var control;
var ordinal = 0;
var out = [];
var short = /* @__PURE__ */ new Map();
var cachedShape = -1;
var cachedShort = false;
var lastShape = 0;
var lastStart = -1;
var lastFlush = 0;
var busySince = 0;
channel.onFatal((error, code) => {
  flush();
  try {
    channel.post(error === void 0 ? {
      type: "fatal",
      code
    } : {
      type: "fatal",
      error: toRecord(error)
    });
  } catch {
  }
});
channel.listen((data) => {
  const msg = data;
  switch (msg.type) {
    case "tasks":
      inbox.push(msg.tasks);
      if (ready && !running) void drain();
      break;
    case "define":
      for (let i = 0; i < msg.defs.length; i += 2) {
        specs.set(msg.defs[i], msg.defs[i + 1]);
      }
      break;
    case "init":
      void init(msg);
      break;
  }
});
async function init(msg) {
  setCurrentProcess({
    name: msg.name,
    id: msg.id
  });
  control = msg.control;
  if (msg.initializer) {
    try {
      const fn = await compile(msg.initializer);
      await fn(...msg.initargs);
    } catch (error) {
      channel.post({
        type: "initError",
        error: describe2(error, msg.initializer)
      });
      return;
    }
  }
  ready = true;
  channel.post({
    type: "ready"
  });
  lastFlush = performance.now();
  if (inbox.length > 0) void drain();
}
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
var IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
function lookup(fid) {
  let fn = compiled.get(fid);
  if (fn === void 0) {
    const spec = specs.get(fid);
    try {
      if (spec === void 0) throw new Error(`Unknown task function #${fid}`);
      fn = compile(spec);
    } catch (error) {
      fn = {
        failed: error
      };
    }
    if (fn instanceof Promise) {
      const pending = fn;
      pending.then((f) => compiled.set(fid, f), (error) => compiled.set(fid, {
        failed: error
      }));
    }
    compiled.set(fid, fn);
  }
  return fn;
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
async function drain() {
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
      const seq = batch[inboxPos];
      const fid = batch[inboxPos + 1];
      const mode = batch[inboxPos + 2];
      const payload = batch[inboxPos + 3];
      batch[inboxPos + 3] = void 0;
      inboxPos += 4;
      if (!claim()) continue;
      const shape = shapeOf(fid, mode, payload);
      let start = performance.now();
      if (lastStart >= 0) measured(start - lastStart);
      if (out.length > 0 && (control === void 0 || start - lastFlush >= FLUSH_MS || !(shape === cachedShape ? cachedShort : isShort(shape, fid, mode, payload)))) {
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
          fn = {
            failed: error
          };
        }
      }
      if (typeof fn !== "function") {
        out.push(seq, STATUS_ERROR, describe2(fn.failed, void 0));
        continue;
      }
      const spec = specs.get(fid);
      if (mode === MODE_CALL || mode === MODE_CALL1) {
        try {
          let value = mode === MODE_CALL1 ? fn(payload) : fn(...payload);
          if (isThenable(value)) {
            flush();
            value = await value;
          }
          out.push(seq, STATUS_OK, value);
        } catch (error) {
          out.push(seq, STATUS_ERROR, describe2(error, spec));
        }
        continue;
      }
      const items = payload;
      const values = [];
      const errors = [];
      const star = mode !== MODE_MAP;
      for (let i = runItems(fn, items, star, values, errors, spec, 0); i >= 0; ) {
        flush();
        try {
          values[i] = await values[i];
        } catch (error) {
          values[i] = void 0;
          errors.push([
            i,
            describe2(error, spec)
          ]);
        }
        i = runItems(fn, items, star, values, errors, spec, i + 1);
      }
      if (errors.length > 0) out.push(seq, STATUS_PARTIAL, {
        values,
        errors
      });
      else out.push(seq, STATUS_OK, values);
    }
    if (lastStart >= 0) measured(performance.now() - lastStart);
    lastStart = -1;
    flush();
  } finally {
    running = false;
  }
}
function isShort(shape, fid, mode, payload) {
  const known = short.get(shape);
  if (known !== void 0) return known;
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
function measured(ms) {
  const ran = ms < SHORT_MS;
  if (lastShape === cachedShape && ran === cachedShort) return;
  if (short.size >= MAX_SHAPES && !short.has(lastShape)) short.clear();
  short.set(lastShape, ran);
  cachedShape = lastShape;
  cachedShort = ran;
}
var sizes = 0;
var shrink = -1;
function shapeOf(fid, mode, payload) {
  sizes = 0;
  let h = mix(fid, mode);
  if (mode === MODE_CALL1) h = mix(h, sizeOf(payload, 1));
  else {
    const list = payload;
    const n = list.length;
    if (mode === MODE_CALL) {
      h = mix(h, n);
      for (let i = 0; i < n && i < 8; i++) h = mix(h, sizeOf(list[i], 1));
    } else {
      h = mix(h, sized(0, bucket(n)));
      if (n > 0) {
        h = mix(h, sizeOf(list[0], 1));
        if (n > 1) h = mix(h, sizeOf(list[n - 1], 1));
      }
    }
  }
  return h & 1073741823;
}
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
function sized(tag, size) {
  if (sizes++ === shrink) size--;
  return tag + size;
}
function sizeOf(v, depth) {
  switch (typeof v) {
    case "number":
      if (v !== v) return 1;
      return sized(v < 0 ? 2e3 : 1e3, bucket(v < 0 ? -v : v));
    case "string":
      return sized(3e3, bucket(v.length));
    case "boolean":
      return v ? 2 : 3;
    case "undefined":
      return 4;
    case "bigint":
      return sized(4e3, bucket(v < 0n ? -Number(v) : Number(v)));
    case "object": {
      if (v === null) return 5;
      if (Array.isArray(v)) {
        let h2 = sized(5e3, bucket(v.length));
        if (depth > 0 && v.length > 0) {
          h2 = mix(h2, sizeOf(v[0], depth - 1));
          if (v.length > 1) h2 = mix(h2, sizeOf(v[v.length - 1], depth - 1));
        }
        return h2;
      }
      if (ArrayBuffer.isView(v)) return sized(6e3, bucket(v.byteLength));
      if (v instanceof ArrayBuffer) return sized(7e3, bucket(v.byteLength));
      if (v instanceof Map || v instanceof Set) {
        return sized(8e3, bucket(v.size));
      }
      let h = 9e3;
      let keys = 0;
      for (const key in v) {
        if (++keys > 16) break;
        if (depth > 0) {
          h = mix(h, sizeOf(v[key], depth - 1));
        }
      }
      return mix(h, keys);
    }
    default:
      return 6;
  }
}
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
function claim() {
  const o = ordinal++;
  if (control === void 0) return true;
  for (; ; ) {
    const gate = Atomics.load(control, CONTROL_GATE);
    if (gate >= 0) {
      if (Atomics.compareExchange(control, CONTROL_GATE, gate, o + 1) === gate) {
        return true;
      }
      continue;
    }
    if (o < -gate - 1) return false;
    if (Atomics.compareExchange(control, CONTROL_GATE, gate, o + 1) === gate) {
      return true;
    }
  }
}
function flush() {
  const now = performance.now();
  lastFlush = now;
  if (out.length === 0) return;
  const results = out;
  out = [];
  const busy = now - busySince;
  busySince = now;
  try {
    channel.post({
      type: "results",
      results,
      busy
    });
    return;
  } catch {
  }
  for (let i = 0; i < results.length; i += 3) {
    const one = [
      results[i],
      results[i + 1],
      results[i + 2]
    ];
    try {
      channel.post({
        type: "results",
        results: one
      });
    } catch (error) {
      const why = toRecord(error);
      try {
        channel.post({
          type: "results",
          results: [
            results[i],
            STATUS_ERROR,
            {
              name: "DataCloneError",
              message: `Cannot send the task's result back to the pool as structured clone cannot copy it: ${why.message}; return plain data (no functions, symbols or class instances with private state)`
            }
          ]
        });
      } catch {
      }
    }
  }
}
