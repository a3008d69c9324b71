// This module is browser compatible.
/**
 * Which options each public method takes (a table, Python spellings and
 * their camelCase ones), and what to say about one it does not take: a
 * typo, a synonym from another library, an option of another method.
 * `_options.ts` checks the values.
 *
 * @module
 */

/** The camelCase spelling of options that have one, by Python spelling. */
const CAMEL: Readonly<Record<string, string>> = {
  maxtasksperchild: "maxTasksPerChild",
  error_callback: "errorCallback",
};

/** What every method that runs tasks takes, last. */
const STOPPING = ["onProgress", "signal", "timeout"] as const;
/** The callbacks of the `_async` methods. */
const CALLBACKS = ["callback", "error_callback"] as const;
/** `map` and `starmap`. */
const MAP = ["chunksize", ...STOPPING];
/** `map_async` and `starmap_async`. */
const MAP_ASYNC = ["chunksize", ...CALLBACKS, ...STOPPING];
/** `imap` and `imap_unordered`. */
const IMAP = ["chunksize", "buffersize", ...STOPPING];

/**
 * The options each method takes (Python spellings; the camelCase ones of
 * {@linkcode CAMEL} are accepted too). Aliases (`mapAsync`, ...) call the
 * Python-named method and share its entry.
 */
const OPTIONS: Readonly<Record<string, readonly string[]>> = {
  Pool: [
    "processes",
    "initializer",
    "initargs",
    "maxtasksperchild",
    "context",
    "resourceLimits",
    "taskTimeout",
  ],
  apply: ["kwds", "transfer", ...STOPPING],
  apply_async: ["kwds", ...CALLBACKS, "transfer", ...STOPPING],
  map: MAP,
  starmap: MAP,
  map_async: MAP_ASYNC,
  starmap_async: MAP_ASYNC,
  imap: IMAP,
  imap_unordered: IMAP,
};

/** Names people write for an option, from other libraries or habits. */
const SYNONYMS: Readonly<Record<string, string>> = {
  kwargs: "kwds",
  kwarg: "kwds",
  keywords: "kwds",
  workers: "processes",
  threads: "processes",
  onerror: "error_callback",
  onsuccess: "callback",
  progress: "onProgress",
  limits: "resourceLimits",
  resourcelimit: "resourceLimits",
  abortsignal: "signal",
  tasktimeout: "timeout",
  timeout: "taskTimeout", // new Pool({ timeout }): the pool's is taskTimeout
  timeoutms: "timeout",
};

/** A short description of a received value, for error messages. */
export function received(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  return typeof value === "number" || typeof value === "boolean" ||
      value == null
    ? String(value)
    : typeof value === "string"
    ? `'${value}'`
    : typeof value;
}

/**
 * What an object is, for error messages: "a Map", "an ArrayBuffer", "a
 * function", "an array" (its class name with an article); a primitive as
 * {@linkcode received} says it.
 */
export function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (typeof value === "function") return "a function";
  if (typeof value !== "object" || value === null) return received(value);
  const name = (value as object).constructor?.name || "object";
  // "an Object", "a Uint8Array", "a URL", "an Uncaught...".
  return `${/^([AEIO]|U[^Ri])/i.test(name) ? "an" : "a"} ${name}`;
}

/**
 * The keys an object's prototypes give it, as options and limits are read:
 * enumerable ones or getters, up to `Object.prototype` (whose keys belong
 * to every object); not methods, nor `constructor`.
 */
export function inheritedKeys(object: object): string[] {
  const out: string[] = [];
  let proto = Object.getPrototypeOf(object);
  while (proto !== Object.prototype && proto !== null) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === "constructor") continue;
      const property = Object.getOwnPropertyDescriptor(proto, key)!;
      if (property.enumerable || property.get !== undefined) out.push(key);
    }
    proto = Object.getPrototypeOf(proto);
  }
  return out;
}

/** `"create pool"` for the constructor, `"call map()"` for a method. */
export function doing(method: string): string {
  return method === "Pool" ? "create pool" : `call ${method}()`;
}

/** The method's options in both spellings. */
function spellings(method: string): string[] {
  return (OPTIONS[method] ?? []).flatMap((name) =>
    CAMEL[name] ? [name, CAMEL[name]] : [name]
  );
}

/**
 * Per method, computed once: the option names it takes in both spellings,
 * and its `[python, camel]` pairs (the checks run on every call).
 */
const ALLOWED = new Map(
  Object.keys(OPTIONS).map((method) => [
    method,
    {
      names: new Set(spellings(method)),
      pairs: OPTIONS[method]
        .filter((name) => CAMEL[name] !== undefined)
        .map((name) => [name, CAMEL[name]] as const),
    },
  ]),
);

/** Levenshtein distance, for typos. */
export function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j] + 1,
        next[j - 1] + 1,
        row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length];
}

/** What to tell about an unknown option `key` of `method`. */
function unknownOption(method: string, key: string): TypeError {
  const known = OPTIONS[method] ?? [];
  const fold = (s: string) => s.toLowerCase().replace(/[_-]/g, "");
  let hint = "";
  const synonym = SYNONYMS[fold(key)];
  const close = (synonym && known.includes(synonym) ? synonym : undefined) ??
    known.find((name) =>
      fold(name) === fold(key) ||
      (CAMEL[name] !== undefined && fold(CAMEL[name]) === fold(key))
    ) ?? known.find((name) => distance(fold(name), fold(key)) <= 2);
  // The method that takes it: `map()` -> `map_async()`, else the one
  // sharing most options with this one.
  const shared = (m: string) =>
    m === `${method}_async`
      ? Infinity
      : (OPTIONS[m] ?? []).filter((name) => known.includes(name)).length;
  const elsewhere = Object.keys(OPTIONS)
    .filter((m) => m !== "Pool" && m !== method && spellings(m).includes(key))
    .sort((a, b) => shared(b) - shared(a))[0];
  if (close !== undefined) {
    hint = `: did you mean '${close}'${
      CAMEL[close] ? ` (or '${CAMEL[close]}')` : ""
    }?`;
  } else if (elsewhere !== undefined && method !== "Pool") {
    hint = `: '${key}' is an option of ${elsewhere}()`;
  } else if (elsewhere !== undefined) {
    hint =
      `: '${key}' is an option of each call (${elsewhere}() and others), not of the pool${
        key === "signal"
          ? ": pass { signal } to the calls it should stop, or call pool.terminate() to stop them all"
          : ""
      }`;
  } else if (method === "apply" || method === "apply_async") {
    hint =
      `: keyword arguments for the function go in 'kwds' ({ kwds: { ${key}: ... } })`;
  }
  const takes = known.length === 0
    ? "no options"
    : spellings(method).map((name) => `'${name}'`).join(", ");
  return new TypeError(
    `Cannot ${
      doing(method)
    } as it got an unexpected option '${key}'${hint} (${method}() takes ${takes})`,
  );
}

/**
 * Checks the keys of an options object: no unknown option, and not both
 * spellings of one with different values. The keys checked: its own
 * enumerable ones, and on an object that is not plain (a class instance,
 * `Object.create(proto)`) those its prototypes give it, enumerable or
 * getters, up to `Object.prototype` (whose keys, enumerable only when
 * something added them, belong to every object). Methods are not options.
 */
export function checkKeys(method: string, options: object): void {
  const allowed = ALLOWED.get(method)!; // once per call: no destructuring
  const names = allowed.names;
  for (const key in options) {
    if (!names.has(key) && Object.hasOwn(options, key)) {
      throw unknownOption(method, key);
    }
  }
  for (const key of inheritedKeys(options)) {
    if (!names.has(key)) throw unknownOption(method, key);
  }
  const record = options as Record<string, unknown>;
  const pairs = allowed.pairs;
  for (let i = 0; i < pairs.length; i++) {
    const python = pairs[i][0];
    const camel = pairs[i][1];
    if (
      record[camel] !== undefined && record[python] !== undefined &&
      record[python] !== record[camel]
    ) {
      throw new TypeError(
        `Cannot ${
          doing(method)
        } as it got both '${python}' and '${camel}' with different values: give one`,
      );
    }
  }
}

/**
 * Throws when `options` is an `AbortSignal` itself (its `aborted` and
 * `addEventListener`): it has no option keys, so it would pass as none.
 */
export function refuseSignal(
  method: string,
  options: object,
  what: string,
): void {
  if (isSignal(options)) {
    throw new TypeError(
      `Cannot ${
        doing(method)
      } as ${what} must be an options object: received an AbortSignal; pass it as { signal }`,
    );
  }
}

/**
 * `{ chunksize: 1, signal }`: the keys of the plain objects and signals in
 * `values` (the first number as the chunksize), each once; "" for none.
 */
function merged(values: ArrayLike<unknown>, chunksize: boolean): string {
  const keys = new Map<string, string>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === "number" && chunksize && !keys.has("chunksize")) {
      keys.set("chunksize", `chunksize: ${value}`);
    } else if (value === null || typeof value !== "object") continue;
    else if (isSignal(value)) keys.set("signal", "signal");
    else for (const key of Object.keys(value)) keys.set(key, key);
  }
  return keys.size === 0 ? "" : `{ ${[...keys.values()].join(", ")} }`;
}

/** Whether `value` is an `AbortSignal`: its `aborted` and `addEventListener`. */
function isSignal(value: object): boolean {
  const o = value as { aborted?: unknown; addEventListener?: unknown };
  return typeof o.aborted === "boolean" &&
    typeof o.addEventListener === "function";
}

/**
 * The error of a call given an argument after its options: Python's `map`
 * takes `(func, iterable, chunksize)`, ours a chunksize or an options
 * object third, so `map(f, xs, 1, { signal })` would drop the signal
 * without a word. The fix names the options merged into one object.
 *
 * @param method The Python name of the method.
 * @param args What the method received (more than 3 arguments).
 */
export function extraArguments(
  method: string,
  args: ArrayLike<unknown>,
): TypeError {
  const apply = method === "apply" || method === "apply_async";
  const takes = `${method}() takes (fn, ${
    apply ? "args, options" : "iterable, chunksize or options"
  })`;
  const options = merged(Array.prototype.slice.call(args, 2), !apply);
  const fix = apply && !Array.isArray(args[1])
    ? `pass the function's arguments as one array: ${method}(fn, [a, b, ...], options)`
    : options !== ""
    ? `pass ${options} as the third argument`
    : `pass one ${
      apply ? "" : "chunksize or one "
    }options object as the third argument`;
  return new TypeError(
    `Cannot call ${method}() with ${args.length} arguments as ${takes}, and what follows would be ignored: ${fix}`,
  );
}

/** {@linkcode extraArguments} as the rejection of a method returning a Promise. */
export function rejectExtra(
  method: string,
  args: ArrayLike<unknown>,
): Promise<never> {
  return Promise.reject(extraArguments(method, args));
}
