/**
 * Creating a {@linkcode Pool} (its options checked, its adapter chosen, its
 * engine started), joining it, and the spec of a task function (plain or
 * {@linkcode moduleTask}).
 *
 * @module
 */

import { checkLimitsSupported, selectAdapter } from "./adapters/_select.ts";
import { sourceSpec } from "./core/_function_source.ts";
import type { FnSpec } from "./core/_wire.ts";
import { Engine } from "./core/_engine.ts";
import { cpuCount } from "./cpu_count.ts";
import { currentProcessAlias } from "./current_process.ts";
import { reportProgressAlias } from "./progress.ts";
import { isModuleTask } from "./module_task.ts";
import type { PoolOptions } from "./types.ts";
import { checkFeatures } from "./_features.ts";
import { checkPoolOptions, positiveInteger } from "./_options.ts";
import { received } from "./_option_names.ts";
import { resourceLimitsOption } from "./_limits.ts";
import { extraPoolArguments, noArguments } from "./_pool_arguments.ts";

/** The most workers a pool may have (see `Pool.MAX_PROCESSES`). */
export const MAX_PROCESSES = 1024;

/** A pool's engine and settings. */
export interface PoolState {
  /** The engine. */
  readonly engine: Engine;
  /** Number of workers. */
  readonly processes: number;
  /** The `taskTimeout` option, in seconds. */
  readonly taskTimeout: number | undefined;
  /** `Pool(processes=N, context=...)`, for debugging. */
  readonly name: string;
}

function taskSpec(fn: unknown, role: string): FnSpec {
  if (isModuleTask(fn)) return { kind: "module", url: fn.url, name: fn.name };
  return sourceSpec(fn, role, currentProcessAlias, reportProgressAlias);
}

/** Makes the spec of a task function (the registry calls it once per source). */
export const describeTask = (fn: unknown): FnSpec => taskSpec(fn, "task");

/**
 * Checks `new Pool(options)` and starts the engine (see the constructor).
 * `args` is what the constructor received: only `options` is taken.
 */
export function createPool(
  options: number | PoolOptions | undefined,
  args: ArrayLike<unknown>,
): PoolState {
  if (args.length > 1) throw extraPoolArguments(args);
  checkFeatures();
  checkPoolOptions(options);
  const opts: PoolOptions = typeof options === "number"
    ? { processes: options }
    : options ?? {};
  if (typeof opts !== "object") {
    throw new TypeError(
      `Cannot create pool as its argument must be a number of processes or an options object: received ${
        received(options)
      }`,
    );
  }
  const hint = typeof opts.context === "object" && opts.context !== null
    ? opts.context.processes
    : undefined;
  const processes = opts.processes ?? hint ??
    Math.min(cpuCount(), MAX_PROCESSES);
  if (!positiveInteger(processes)) {
    throw new RangeError(
      `Cannot create pool as 'processes' must be a positive integer: received ${
        received(processes)
      }`,
    );
  }
  if (processes > MAX_PROCESSES) {
    throw new RangeError(
      `Cannot create pool as 'processes' must be at most Pool.MAX_PROCESSES (${MAX_PROCESSES}): received ${processes}; each worker is a thread with its own heap`,
    );
  }
  const max = opts.maxtasksperchild ?? opts.maxTasksPerChild;
  if (max !== undefined && max !== null && !positiveInteger(max)) {
    throw new RangeError(
      `Cannot create pool as 'maxtasksperchild' must be a positive integer: received ${
        received(max)
      }`,
    );
  }
  const initargs = opts.initargs ?? [];
  if (!Array.isArray(initargs)) {
    throw new TypeError(
      `Cannot create pool as 'initargs' must be an array: received ${
        received(initargs)
      }`,
    );
  }
  let initializer: FnSpec | undefined;
  if (opts.initializer !== undefined && opts.initializer !== null) {
    initializer = taskSpec(opts.initializer, "initializer");
    try {
      structuredClone(initargs);
    } catch (error) {
      throw new TypeError(
        `Cannot create pool as 'initargs' cannot be cloned to workers: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
  }
  const resourceLimits = resourceLimitsOption(opts.resourceLimits);
  const adapter = selectAdapter(opts.context);
  // Every adapter is chosen synchronously today (selectAdapter's type
  // allows a promise for one that would have to be imported).
  if (!(adapter instanceof Promise)) {
    checkLimitsSupported(
      adapter,
      resourceLimits,
      typeof opts.context === "object" && opts.context !== null,
    );
  }
  const engine = new Engine({
    processes,
    adapter,
    initializer,
    initargs,
    maxTasks: max ?? Infinity,
    resourceLimits,
  });
  const context = typeof opts.context === "object" && opts.context !== null
    ? opts.context.name
    : opts.context;
  return {
    engine,
    processes,
    taskTimeout: opts.taskTimeout ?? undefined,
    name: `Pool(processes=${processes}${
      context ? `, context=${context}` : ""
    })`,
  };
}

/**
 * `join()`: rejects while the pool still runs, or given arguments (`args`:
 * what it received; see `Pool.join`).
 */
export function joinPool(
  state: PoolState,
  args: ArrayLike<unknown>,
): Promise<void> {
  if (args.length !== 0) return Promise.reject(noArguments("join", args));
  if (state.engine.state === "run") {
    return Promise.reject(
      new Error(
        "Pool is still running: call close() or terminate() before join()",
      ),
    );
  }
  return state.engine.join();
}

/** The camelCase aliases of `Pool` (declared in its class body). */
const ALIASES: Readonly<Record<string, string>> = {
  applyAsync: "apply_async",
  mapAsync: "map_async",
  starmapAsync: "starmap_async",
  imapUnordered: "imap_unordered",
};

/**
 * Installs the camelCase aliases on `proto` (`Pool.prototype`): each calls
 * the Python-named method through `this`, so a subclass that overrides
 * `apply_async` changes `applyAsync` too. Non-enumerable, like methods.
 */
export function aliasMethods(
  proto: object,
  aliases: Readonly<Record<string, string>> = ALIASES,
): void {
  for (const [alias, name] of Object.entries(aliases)) {
    const method = {
      [alias](
        this: Record<string, (...args: unknown[]) => unknown>,
        ...args: unknown[]
      ): unknown {
        return this[name](...args);
      },
    }[alias];
    Object.defineProperty(proto, alias, {
      value: method,
      writable: true,
      configurable: true,
    });
  }
}
