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

// src/core/error_wire.ts
var MAX_DEPTH = 4;
var SKIP = /* @__PURE__ */ new Set([
  "name",
  "message",
  "stack",
  "cause",
  "errors"
]);
function isErrorLike(value) {
  return value instanceof Error || typeof value === "object" && value !== null && typeof value.message === "string" && typeof value.name === "string";
}
function cloneable(value) {
  try {
    structuredClone(value);
    return value;
  } catch {
    return describe(value);
  }
}
function describe(value) {
  if (typeof value === "string") return value;
  try {
    const json = JSON.stringify(value);
    if (json !== void 0 && json !== "{}") return json;
  } catch {
  }
  return String(value);
}
function jsonSafe(value) {
  try {
    const json = JSON.stringify(value);
    return json === void 0 ? void 0 : JSON.parse(json);
  } catch {
    return void 0;
  }
}
function toRecord(thrown, depth = 0) {
  if (!isErrorLike(thrown)) {
    return {
      name: "Error",
      message: describe(thrown),
      nonError: true,
      thrown: cloneable(thrown)
    };
  }
  const record = {
    name: String(thrown.name),
    message: String(thrown.message)
  };
  if (typeof thrown.stack === "string") record.stack = thrown.stack;
  const ctor = thrown.constructor?.name;
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
  const errors = thrown.errors;
  if (Array.isArray(errors) && depth < MAX_DEPTH) {
    record.errors = errors.slice(0, 100).map((e) => toRecord(e, depth + 1));
  }
  for (const key of Object.keys(thrown)) {
    if (SKIP.has(key)) continue;
    const value = jsonSafe(thrown[key]);
    if (value !== void 0) (record.props ??= {})[key] = value;
  }
  return record;
}

// src/core/protocol.ts
var MODE_CALL = 0;
var MODE_MAP = 1;
var MODE_CALL1 = 3;
var STATUS_OK = 0;
var STATUS_ERROR = 1;
var STATUS_PARTIAL = 2;
var CONTROL_GATE = 0;

// src/worker/host.ts
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
  const record = toRecord(error);
  if (spec?.kind === "source" && error instanceof ReferenceError) {
    const name = /^(\S+) is not defined/.exec(error.message)?.[1];
    if (name) {
      record.message = `Task function uses '${name}', which is not defined in the worker: functions are sent as source and do not carry closures. Pass it as an argument, define it in the initializer, or use moduleTask() for code that needs imports` + minifiedHint(name, spec.bind);
    }
  }
  return record;
}
function minifiedHint(name, bind) {
  const why = `a minifier (Vite, esbuild or terser with minify) renames imports and module-level helpers, also inside the function's source, so '${name}' may be one of them`;
  const fix = `: keep such tasks in a module run with moduleTask(), or pass the data they need as arguments`;
  if (bind !== void 0) {
    return `. This code was bundled or minified (currentProcess is named '${bind}' here): ${why}${fix}`;
  }
  return /^[A-Za-z_$][\w$]?$|\$\d+$/.test(name) ? `. If this code was minified, that is the likely cause: ${why}${fix}` : "";
}
function isThenable(value) {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof value.then === "function";
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
      if (control) {
        if (out.length > 0 && performance.now() - lastFlush >= FLUSH_MS) {
          flush();
        }
      } else if (out.length > 0) {
        flush();
      }
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
    flush();
  } finally {
    running = false;
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
      channel.post({
        type: "results",
        results: [
          results[i],
          STATUS_ERROR,
          {
            name: "DataCloneError",
            message: `Cannot send the task's result back to the pool as structured clone cannot copy it: ${error instanceof Error ? error.message : String(error)}; return plain data (no functions, symbols or class instances with private state)`
          }
        ]
      });
    }
  }
}
