// This module is browser compatible.
/**
 * The runtime-agnostic engine: a task queue, worker records, dispatch with
 * an adaptive in-flight window, result routing, retirement after
 * `maxtasksperchild`, replacement of dead workers, and shutdown. It talks to
 * workers only through {@linkcode WorkerAdapter}.
 *
 * Tasks are pipelined: a worker holds up to `window` tasks at once, and the
 * window adapts to measured task duration (many for tiny tasks, one for slow
 * ones) so tiny tasks are batched into few messages while slow tasks are
 * spread evenly.
 *
 * @module
 */

// `Transferable` here is our TransferListItem: the DOM's name, without the
// DOM lib (the published types must compile without it).
import type {
  TransferListItem as Transferable,
  WorkerAdapter,
  WorkerExit,
  WorkerHandle,
} from "./adapter.ts";
import { fromRecord } from "./_error_record.ts";
import {
  CONTROL_GATE,
  type ErrorRecord,
  type FnSpec,
  type InitMessage,
  MODE_MAP,
  MODE_STARMAP,
  type TaskMode,
  type WorkerMessage,
} from "./_wire.ts";
import { TaskQueue } from "./_deque.ts";
import { WorkerLostError } from "./errors.ts";

/**
 * Receives the outcome of tasks. One sink may serve many tasks: each task
 * carries a context value (`ctx`) the sink gets back, such as a chunk index
 * or the result object, so no per-task sink object is needed.
 */
export interface TaskSink {
  /** A worker answered: `status`/`payload` as in the protocol. */
  resolve(ctx: unknown, status: number, payload: unknown): void;
  /** The task failed on the calling side (worker lost, terminate, clone). */
  reject(ctx: unknown, error: unknown): void;
}

/** One submitted task; a class so every record has the same shape. */
class TaskRecord {
  seq: number;
  fid: number;
  mode: TaskMode;
  payload: unknown;
  sink: TaskSink;
  ctx: unknown;
  transfer: Transferable[] | undefined;
  /** Position in the stream of tasks sent to its worker. */
  ordinal = -1;

  constructor(
    seq: number,
    fid: number,
    mode: TaskMode,
    payload: unknown,
    sink: TaskSink,
    ctx: unknown,
    transfer: Transferable[] | undefined,
  ) {
    this.seq = seq;
    this.fid = fid;
    this.mode = mode;
    this.payload = payload;
    this.sink = sink;
    this.ctx = ctx;
    this.transfer = transfer;
  }
}

type WorkerState = "starting" | "ready" | "dead";

interface WorkerRecord {
  id: number;
  name: string;
  handle: WorkerHandle | undefined;
  state: WorkerState;
  /** Sent and unanswered, in send order (results come back in that order). */
  inflight: TaskQueue<TaskRecord>;
  known: Set<number>;
  assigned: number;
  done: number;
  /** Tasks sent to this worker so far (the next ordinal). */
  sent: number;
  control: Int32Array | undefined;
  since: number;
  /** Its unstarted tasks were taken back while it runs one: send it nothing until it answers. */
  stalled: boolean;
}

/** An input being read into the pool: see {@linkcode Engine.hold}. */
export interface InputHold {
  /** The pool stopped: settle with `error` and stop reading. */
  abort(error: unknown): void;
  /** `join()` is awaited while this input is still open. */
  join?(): void;
}

/** Settings of an {@linkcode Engine}. */
export interface EngineOptions {
  /** Number of workers. */
  processes: number;
  /** The adapter (or a promise of it, when loading it is async). */
  adapter: WorkerAdapter | Promise<WorkerAdapter>;
  /** Initializer, if any. */
  initializer?: FnSpec;
  /** Initializer arguments. */
  initargs: unknown[];
  /** Tasks per worker before it is replaced; `Infinity` for never. */
  maxTasks: number;
}

/** Upper bound of tasks in flight per worker. */
const MAX_WINDOW = 16384;
/** A worker silent this long with unstarted tasks has them taken back (ms). */
const STEAL_AFTER_MS = 20;
/** Dispatch without waiting for the microtask once this many are queued. */
const EAGER_DISPATCH = 256;
/** A task message carries at most about this many items (calls or chunk items). */
const BATCH_ITEMS = 16384;
/** Aim for this much queued work (ms) per worker. */
const WINDOW_TARGET_MS = 4;
/**
 * Start workers for at most about this long (ms) before letting the event
 * loop run: starting one blocks the caller (~2 ms on Bun, ~11 ms on Node,
 * ~35–85 ms on Deno), so a large pool starts in slices.
 */
const SPAWN_SLICE_MS = 10;

/** The pool engine. `Pool` validates arguments and delegates here. */
export class Engine {
  #opts: EngineOptions;
  #adapter: WorkerAdapter | undefined;
  #queue = new TaskQueue<TaskRecord>();
  #workers: WorkerRecord[] = [];
  #specs: FnSpec[] = [];
  #fids = new Map<string, number>();
  #seq = 0;
  #nextWorkerId = 0;
  #unsettled = 0;
  #state: "run" | "close" | "terminate" = "run";
  #broken: Error | undefined;
  #perTaskMs: number | undefined;
  #dispatchQueued = false;
  #balanceTimer: ReturnType<typeof setTimeout> | undefined;
  #spawnTimer: ReturnType<typeof setTimeout> | undefined;
  #joined = Promise.withResolvers<void>();
  #stopping: Promise<void> | undefined;
  #stopped = false;
  /** Inputs still being read (`hold()`), told when the pool stops or is joined. */
  #inputs = new Set<InputHold>();
  /** Tasks run again because a worker died before posting their results. */
  #rerun = new WeakSet<TaskRecord>();

  /** @param options Engine settings. */
  constructor(options: EngineOptions) {
    this.#opts = options;
    const { adapter } = options;
    if (adapter instanceof Promise) {
      adapter.then(
        (a) => this.#start(a),
        (error) =>
          this.#break(
            new Error(
              `Cannot start workers as the adapter failed to load: ${error}`,
              { cause: error },
            ),
          ),
      );
    } else {
      this.#start(adapter);
    }
  }

  /** `"run"`, `"close"` or `"terminate"`. */
  get state(): "run" | "close" | "terminate" {
    return this.#state;
  }

  /** The error that broke the pool (initializer failure), if any. */
  get broken(): Error | undefined {
    return this.#broken;
  }

  /** Registers a function spec; returns its id (stable per source/module). */
  fid(spec: FnSpec): number {
    const key = spec.kind === "source"
      ? spec.source
      : `\0module:${spec.url}#${spec.name}`;
    let fid = this.#fids.get(key);
    if (fid === undefined) {
      fid = this.#specs.length;
      this.#specs.push(spec);
      this.#fids.set(key, fid);
    }
    return fid;
  }

  /**
   * Queues one task. The caller has checked that the pool accepts work;
   * a broken or terminated pool rejects the task through its sink.
   */
  submit(
    fid: number,
    mode: TaskMode,
    payload: unknown,
    sink: TaskSink,
    ctx: unknown,
    transfer?: Transferable[],
  ): void {
    if (this.#state === "terminate") {
      sink.reject(ctx, abortError());
      return;
    }
    if (this.#broken) {
      sink.reject(ctx, this.#broken);
      return;
    }
    this.#unsettled++;
    this.#queue.push(
      new TaskRecord(++this.#seq, fid, mode, payload, sink, ctx, transfer),
    );
    if (
      this.#queue.size >= EAGER_DISPATCH &&
      (this.#queue.size & (EAGER_DISPATCH - 1)) === 0
    ) {
      // A long burst of submissions: start the workers on it now rather
      // than after the caller's loop ends.
      this.#dispatch();
    } else if (!this.#dispatchQueued) {
      this.#dispatchQueued = true;
      queueMicrotask(() => {
        this.#dispatchQueued = false;
        this.#dispatch();
      });
    }
  }

  /**
   * Keeps the pool from finishing a `close()` while more work may still be
   * submitted (an input being read). Returns the release function.
   * `input.abort` is called once, with the error to settle with, if the
   * pool stops first (`terminate()`, or a failed initializer): the input's
   * reader must then settle its results at once and stop reading.
   * `input.join`, if given, is called when `join()` is awaited while the
   * input is still held.
   */
  hold(input: InputHold): () => void {
    this.#unsettled++;
    this.#inputs.add(input);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inputs.delete(input);
      this.#unsettled--;
      this.#maybeFinish();
    };
  }

  /** No new work; queued work still runs, then the workers exit. */
  close(): void {
    if (this.#state !== "run") return;
    this.#state = "close";
    this.#maybeFinish();
    this.#resolveJoin();
  }

  /** Stops every worker now; every unfinished task rejects. */
  async terminate(): Promise<void> {
    if (this.#state !== "terminate") {
      this.#state = "terminate";
      this.#rejectAll(() => abortError());
      this.#abortInputs(() => abortError());
      await this.#stopWorkers();
      this.#resolveJoin();
    }
    return this.#joined.promise;
  }

  /** Resolves when every worker has exited after `close()`/`terminate()`. */
  join(): Promise<void> {
    for (const input of [...this.#inputs]) input.join?.();
    return this.#joined.promise;
  }

  // ---- workers -----------------------------------------------------------

  #start(adapter: WorkerAdapter): void {
    if (this.#state === "terminate") return;
    this.#adapter = adapter;
    if (this.#broken) return;
    this.#spawnSlice(this.#opts.processes);
  }

  /**
   * Starts up to `left` workers, for about SPAWN_SLICE_MS at most (the first
   * at once), and the rest in later slices; stops once the pool stops.
   */
  #spawnSlice(left: number): void {
    this.#spawnTimer = undefined;
    const start = now();
    while (
      left > 0 && this.#stopping === undefined && this.#broken === undefined
    ) {
      this.#spawn();
      left--;
      if (left > 0 && now() - start >= SPAWN_SLICE_MS) {
        this.#spawnTimer = setTimeout(() => this.#spawnSlice(left), 0);
        break;
      }
    }
    this.#dispatch();
  }

  #spawn(): void {
    if (this.#stopping !== undefined || this.#broken !== undefined) return;
    const adapter = this.#adapter!;
    const id = ++this.#nextWorkerId;
    const worker: WorkerRecord = {
      id,
      name: `PoolWorker-${id}`,
      handle: undefined,
      state: "starting",
      inflight: new TaskQueue(),
      known: new Set(),
      assigned: 0,
      done: 0,
      sent: 0,
      control: adapter.sharedMemory
        ? new Int32Array(new SharedArrayBuffer(4))
        : undefined,
      since: 0,
      stalled: false,
    };
    this.#workers.push(worker);
    try {
      worker.handle = adapter.spawn({ name: worker.name, id }, {
        message: (data) => this.#onMessage(worker, data as WorkerMessage),
        exit: (info) => this.#onExit(worker, info),
      });
      worker.handle.unref?.();
      const init: InitMessage = {
        type: "init",
        id,
        name: worker.name,
        initargs: this.#opts.initargs,
      };
      if (this.#opts.initializer) init.initializer = this.#opts.initializer;
      if (worker.control) init.control = worker.control;
      worker.handle.post(init);
    } catch (error) {
      worker.state = "dead";
      this.#removeWorker(worker);
      worker.handle?.terminate();
      this.#break(
        new Error(
          `Cannot start worker '${worker.name}': ${errorText(error)}`,
          { cause: error },
        ),
      );
    }
  }

  #removeWorker(worker: WorkerRecord): void {
    const i = this.#workers.indexOf(worker);
    if (i >= 0) this.#workers.splice(i, 1);
  }

  #onMessage(worker: WorkerRecord, msg: WorkerMessage): void {
    if (worker.state === "dead") return;
    switch (msg.type) {
      case "results":
        this.#onResults(worker, msg.results, msg.busy);
        break;
      case "ready":
        if (worker.state === "starting") worker.state = "ready";
        worker.since = now();
        break;
      case "initError":
        this.#break(initializerError(worker.name, msg.error));
        break;
      case "fatal": {
        const error = msg.error ? fromRecord(msg.error) : undefined;
        const exit: WorkerExit = error === undefined
          ? { code: msg.code }
          : { error };
        worker.handle?.terminate();
        this.#onExit(worker, exit);
        break;
      }
    }
  }

  #onResults(
    worker: WorkerRecord,
    results: unknown[],
    busy: number | undefined,
  ): void {
    let count = 0;
    for (let i = 0; i < results.length; i += 3) {
      // A worker answers in the order it was sent tasks.
      const task = worker.inflight.peek();
      if (task === undefined || task.seq !== results[i]) continue;
      worker.inflight.shift();
      worker.done++;
      count++;
      this.#unsettled--;
      task.sink.resolve(task.ctx, results[i + 1] as number, results[i + 2]);
    }
    if (count > 0) {
      // Prefer the worker's own measure: wall time here includes transport
      // and idle time, which would shrink the window for tiny tasks.
      const t = now();
      const perTask = (busy ?? t - worker.since) / count;
      worker.since = t;
      this.#perTaskMs = this.#perTaskMs === undefined
        ? perTask
        : this.#perTaskMs * 0.5 + perTask * 0.5;
    }
    worker.stalled = false;
    if (worker.inflight.size === 0) {
      worker.handle?.unref?.();
      if (worker.done >= this.#opts.maxTasks) this.#retire(worker);
    }
    if (this.#state === "terminate") return;
    this.#dispatch();
    if (this.#queue.size === 0) this.#balance();
    this.#maybeFinish();
  }

  // ---- work stealing -----------------------------------------------------

  /**
   * When a worker is idle, the queue is empty, and another worker has been
   * silent for a while with tasks it has not started (it is stuck on a long
   * or blocked task), take those tasks back and hand them out again.
   */
  #balance(): void {
    if (this.#balanceTimer !== undefined) {
      clearTimeout(this.#balanceTimer);
      this.#balanceTimer = undefined;
    }
    if (this.#state === "terminate" || this.#queue.size > 0) return;
    const idle = this.#workers.some((w) =>
      (w.state === "starting" || w.state === "ready") && !w.stalled &&
      w.inflight.size === 0 && w.assigned < this.#opts.maxTasks
    );
    if (!idle) return;
    const t = now();
    let victim: WorkerRecord | undefined;
    let most = 0;
    let wait = Infinity;
    for (const w of this.#workers) {
      if (w.control === undefined || w.inflight.size === 0) continue;
      const unstarted = w.sent - nextOrdinal(w.control);
      if (unstarted <= 0) continue;
      const due = STEAL_AFTER_MS - (t - w.since);
      if (due > 0) wait = Math.min(wait, due);
      else if (unstarted > most) {
        most = unstarted;
        victim = w;
      }
    }
    if (victim !== undefined) {
      const stolen = this.#steal(victim);
      for (let i = stolen.length - 1; i >= 0; i--) {
        this.#queue.unshift(stolen[i]);
      }
      this.#dispatch();
    } else if (wait < Infinity) {
      this.#balanceTimer = setTimeout(() => {
        this.#balanceTimer = undefined;
        this.#balance();
      }, Math.ceil(wait));
    }
  }

  /** Revokes every task `worker` has not started; returns them in order. */
  #steal(worker: WorkerRecord): TaskRecord[] {
    const gate = worker.control!;
    for (;;) {
      const seen = Atomics.load(gate, CONTROL_GATE);
      const next = seen >= 0 ? seen : -seen - 1;
      const sent = worker.sent;
      if (next >= sent) return [];
      if (
        Atomics.compareExchange(gate, CONTROL_GATE, seen, -(sent + 1)) !== seen
      ) {
        continue; // the worker just claimed a task: look again
      }
      // Unstarted tasks are the tail of the send order.
      const stolen: TaskRecord[] = [];
      while ((worker.inflight.peekLast()?.ordinal ?? -1) >= next) {
        stolen.push(worker.inflight.pop()!);
      }
      stolen.reverse();
      worker.assigned -= stolen.length;
      if (worker.inflight.size === 0) worker.handle?.unref?.(); // idle now
      // Send it nothing more until its running task answers; a worker that
      // had not started any (still starting up) can take new work at once.
      worker.stalled = worker.inflight.size > 0;
      return stolen;
    }
  }

  #retire(worker: WorkerRecord): void {
    worker.state = "dead";
    this.#removeWorker(worker);
    worker.handle?.terminate();
    if (this.#state === "run" || this.#unsettled > 0) this.#spawn();
  }

  #onExit(worker: WorkerRecord, info: WorkerExit): void {
    if (worker.state === "dead") return;
    // Still starting, unless it already claimed a task (its exit event can
    // overtake its "ready" message).
    const wasStarting = worker.state === "starting" &&
      (worker.control === undefined || nextOrdinal(worker.control) === 0);
    worker.state = "dead";
    this.#removeWorker(worker);
    if (this.#state === "terminate") return;
    const detail = exitDetail(info);
    if (wasStarting) {
      // Its tasks never started: hand them to #break with the queue.
      const sent = worker.inflight.drain();
      for (let i = sent.length - 1; i >= 0; i--) this.#queue.unshift(sent[i]);
      const reason = new WorkerLostError(
        `Cannot start worker '${worker.name}' as it exited during start-up${detail}`,
        { cause: info.error, workerName: worker.name, exitCode: info.code },
      );
      this.#break(reason);
      return;
    }
    // Which task was running: the last one it claimed through the gate
    // (earlier ones finished); without a gate, the
    // oldest unanswered one (the worker reports each result before the next).
    const started = worker.control ? nextOrdinal(worker.control) : -1;
    let running: TaskRecord | undefined;
    const unanswered = worker.inflight.drain();
    for (const task of unanswered) {
      if (started < 0) {
        running = task;
        break;
      }
      if (
        task.ordinal < started && (!running || task.ordinal > running.ordinal)
      ) {
        running = task;
      }
    }
    const requeue: TaskRecord[] = [];
    for (const task of unanswered) {
      // Not started: it runs elsewhere. Finished but its result not posted
      // yet: not to blame either, so it runs again elsewhere, once. (A
      // worker posts its results before any task not known to be short and
      // before an exit it sees, so only a death it cannot see, such as
      // running out of memory, in a task of a shape that ran short before,
      // loses them.)
      const finished = task !== running && started >= 0 &&
        task.ordinal < started;
      if (task !== running && !(finished && this.#rerun.has(task))) {
        if (finished) this.#rerun.add(task);
        requeue.push(task);
        continue;
      }
      this.#unsettled--;
      const message = task === running
        ? `Worker '${worker.name}' died while running this task${detail}`
        : `Worker '${worker.name}' died before sending this task's result, the second worker to do so${detail}`;
      task.sink.reject(
        task.ctx,
        new WorkerLostError(message, {
          cause: info.error,
          workerName: worker.name,
          exitCode: info.code,
        }),
      );
    }
    for (let i = requeue.length - 1; i >= 0; i--) {
      this.#queue.unshift(requeue[i]);
    }
    if (this.#broken === undefined) {
      if (this.#state === "run" || this.#unsettled > 0) this.#spawn();
      this.#dispatch();
    }
    this.#maybeFinish();
  }

  // ---- dispatch ----------------------------------------------------------

  #window(): number {
    const per = this.#perTaskMs;
    if (per === undefined) return 1;
    if (per <= 0) return MAX_WINDOW;
    return Math.max(
      1,
      Math.min(MAX_WINDOW, Math.floor(WINDOW_TARGET_MS / per)),
    );
  }

  #dispatch(): void {
    if (this.#queue.size === 0 || this.#state === "terminate") return;
    const window = this.#window();
    const maxTasks = this.#opts.maxTasks;
    const eligible: [WorkerRecord, number][] = [];
    for (const w of this.#workers) {
      if (w.state !== "starting" && w.state !== "ready") continue;
      if (w.handle === undefined || w.stalled) continue;
      const room = Math.min(
        window - w.inflight.size,
        maxTasks - w.assigned,
      );
      if (room > 0) eligible.push([w, room]);
    }
    if (eligible.length === 0) return;
    eligible.sort((a, b) => a[0].inflight.size - b[0].inflight.size);
    let left = eligible.length;
    let unassigned = this.#queue.size;
    for (const entry of eligible) {
      entry[1] = Math.min(entry[1], Math.ceil(unassigned / left--));
      unassigned -= entry[1];
    }
    // Round-robin in messages of at most BATCH_ITEMS items, so that every
    // worker starts early when chunks are large.
    let more = true;
    while (more && this.#queue.size > 0) {
      more = false;
      for (const entry of eligible) {
        if (entry[1] <= 0) continue;
        entry[1] -= this.#send(entry[0], entry[1]);
        if (entry[1] > 0) more = true;
        if (this.#queue.size === 0) break;
      }
    }
  }

  /** Sends up to `n` queued tasks to `worker` in one message; returns how many. */
  #send(worker: WorkerRecord, n: number): number {
    const handle = worker.handle!;
    const batch: TaskRecord[] = [];
    const flat: unknown[] = [];
    let defs: unknown[] | undefined;
    let transfer: Transferable[] | undefined;
    let items = 0;
    let lastFid = -1;
    const queue = this.#queue;
    // Appends by index (packed arrays clone fastest; one-argument stores
    // are cheaper than a four-argument push on JavaScriptCore).
    for (let k = 0, j = 0; k < n && items < BATCH_ITEMS; k++, j += 4) {
      const task = queue.shift();
      if (task === undefined) break;
      const { fid, mode } = task;
      items += mode === MODE_MAP || mode === MODE_STARMAP
        ? (task.payload as unknown[]).length
        : 1;
      if (fid !== lastFid) {
        lastFid = fid;
        if (!worker.known.has(fid)) {
          worker.known.add(fid);
          (defs ??= []).push(fid, this.#specs[fid]);
        }
      }
      if (task.transfer) (transfer ??= []).push(...task.transfer);
      batch[k] = task;
      flat[j] = task.seq;
      flat[j + 1] = fid;
      flat[j + 2] = mode;
      flat[j + 3] = task.payload;
    }
    if (defs) handle.post({ type: "define", defs });
    try {
      handle.post({ type: "tasks", tasks: flat }, transfer);
      if (worker.inflight.size === 0) {
        handle.ref?.();
        worker.since = now();
      }
      const inflight = worker.inflight;
      for (let k = 0; k < batch.length; k++) {
        const task = batch[k];
        task.ordinal = worker.sent++;
        inflight.push(task);
      }
      worker.assigned += batch.length;
    } catch {
      // Some argument cannot be cloned: send one by one, reject the culprits.
      for (const task of batch) {
        try {
          handle.post(
            {
              type: "tasks",
              tasks: [task.seq, task.fid, task.mode, task.payload],
            },
            task.transfer,
          );
          this.#track(worker, task);
        } catch (error) {
          this.#unsettled--;
          task.sink.reject(
            task.ctx,
            new TypeError(
              `Cannot send task arguments to a worker as structured clone cannot copy them: ${
                errorText(error)
              }; pass plain data (no functions, symbols or class instances)`,
              { cause: error },
            ),
          );
        }
      }
      this.#maybeFinish();
    }
    return batch.length;
  }

  #track(worker: WorkerRecord, task: TaskRecord): void {
    if (worker.inflight.size === 0) {
      worker.handle!.ref?.();
      worker.since = now();
    }
    task.ordinal = worker.sent++;
    worker.inflight.push(task);
    worker.assigned++;
  }

  // ---- ending ------------------------------------------------------------

  #break(error: Error): void {
    if (this.#broken !== undefined || this.#state === "terminate") return;
    this.#broken = error;
    this.#rejectAll(() => error);
    this.#abortInputs(() => error);
    void this.#stopWorkers();
  }

  #rejectAll(makeError: () => unknown): void {
    const tasks = this.#queue.drain();
    for (const w of this.#workers) {
      for (const task of w.inflight.drain()) tasks.push(task);
    }
    this.#unsettled -= tasks.length;
    for (const task of tasks) task.sink.reject(task.ctx, makeError());
  }

  /** Tells every input still being read that the pool stopped. */
  #abortInputs(makeError: () => unknown): void {
    const inputs = [...this.#inputs];
    this.#inputs.clear();
    for (const input of inputs) input.abort(makeError());
  }

  #maybeFinish(): void {
    if (this.#state === "close" && this.#unsettled === 0) {
      void this.#stopWorkers();
    }
  }

  #stopWorkers(): Promise<void> {
    if (this.#balanceTimer !== undefined) {
      clearTimeout(this.#balanceTimer);
      this.#balanceTimer = undefined;
    }
    if (this.#spawnTimer !== undefined) {
      clearTimeout(this.#spawnTimer);
      this.#spawnTimer = undefined;
    }
    this.#stopping ??= (async () => {
      const workers = this.#workers.splice(0);
      const stopping: Promise<void>[] = [];
      for (const w of workers) {
        w.state = "dead";
        if (w.handle) stopping.push(w.handle.terminate().catch(() => {}));
      }
      await Promise.all(stopping);
      this.#stopped = true;
      this.#resolveJoin();
    })();
    return this.#stopping;
  }

  #resolveJoin(): void {
    if (this.#stopped && this.#state !== "run") this.#joined.resolve();
  }
}

/** The first ordinal the worker has not started, from its gate. */
function nextOrdinal(control: Int32Array): number {
  const gate = Atomics.load(control, CONTROL_GATE);
  return gate >= 0 ? gate : -gate - 1;
}

function now(): number {
  return performance.now();
}

function abortError(): DOMException {
  return new DOMException(
    "Pool terminated before this task finished: terminate() stops workers and rejects unfinished work",
    "AbortError",
  );
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function exitDetail(info: WorkerExit): string {
  const parts: string[] = [];
  if (info.code !== undefined) parts.push(`exit code ${info.code}`);
  if (info.error !== undefined) parts.push(errorText(info.error));
  return parts.length > 0 ? ` (${parts.join(": ")})` : "";
}

function initializerError(name: string, record: ErrorRecord): Error {
  const cause = fromRecord(record);
  return new Error(
    `Pool initializer failed in worker '${name}': ${record.name}: ${record.message}; no task can run, fix the initializer and create a new pool`,
    { cause },
  );
}
