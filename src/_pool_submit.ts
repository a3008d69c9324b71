/**
 * The insides of {@linkcode Pool}: checking its options, starting its
 * engine, and submitting `apply`, `map` and `imap` work. The public methods
 * in `pool.ts` validate their own calls and delegate here.
 *
 * @module
 */

import {
  APPLY_SINK,
  applyProgressSink,
  AsyncResult,
  MapSink,
  settleResult,
} from "./async_result.ts";
import { checkLimitsSupported, selectAdapter } from "./adapters/_select.ts";
import {
  chunkArray,
  defaultChunksize,
  isAsyncIterable,
  isIterable,
  readAll,
} from "./core/_chunking.ts";
import { sourceSpec } from "./core/_function_source.ts";
import {
  type FnSpec,
  MODE_CALL,
  MODE_CALL1,
  MODE_MAP,
  TASK_PROGRESS,
  TASK_STARTED,
  type TaskMode,
  type TaskSink,
} from "./core/_wire.ts";
import {
  CallStop,
  limitSeconds,
  STOPPABLE_APPLY_SINK,
  watchCall,
  watchSignal,
} from "./_stop.ts";
import { Engine } from "./core/_engine.ts";
import { cpuCount } from "./cpu_count.ts";
import { currentProcessAlias } from "./current_process.ts";
import { reportProgressAlias } from "./progress.ts";
import {
  cancelIMap,
  createIMapIterator,
  type IMapIterator,
} from "./imap_iterator.ts";
import { isModuleTask } from "./module_task.ts";
import type {
  ApplyOptions,
  ImapOptions,
  MapOptions,
  PoolOptions,
} from "./types.ts";
import { checkFeatures } from "./_features.ts";
import {
  applyOptions,
  checkPoolOptions,
  mapOptions,
  positiveInteger,
  received,
} from "./_options.ts";
import { resourceLimitsOption } from "./_limits.ts";

/** The most workers a pool may have (see `Pool.MAX_PROCESSES`). */
export const MAX_PROCESSES = 1024;

/** Chunks submitted and not consumed, per worker, by default in `imap`. */
const BUFFER_PER_PROCESS = 4;

/** A pool's engine and settings. */
export interface PoolState {
  /** The engine. */
  readonly engine: Engine;
  /** Number of workers. */
  readonly processes: number;
  /** The `context` option, for `toString`. */
  readonly context: string | undefined;
  /** The `taskTimeout` option, in seconds. */
  readonly taskTimeout: number | undefined;
}

function taskSpec(fn: unknown, role: string): FnSpec {
  if (isModuleTask(fn)) return { kind: "module", url: fn.url, name: fn.name };
  return sourceSpec(fn, role, currentProcessAlias, reportProgressAlias);
}

/** Makes the spec of a task function (the registry calls it once per source). */
const describeTask = (fn: unknown): FnSpec => taskSpec(fn, "task");

function checkIterable(method: string, iterable: unknown): void {
  if (!isIterable(iterable) && !isAsyncIterable(iterable)) {
    throw new TypeError(
      `Cannot call ${method}() as 'iterable' must be an Iterable or AsyncIterable: received ${
        received(iterable)
      }`,
    );
  }
}

/** Checks `new Pool(options)` and starts the engine (see the constructor). */
export function createPool(options?: number | PoolOptions): PoolState {
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
    context,
    taskTimeout: opts.taskTimeout ?? undefined,
  };
}

/** Throws "Pool not running" unless the pool accepts work. */
export function checkRunning(state: PoolState, method: string): void {
  const s = state.engine.state;
  if (s !== "run") {
    throw new Error(
      `Pool not running: cannot call ${method}() after ${
        s === "close" ? "close()" : "terminate()"
      }; create a new Pool`,
    );
  }
}

/** `apply_async`, with errors naming `method`. */
export function submitApply(
  state: PoolState,
  method: "apply" | "apply_async",
  fn: unknown,
  args: unknown[] | undefined,
  options: ApplyOptions | undefined,
): AsyncResult<unknown> {
  checkRunning(state, method);
  const engine = state.engine;
  const fid = engine.registry.fidFor(fn, describeTask);
  const list = args ?? [];
  if (!Array.isArray(list)) {
    throw new TypeError(
      `Cannot call ${method}() as 'args' must be an array of arguments: received ${
        received(args)
      }; wrap a single argument as [x]`,
    );
  }
  const { args: callArgs, callbacks, transfer, onProgress, signal, timeout } =
    applyOptions(
      method,
      list,
      options,
    );
  const result = new AsyncResult<unknown>(callbacks);
  const single = callArgs.length === 1;
  let mode: number = single ? MODE_CALL1 : MODE_CALL;
  const seconds = limitSeconds(timeout, state.taskTimeout);
  const payload = single ? callArgs[0] : callArgs;
  if (onProgress !== undefined) mode |= TASK_PROGRESS;
  if (seconds !== undefined) {
    const stop = new CallStop(
      engine,
      signal,
      seconds,
      true,
      `${method}() task`,
      result,
    );
    if (!stop.cancelled) { // else: its signal was aborted already
      mode |= TASK_STARTED;
      engine.submit(
        fid,
        mode,
        payload,
        onProgress === undefined
          ? STOPPABLE_APPLY_SINK
          : stoppableProgressSink(onProgress),
        stop,
        transfer,
        stop,
      );
    }
  } else if (signal === undefined) {
    engine.submit(
      fid,
      mode,
      payload,
      onProgress === undefined ? APPLY_SINK : applyProgressSink(onProgress),
      result,
      transfer,
    );
  } else if (signal.aborted) {
    settleResult(result, false, signal.reason);
  } else {
    const watch = watchSignal(signal, engine);
    watch.add(result);
    const sink = onProgress === undefined ? watch.applySink : {
      ...watch.applySink,
      progress: applyProgressSink(onProgress).progress,
    };
    engine.submit(fid, mode, payload, sink, result, transfer, watch);
  }
  return result;
}

/** `map_async` and `starmap_async` (by `mode`), with errors naming `method`. */
export function submitMap<R>(
  state: PoolState,
  method: string,
  fn: unknown,
  iterable: unknown,
  chunksizeArg: unknown,
  mode: TaskMode,
): AsyncResult<R[]> {
  checkRunning(state, method);
  const engine = state.engine;
  const fid = engine.registry.fidFor(fn, describeTask);
  const opts = mapOptions(method, chunksizeArg as number | MapOptions);
  checkIterable(method, iterable);
  const result = new AsyncResult<R[]>({
    callback: opts.callback as ((values: R[]) => void) | undefined,
    errorCallback: opts.errorCallback,
  });
  let stopInput: (() => void) | undefined;
  const watched = watchCall(
    engine,
    opts.signal,
    limitSeconds(opts.timeout, state.taskTimeout),
    `${method}()`,
    (reason) => {
      settleResult(result, false, reason);
      stopInput?.();
    },
  );
  const group = watched?.group;
  if (watched !== undefined) {
    if (watched.group.cancelled) return result; // an already-aborted signal
    const finish = () => watched.finish();
    result.then(finish, finish);
  }
  const submit = (items: unknown[]) => {
    const chunksize = opts.chunksize ??
      Math.max(1, defaultChunksize(items.length, state.processes));
    const sink = new MapSink(
      result as AsyncResult<unknown[]>,
      items.length,
      chunksize,
      opts.onProgress,
    );
    const field = opts.onProgress === undefined ? mode : mode | TASK_PROGRESS;
    const chunks = chunkArray(items, chunksize);
    for (let i = 0; i < chunks.length; i++) {
      engine.submit(fid, field, chunks[i], sink, i, undefined, group);
    }
  };
  if (isIterable(iterable)) {
    submit(Array.isArray(iterable) ? iterable : Array.from(iterable));
  } else {
    // terminate() settles the result at once, whatever the input does.
    // The function stays registered while the input is read.
    const input = readAll(iterable as AsyncIterable<unknown>);
    let stopped = false;
    stopInput = () => {
      stopped = true;
      input.stop();
    };
    engine.registry.retain(fid);
    const hold = engine.hold({
      abort: (error) => {
        stopped = true;
        settleResult(result, false, error);
        input.stop();
      },
    });
    const release = () => {
      engine.registry.release(fid);
      hold();
    };
    input.items.then(
      (items) => {
        if (!stopped) submit(items);
        release();
      },
      (error) => {
        if (!stopped) settleResult(result, false, error);
        release();
      },
    );
  }
  return result;
}

/** `imap` and `imap_unordered` (by `ordered`), with errors naming `method`. */
export function openImap<R>(
  state: PoolState,
  method: string,
  fn: unknown,
  iterable: unknown,
  chunksizeArg: unknown,
  ordered: boolean,
): IMapIterator<R> {
  checkRunning(state, method);
  const engine = state.engine;
  const fid = engine.registry.fidFor(fn, describeTask);
  const opts = mapOptions(method, chunksizeArg as number | ImapOptions);
  checkIterable(method, iterable);
  const field = opts.onProgress === undefined
    ? MODE_MAP
    : MODE_MAP | TASK_PROGRESS;
  let it: IMapIterator<R> | undefined;
  let abortedAtOnce: { reason: unknown } | undefined;
  const watched = watchCall(
    engine,
    opts.signal,
    limitSeconds(opts.timeout, state.taskTimeout),
    `${method}()`,
    (reason) => {
      if (it === undefined) abortedAtOnce = { reason };
      else cancelIMap(it, reason);
    },
  );
  const group = watched?.group;
  return it = createIMapIterator<R>({
    aborted: abortedAtOnce,
    onEnd: watched === undefined ? undefined : () => watched.finish(),
    iterable: iterable as Iterable<unknown>,
    chunksize: opts.chunksize ?? 1,
    buffersize: opts.buffersize ?? state.processes * BUFFER_PER_PROCESS,
    ordered,
    onProgress: opts.onProgress,
    submit(chunk, index, sink) {
      if (engine.state === "terminate") {
        throw new Error(
          `Pool not running: ${method}() input stopped by terminate()`,
        );
      }
      if (engine.broken) throw engine.broken;
      engine.submit(fid, field, chunk, sink, index, undefined, group);
    },
    // The function stays registered while the input is read.
    hold: (input) => {
      engine.registry.retain(fid);
      const release = engine.hold(input);
      return () => {
        release();
        engine.registry.release(fid);
      };
    },
  });
}

/** The stoppable apply sink, also passing progress on to `onProgress`. */
function stoppableProgressSink(onProgress: (value: unknown) => void): TaskSink {
  const inner = applyProgressSink(onProgress);
  return {
    ok: STOPPABLE_APPLY_SINK.ok,
    fail: STOPPABLE_APPLY_SINK.fail,
    partial: STOPPABLE_APPLY_SINK.partial,
    progress(ctx: unknown, value: unknown): void {
      inner.progress!((ctx as CallStop).target, value);
    },
  };
}
