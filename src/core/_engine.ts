// This module is browser compatible.
/**
 * The engine: the orchestrator of the pool's parts. It takes submissions
 * into a queue ({@linkcode TaskQueue}), has its {@linkcode Workers} start
 * worker {@linkcode Slot}s, dispatches by the balancer's plan
 * ({@linkcode planDispatch}) within the adaptive {@linkcode Window}, routes
 * results to sinks through the wire codec, takes back unstarted work from
 * stuck workers ({@linkcode pickVictim}), blames and replaces dead workers
 * ({@linkcode blame}), and runs the lifecycle (close, terminate, join, held
 * inputs).
 *
 * @module
 */

import type { TransferListItem, WorkerAdapter, WorkerExit } from "./adapter.ts";
import { type FnSpec, TASK_STARTED, type TaskSink } from "./_wire.ts";
import { type Slot, TaskRecord } from "./_slot.ts";
import { type SlotInit, Workers } from "./_workers.ts";
import { deathLoop, diedStarting, fruitless, sentence } from "./_blame.ts";
import { Registry } from "./_registry.ts";
import { dispatch, planSteal } from "./_send.ts";
import { failTasks, routeResults, type Tally } from "./_route.ts";
import { routeNotes } from "./_notes.ts";
import { countStats, type PoolStats } from "./_stats.ts";
import {
  abortGroup,
  type CallGroup,
  cancelledHead,
  replaceSlot,
} from "./_cancel.ts";
import { tasksOf } from "./_cancel_tasks.ts";
import { HeadWait } from "./_head_wait.ts";
import { TaskQueue } from "./_task_queue.ts";
import { Window } from "./_window.ts";
import { StartLimits } from "./_deadline.ts";
import { abortError, startError } from "./_messages.ts";
import { type InputHold, Inputs } from "./_inputs.ts";
import { withdrawUnstarted as unstarted } from "./_withdraw.ts";

export type { InputHold } from "./_inputs.ts";
export { CallGroup } from "./_cancel.ts";

/**
 * Settings of an {@linkcode Engine}: what every worker's init carries
 * ({@linkcode SlotInit}: initializer, its arguments, resource limits), and:
 */
export interface EngineOptions extends SlotInit {
  /** Number of workers. */
  processes: number;
  /** The adapter (or a promise of it, when loading it is async). */
  adapter: WorkerAdapter | Promise<WorkerAdapter>;
  /** Tasks per worker before it is replaced; `Infinity` for never. */
  maxTasks: number;
}

/** Dispatch without waiting for the microtask once this many are queued. */
const EAGER_DISPATCH = 256;
type Pick = (task: TaskRecord) => boolean;

/** The pool engine. `Pool` validates arguments and delegates here. */
export class Engine {
  /** The function registry (ids of task functions). */
  readonly registry: Registry = new Registry();
  #opts: EngineOptions;
  #queue = new TaskQueue();
  #workers: Workers;
  /** The live slots: the array of `#workers`, read directly. */
  #slots: Slot[];
  #window = new Window();
  #seq = 0;
  #state: "run" | "close" | "terminate" = "run";
  #broken: Error | undefined;
  #dispatchQueued = false;
  #balanceTimer: ReturnType<typeof setTimeout> | undefined;
  #joined = Promise.withResolvers<void>();
  #stopping: Promise<void> | undefined;
  #inputs = new Inputs();
  #tally: Tally = { completed: 0, failed: 0 };
  #deaths = 0; // in a row, no task settled: see fruitless()
  /** Time limits from a task's start (`apply`'s `timeout`). */
  readonly limits: StartLimits = new StartLimits(() => this.#slots);
  #startFlag = 0; // TASK_STARTED for an unordered adapter: see StartLimits
  /** Bounds the wait of a worker an abort stops once results came. */
  #headWait = new HeadWait((slot) => {
    this.#workers.replaceLater(slot); // hands out work on the next turn
    this.#failAll(replaceSlot(slot, this.#queue, this.registry));
    this.#maybeFinish();
  });

  /** @param options Engine settings. */
  constructor(options: EngineOptions) {
    this.#opts = options;
    this.#workers = new Workers(options, {
      results: (slot, results, busy) => this.#onResults(slot, results, busy),
      notes: (slot, notes) =>
        routeNotes(slot, notes, this.#seq, this.limits.started),
      exit: (slot, info) => this.#onExit(slot, info),
      break: (error) => this.#break(error),
      // A new worker may take the unstarted tasks of a stuck one.
      dispatch: () => this.#queue.size ? this.#dispatch() : this.#balance(),
      broken: () => this.#broken !== undefined,
      wanted: () => this.#state === "run" || this.#pending(),
    });
    this.#slots = this.#workers.slots;
    this.registry.onEvict = (fids) => {
      for (const slot of this.#slots) slot.unlearn(fids);
    };
    const { adapter } = options;
    if (adapter instanceof Promise) {
      adapter.then(
        (a) => this.#start(a),
        (error) => this.#break(startError("workers", error)),
      );
    } else this.#start(adapter);
  }

  /** `"run"`, `"close"` or `"terminate"`. */
  get state(): "run" | "close" | "terminate" {
    return this.#state;
  }

  /** The error that broke the pool (initializer failure, protocol slip), if any. */
  get broken(): Error | undefined {
    return this.#broken;
  }

  /** Workers started so far, replacements included. */
  get spawned(): number {
    return this.#workers.spawned;
  }

  /** The pool's state in numbers (see {@linkcode PoolStats}); O(workers). */
  stats(): PoolStats {
    return countStats(
      this.#opts.processes,
      this.#queue.waiting, // aborted tasks still queued are not work
      this.#slots,
      this.#tally,
      this.#queue.failed, // tasks of aborted calls
    );
  }

  /** Registers a function spec; returns its id (see {@linkcode Registry.fid}). */
  fid(spec: FnSpec): number {
    return this.registry.fid(spec);
  }

  /**
   * Queues one task (a broken or terminated pool rejects it through its
   * sink). `mode`: the wire's mode field (`TaskMode`, `TASK_*` flags). A
   * task of `group` stops with {@linkcode Engine.abort}; none is queued
   * once the group is cancelled.
   */
  submit(
    fid: number,
    mode: number,
    payload: unknown,
    sink: TaskSink,
    ctx: unknown,
    transfer?: TransferListItem[],
    group?: CallGroup,
  ): void {
    if (this.#state === "terminate" || this.#broken) {
      return this.#deny(sink, ctx);
    }
    if (group !== undefined && group.cancelled) {
      this.#tally.failed++; // its call was aborted: settled so
      return;
    }
    this.registry.retain(fid);
    const queue = this.#queue;
    const task = new TaskRecord(
      ++this.#seq,
      fid,
      group?.startLimitMs === undefined ? mode : mode | this.#startFlag,
      payload,
      sink,
      ctx,
      transfer,
      group,
    );
    queue.push(task);
    const n = queue.size; // a long burst: start the workers on it now
    if (n >= EAGER_DISPATCH && (n & (EAGER_DISPATCH - 1)) === 0) {
      this.#dispatch();
    } else this.#dispatchSoon();
  }

  /** Rejects a submission the pool cannot run (apart: `submit` stays short). */
  #deny(sink: TaskSink, ctx: unknown): void {
    this.#tally.failed++;
    sink.fail(ctx, this.#state === "terminate" ? abortError() : this.#broken);
  }

  /** Dispatches on the next microtask (once for a burst of calls). */
  #dispatchSoon(): void {
    if (this.#dispatchQueued) return;
    this.#dispatchQueued = true;
    queueMicrotask(() => {
      this.#dispatchQueued = false;
      this.#dispatch();
    });
  }

  /**
   * Keeps `close()` from finishing while an input is read; returns the
   * release. `input.abort(error)` is called once if the pool stops first
   * (settle at once, stop reading); `input.join` when `join()` is awaited.
   */
  hold(input: InputHold): () => void {
    return this.#inputs.hold(input, () => this.#maybeFinish());
  }

  /** Stops the work of the aborted `group` ({@linkcode abortGroup}), once. */
  abort(group: CallGroup): void {
    if (group.cancelled) return;
    group.cancelled = true;
    if (this.#state === "terminate" || this.#broken !== undefined) return;
    // A stopped worker is replaced on the next turn, not at once (a task
    // whose buffers went with it rejects: it cannot run elsewhere).
    const replace = (slot: Slot) => this.#workers.replaceLater(slot);
    const later = (slot: Slot) => this.#headWait.add(slot);
    const queue = this.#queue;
    this.#failAll(abortGroup(group, queue, this.registry, replace, later));
    if (queue.size > 0) this.#dispatchSoon();
    this.#maybeFinish();
  }

  /** Up to `want` unanswered tasks of `group` that `pick` takes: {@linkcode tasksOf}. */
  tasksOf(group: CallGroup, want: number, pick: Pick): TaskRecord[] {
    return tasksOf(group, this.#queue, this.#slots, want, pick);
  }

  /** Takes back unstarted tasks that `pick` takes: {@linkcode unstarted}. */
  withdraw(pick: Pick): TaskRecord[] {
    const taken = unstarted(this.#queue, this.#slots, this.registry, pick);
    this.#dispatchSoon(); // a worker's other unstarted tasks were queued again
    this.#maybeFinish();
    return taken;
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
      this.#rejectAll(abortError);
      await this.#stopWorkers();
      this.#resolveJoin();
    }
    return this.#joined.promise;
  }

  /** Resolves when every worker has exited after `close()`/`terminate()`. */
  join(): Promise<void> {
    this.#inputs.join();
    return this.#joined.promise;
  }

  // ---- workers ----------------------------------------------------------

  #start(adapter: WorkerAdapter): void {
    this.#window.least(adapter.prefetch);
    if (adapter.unordered === true) this.#startFlag = TASK_STARTED;
    if (this.#state === "terminate") return;
    this.#workers.start(adapter, this.#opts.processes);
  }

  #onResults(slot: Slot, results: unknown[], busy: number | undefined): void {
    const n = routeResults(slot, results, this.registry, this.#tally, busy);
    if (!slot.live) return;
    const t = performance.now();
    if (n > 0) {
      this.#deaths = 0;
      // Prefer the worker's own measure: wall time here includes transport.
      this.#window.observe(busy ?? t - slot.since, n);
      slot.since = t;
    }
    this.limits.observe(slot, t); // its next task may have started
    if (!slot.live) return; // it ran past its limit: stopped
    slot.stalled = false;
    if (slot.inflight.size === 0 && slot.done >= this.#opts.maxTasks) {
      this.#workers.retire(slot);
    } else if (cancelledHead(slot)) {
      // It now runs a task of an aborted call.
      this.#workers.remove(slot);
      this.#failAll(replaceSlot(slot, this.#queue, this.registry));
      this.#workers.replace();
    }
    if (this.#state === "terminate") return;
    this.#dispatch();
    if (this.#queue.size === 0) this.#balance();
    this.#maybeFinish();
  }

  #onExit(slot: Slot, info: WorkerExit): void {
    if (!slot.live) return;
    const started = slot.started();
    const starting = diedStarting(slot.state === "ready", started);
    this.#workers.remove(slot);
    if (this.#state === "terminate") return;
    const tasks = slot.inflight.drain(); // none started if it died starting
    const verdict = sentence(tasks, starting ? 0 : started, slot, info);
    this.#failAll(verdict.stranded); // not blamed (buffers gone, or unread)
    this.#queue.prependAll(verdict.requeue); // a #break rejects them with it
    if (starting) {
      this.#workers.notStarted(slot.id, info, false);
      return this.#dispatch();
    }
    this.#deaths = verdict.settles ? 0 : this.#deaths + 1;
    if (fruitless(this.#deaths, this.#opts.processes)) {
      return this.#break(deathLoop(slot.name, info, this.#deaths));
    }
    this.#failAll(verdict.lost);
    if (this.#broken === undefined) {
      this.#workers.replace();
      this.#dispatch();
    }
    this.#maybeFinish();
  }

  #dispatch(): void {
    if (this.#queue.size === 0 || this.#state === "terminate") return;
    const refused = dispatch(
      this.#queue,
      this.#slots,
      this.#window,
      this.#opts.maxTasks,
      this.registry,
    );
    if (refused !== undefined) this.#failAll(refused);
    // It may have dropped the last tasks of aborted calls.
    this.#maybeFinish();
  }

  /** Takes back unstarted tasks of a stuck worker for an idle one (gate). */
  #balance(): void {
    clearTimeout(this.#balanceTimer);
    if (this.#state === "terminate" || this.#queue.size > 0) return;
    const plan = planSteal(this.#slots, this.#opts.maxTasks);
    if (plan.victim !== undefined) {
      this.#queue.prependAll(plan.victim.revokeUnstarted());
      this.#dispatch();
    } else if (plan.waitMs < Infinity) {
      const ms = Math.ceil(plan.waitMs);
      this.#balanceTimer = setTimeout(() => this.#balance(), ms);
    }
  }

  /** Settles each task of flat `[task, error, ...]`: {@linkcode failTasks}. */
  #failAll(failed: readonly unknown[]): void {
    failTasks(failed, this.#tally, this.registry);
  }

  #break(error: Error): void {
    if (this.#broken !== undefined || this.#state === "terminate") return;
    this.#broken = error;
    this.#rejectAll(() => error);
    void this.#stopWorkers();
  }

  #rejectAll(makeError: () => unknown): void {
    const failed: unknown[] = [];
    const each = (task: TaskRecord) => failed.push(task, makeError());
    this.#queue.drain().forEach(each);
    for (const slot of this.#slots) slot.inflight.drain().forEach(each);
    this.#failAll(failed);
    this.#inputs.abortAll(makeError);
  }

  #maybeFinish(): void {
    if (this.#state === "close" && !this.#pending()) void this.#stopWorkers();
  }

  /** Work queued (not of aborted calls), in flight, or from an open input. */
  #pending(): boolean {
    return this.#queue.waiting > 0 || this.#inputs.size > 0 ||
      this.#slots.some((s) => s.inflight.size > 0);
  }

  #stopWorkers(): Promise<void> {
    this.limits.stop();
    this.#headWait.clear();
    clearTimeout(this.#balanceTimer);
    this.#stopping ??= this.#workers.stop().then(() => this.#resolveJoin());
    return this.#stopping;
  }

  #resolveJoin(): void {
    if (this.#workers.stopped && this.#state !== "run") this.#joined.resolve();
  }
}
