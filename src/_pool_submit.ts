/**
 * Submitting {@linkcode Pool} work: `apply`, `map` and `imap` calls checked,
 * turned into tasks and handed to the engine (`_pool_create.ts` makes the
 * pool). The public methods in `pool.ts` delegate here.
 *
 * @module
 */

import { AsyncResult, settleResult } from "./async_result.ts";
import { APPLY_SINK, applyProgressSink, MapSink } from "./_result_sinks.ts";
import {
  chunkArray,
  defaultChunksize,
  isAsyncIterable,
  isIterable,
  readAll,
  readSync,
} from "./core/_chunking.ts";
import {
  MODE_CALL,
  MODE_CALL1,
  MODE_MAP,
  MODE_STARMAP,
  TASK_PROGRESS,
  type TaskMode,
  type TaskSink,
} from "./core/_wire.ts";
import {
  CallStop,
  limitSeconds,
  STOPPABLE_APPLY_SINK,
  watchCall,
  watchLive,
  watchSignal,
} from "./_stop.ts";
import {
  cancelIMap,
  createIMapIterator,
  type IMapIterator,
} from "./imap_iterator.ts";
import type { ApplyOptions } from "./types.ts";
import {
  applyOptions,
  mapOptions,
  type ParsedMapOptions,
  signalAlone,
} from "./_options.ts";
import { received } from "./_option_names.ts";
import { describeTask, type PoolState } from "./_pool_create.ts";

/** Chunks submitted and not consumed, per worker, by default in `imap`. */
const BUFFER_PER_PROCESS = 4;

/**
 * The start of a map-family call: the pool accepts work, `fn` gets its id,
 * the options and the iterable are checked.
 */
function beginMap(
  state: PoolState,
  method: string,
  fn: unknown,
  iterable: unknown,
  chunksizeArg: unknown,
): { fid: number; opts: ParsedMapOptions } {
  checkRunning(state, method);
  const fid = state.engine.registry.fidFor(fn, describeTask);
  const opts = mapOptions(method, chunksizeArg);
  if (!isIterable(iterable) && !isAsyncIterable(iterable)) {
    throw new TypeError(
      `Cannot call ${method}() as 'iterable' must be an Iterable or AsyncIterable: received ${
        received(iterable)
      }`,
    );
  }
  return { fid, opts };
}

/** Throws "Pool not running" unless the pool accepts work. */
export function checkRunning(state: PoolState, method: string): void {
  if (state.engine.state !== "run") throw notRunning(method, state);
}

/**
 * The error of a call on a pool that no longer accepts work. Apart from
 * the checks (here and below) so that they stay short: V8 inlines a
 * limited amount of code into each submitting call.
 */
function notRunning(method: string, state: PoolState): Error {
  return new Error(
    `Pool not running: cannot call ${method}() after ${
      state.engine.state === "close" ? "close()" : "terminate()"
    }; create a new Pool`,
  );
}

/** The error of `apply` arguments that are not an array. */
function notArgs(method: string, args: unknown): TypeError {
  return new TypeError(
    `Cannot call ${method}() as 'args' must be an array of arguments: received ${
      received(args)
    }; wrap a single argument as [x]`,
  );
}

/**
 * The promise of the result `start` submits; what `start` throws (an
 * argument error) rejects it instead.
 */
export function settled<T>(start: () => AsyncResult<T>): Promise<T> {
  try {
    return start().get();
  } catch (error) {
    return Promise.reject(error);
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
  if (!Array.isArray(list)) throw notArgs(method, args);
  if (state.taskTimeout === undefined) {
    if (options === undefined) {
      // The usual tiny call: nothing to parse or watch (kept short for JITs).
      const result = new AsyncResult<unknown>();
      const single = list.length === 1;
      const payload = single ? list[0] : list;
      const mode = single ? MODE_CALL1 : MODE_CALL;
      engine.submit(fid, mode, payload, APPLY_SINK, result, undefined);
      return result;
    }
    // The usual `{ signal }` alone: no options object parsed.
    const alone = signalAlone(method, options);
    if (alone !== undefined) return submitAlone(engine, fid, list, alone);
  }
  return submitWith(state, method, fid, list, options);
}

/**
 * `submitApply` with options that are `{ signal }` alone (`signal` null:
 * `undefined` or `null`). Kept apart from `submitWith`, and short, so that
 * JITs inline it.
 */
function submitAlone(
  engine: PoolState["engine"],
  fid: number,
  list: unknown[],
  signal: AbortSignal | null,
): AsyncResult<unknown> {
  const result = new AsyncResult<unknown>();
  const single = list.length === 1;
  const mode = single ? MODE_CALL1 : MODE_CALL;
  const payload = single ? list[0] : list;
  if (signal === null) {
    engine.submit(fid, mode, payload, APPLY_SINK, result, undefined);
    return result;
  }
  const watch = watchLive(signal, engine);
  if (watch === undefined) settleResult(result, false, signal.reason);
  else {
    watch.addApply(result);
    engine.submit(fid, mode, payload, watch, result, undefined, watch);
  }
  return result;
}

/** `submitApply` with options or a `taskTimeout`. */
function submitWith(
  state: PoolState,
  method: "apply" | "apply_async",
  fid: number,
  list: unknown[],
  options: ApplyOptions | undefined,
): AsyncResult<unknown> {
  const engine = state.engine;
  const { args: callArgs, callbacks, transfer, onProgress, signal, timeout } =
    applyOptions(method, list, options);
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
    watch.addApply(result);
    const sink = onProgress === undefined
      ? watch.applySink
      : applyProgressSink(onProgress, watch.applySink);
    engine.submit(fid, mode, payload, sink, result, transfer, watch);
  }
  return result;
}

/** `map_async` and `starmap_async` (by `method`), with errors naming it. */
export function submitMap<R>(
  state: PoolState,
  method: "map" | "map_async" | "starmap" | "starmap_async",
  fn: unknown,
  iterable: unknown,
  chunksizeArg: unknown,
): AsyncResult<R[]> {
  const mode: TaskMode = method === "starmap" || method === "starmap_async"
    ? MODE_STARMAP
    : MODE_MAP;
  const { fid, opts } = beginMap(state, method, fn, iterable, chunksizeArg);
  const engine = state.engine;
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
  if (Array.isArray(iterable)) submit(iterable);
  else if (isIterable(iterable)) {
    // Read item by item: the input may abort the call's signal, or spend
    // its time limit, while it is read; then the rest is not read.
    const call = {
      stopped: false,
      deadline: group?.deadline ?? Infinity,
      expire: () => group?.expire(),
    };
    stopInput = () => {
      call.stopped = true;
    };
    const items = readSync(iterable, call);
    stopInput = undefined;
    if (items !== undefined) submit(items);
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
  const { fid, opts } = beginMap(state, method, fn, iterable, chunksizeArg);
  const engine = state.engine;
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
  return createIMapIterator<R>({
    aborted: abortedAtOnce,
    // before the first read: the input may abort the signal while read
    opened: (iterator) => it = iterator as IMapIterator<R>,
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
  return applyProgressSink(
    onProgress,
    STOPPABLE_APPLY_SINK,
    (ctx) => (ctx as CallStop).target,
  );
}
