// This module is browser compatible.
/**
 * The worker loop: receives `init`, runs the initializer, keeps the task
 * functions the pool defines (and forgets), runs tasks one at a time in
 * order, and posts their results in batches. Every piece of state lives in
 * one {@linkcode WorkerLoop}, so several loops can share a thread (the
 * in-thread test adapter runs them so).
 *
 * @module
 */

import { enterProcess } from "../current_process.ts";
import { currentReporter, enterReporter } from "../progress.ts";
import type { ProcessInfo } from "../types.ts";
import {
  decodeMain,
  type ErrorRecord,
  type FatalMessage,
  fatalMessage,
  gateClaim,
  gateKeep,
  type InitMessage,
  type MainMessage,
  MODE_CALL,
  MODE_CALL1,
  MODE_MAP,
  putResult,
  RESULT_STRIDE,
  STATUS_ERROR,
  STATUS_OK,
  STATUS_PARTIAL,
  takeTask,
  TASK_PROGRESS,
  TASK_STARTED,
  TASK_TRANSFER,
  taskCount,
  type TaskView,
} from "../core/_wire.ts";
import { isThenable } from "../core/_thenable.ts";
import { compile, describe } from "./_compile.ts";
import { FunctionTable } from "./_functions.ts";
import { runItems } from "./_run.ts";
import { ShapeTable } from "./_shape.ts";
import { NoteBuffer } from "./_notes.ts";
import { postEach } from "./_post_each.ts";
import { lostOrdinal, unreadableHere } from "./_unread.ts";
import type { WorkerChannel } from "./serve.ts";

/** Flush buffered results at least this often while tasks run (ms). */
const FLUSH_MS = 1;

/** One worker loop over one channel; `serveWorker` starts one. */
export class WorkerLoop {
  /** Tasks started (claimed) so far: for tests. */
  ran = 0;
  /** Who this worker is (set by `init`); `currentProcess()` while it runs. */
  process: ProcessInfo | undefined;
  private readonly channel: WorkerChannel;
  private readonly table = new FunctionTable();
  /** Task batches (flat, see `takeTask`) waiting to run. */
  private readonly inbox: unknown[][] = [];
  /** Index of the next task in `inbox[0]`. */
  private inboxPos = 0;
  private ready = false;
  private running = false;
  private stopped = false;
  /** Results are being posted: a fatal report waits for them. */
  private posting = false;
  private pendingFatal: FatalMessage | undefined;
  /** The work-stealing gate (see `InitMessage.control`), if any. */
  private control: Int32Array | undefined;
  /** Ordinal of the next task received (tasks are numbered in arrival order). */
  private ordinal = 0;
  private lastSeq = -1; // the last task whose result was posted
  /** The first ordinal of a message of the pool it could not read (`unreadable`). */
  private lostAt: number | undefined = undefined;
  private lost: Error | undefined = undefined;
  /** Results waiting to be posted (flat, see `putResult`). */
  private out: unknown[] = [];
  private readonly shapes = new ShapeTable();
  /** Notes about running tasks (started, progress), posted before results. */
  private readonly notes: NoteBuffer;
  private lastFlush = 0;
  /** Start of the running stretch whose time the next flush reports. */
  private busySince = 0;
  /** The one task view the loop reads every task into. */
  private readonly view: TaskView = {
    seq: 0,
    fid: 0,
    mode: 0,
    flags: 0,
    payload: undefined,
  };
  /** Task functions known now (defined, not forgotten): for tests. */
  get functions(): number {
    return this.table.size;
  }

  /** Starts serving: listens on `channel` at once. */
  constructor(channel: WorkerChannel) {
    this.channel = channel;
    this.notes = new NoteBuffer((notes) => {
      if (!this.stopped) channel.post({ type: "notes", notes });
    });
    channel.onFatal?.((error, code) => this.fatal(error, code));
    channel.onUnreadable?.((error) => this.unreadable(error));
    channel.listen((data) => this.receive(data));
  }

  /**
   * Stops the loop for good: no further task starts, nothing more is
   * posted, messages are ignored. A task running now runs on to its end
   * (or its next `await`), and its result is dropped. Leaves no timer.
   */
  stop(): void {
    this.stopped = true;
    this.ready = false;
    this.notes.stop();
    if (currentReporter() === this.notes) enterReporter(undefined);
    this.inbox.length = 0;
    this.out = [];
    this.table.clear();
    this.view.payload = undefined;
  }

  private receive(data: unknown): void {
    if (this.stopped) return;
    let msg: MainMessage;
    try {
      msg = decodeMain(data);
    } catch (error) {
      // A protocol slip (flagged so, never told by an error's name): loudly.
      return this.fatal(error, undefined, true);
    }
    switch (msg.type) {
      case "tasks":
        this.inbox.push(msg.tasks);
        if (this.ready && !this.running) void this.drain();
        break;
      case "define":
      case "forget":
        this.table.take(msg);
        break;
      case "sync": // the pool could not read a message of ours
        this.flush();
        this.channel.post({ type: "synced", seq: this.lastSeq });
        break;
      case "init":
        void this.init(msg);
        break;
    }
  }

  /**
   * A message of the pool could not be read: later ordinals would be wrong,
   * so no task starts after the one running; then `fatal` (after `ready`,
   * or at once if `init` was lost) names the lost one's first ordinal.
   */
  private unreadable(error: unknown): void {
    if (this.stopped || this.lost !== undefined) return;
    this.lostAt = lostOrdinal(this.inbox, this.inboxPos, this.ordinal);
    this.lost = unreadableHere(error);
    if (!this.running && (this.ready || !this.process)) this.fatal(this.lost);
  }

  /**
   * The worker is about to die: post what is done, then why (`protocol`:
   * it refused a message of the pool); and which message it could not read.
   */
  private fatal(error: unknown, code?: number, protocol = false): void {
    if (this.stopped) return;
    this.flush();
    const { ordinal, lostAt } = this;
    const message = fatalMessage(error, code, ordinal, protocol, lostAt);
    // Nothing more runs here: the pool counts this worker dead on receipt.
    this.stopped = true;
    if (this.posting) this.pendingFatal = message;
    else this.postFatal(message);
  }

  private postFatal(message: FatalMessage): void {
    try {
      this.channel.post(message);
    } catch {
      // the channel is gone; the adapter's exit event will tell the pool
    }
  }

  /**
   * After an `await`: `false` when the loop was stopped meanwhile, else
   * `true`, with `currentProcess()` this worker again (another loop in this
   * thread may have run).
   */
  private resumed(): boolean {
    if (this.stopped) return false;
    this.enter();
    return true;
  }

  /**
   * Makes this loop's worker the one `currentProcess()` names and
   * `reportProgress()` reaches (several loops may share a thread: the
   * in-thread test adapter calls it when a task resumes from its sleep).
   */
  enter(): void {
    enterProcess(this.process!);
    enterReporter(this.notes);
  }

  private async init(msg: InitMessage): Promise<void> {
    this.process = Object.freeze({ name: msg.name, id: msg.id });
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
          error: describe(error, msg.initializer),
        });
        return;
      }
      if (!this.resumed()) return;
    }
    this.ready = true;
    this.channel.post({ type: "ready" });
    this.lastFlush = performance.now();
    if (this.inbox.length > 0 || this.lost) void this.drain(); // or its fatal
  }

  private async drain(): Promise<void> {
    this.running = true;
    this.busySince = performance.now();
    this.enter();
    const notes = this.notes;
    const inbox = this.inbox;
    const view = this.view;
    const shapes = this.shapes;
    const control = this.control;
    try {
      while (inbox.length > 0) {
        const batch = inbox[0];
        const count = taskCount(batch);
        // `stop()` (even in a task) empties the inbox: none starts after it.
        for (; this.inboxPos < count && !this.stopped;) {
          if (this.lost !== undefined) return this.fatal(this.lost);
          takeTask(batch, this.inboxPos++, view);
          const { seq, fid, mode, flags, payload } = view;

          // Without the gate, what is done goes out before the next task is
          // counted started: a death noticed while posting (Bun reports an
          // unhandled rejection there) must not blame the next task.
          if (control === undefined && this.out.length > 0) {
            this.flush();
            if (this.stopped) return;
          }
          const ordinal = this.ordinal++;
          if (control !== undefined && !gateClaim(control, ordinal)) {
            // Taken back: another worker runs it; but the pool never takes
            // back a task whose buffers came here (it kept it): run it.
            if ((flags & TASK_TRANSFER) === 0) continue;
            gateKeep(control, ordinal);
          }
          this.ran++;
          // Notes only for a caller that listens: else a no-op.
          notes.seq = flags & TASK_PROGRESS ? seq : -1;
          if (flags & TASK_STARTED) notes.started(seq);
          // Results wait to be batched only while the next task is known to
          // be short: any other task may run long (or kill the worker), and
          // no finished result may wait behind it. Without the shared gate,
          // report before every task (the pool's death blame relies on it).
          const shape = shapes.shapeOf(fid, mode, payload);
          const start = performance.now(); // also the end of the previous task
          const short = shapes.begin(shape, start);
          if (
            this.out.length > 0 &&
            (control === undefined || start - this.lastFlush >= FLUSH_MS ||
              !(short || shapes.isShort(shape, fid, mode, payload)))
          ) {
            this.flush();
            shapes.retime(performance.now());
          }

          let fn = this.table.lookup(fid);
          if (fn instanceof Promise) {
            this.flush();
            try {
              fn = await fn;
            } catch (error) {
              fn = { failed: error };
            }
            if (!this.resumed()) return;
          }
          if (typeof fn !== "function") {
            putResult(
              this.out,
              seq,
              STATUS_ERROR,
              describe(fn.failed, undefined),
            );
            continue;
          }
          if (mode === MODE_CALL || mode === MODE_CALL1) {
            try {
              let value = mode === MODE_CALL1
                ? fn(payload)
                : fn(...(payload as unknown[]));
              if (isThenable(value)) {
                this.flush();
                value = await value;
                if (!this.resumed()) return;
              }
              putResult(this.out, seq, STATUS_OK, value);
            } catch (error) {
              if (!this.resumed()) return;
              putResult(
                this.out,
                seq,
                STATUS_ERROR,
                describe(error, this.table.spec(fid)),
              );
            }
            continue;
          }
          const spec = this.table.spec(fid);
          const items = payload as unknown[];
          // Filled by push: a packed array clones several times faster than
          // a holey one (`new Array(n)`) on V8.
          const values: unknown[] = [];
          const errors: [number, ErrorRecord][] = [];
          const star = mode !== MODE_MAP;
          // The loop runs in a plain function (engines optimise it better
          // than a loop inside this async function); it stops at a promise.
          for (
            let i = runItems(fn, items, star, values, errors, spec, 0);
            i >= 0;
          ) {
            this.flush();
            try {
              values[i] = await values[i];
            } catch (error) {
              values[i] = undefined;
              errors.push([i, describe(error, spec)]);
            }
            if (!this.resumed()) return;
            i = runItems(fn, items, star, values, errors, spec, i + 1);
          }
          if (errors.length > 0) {
            putResult(this.out, seq, STATUS_PARTIAL, { values, errors });
          } else putResult(this.out, seq, STATUS_OK, values);
        }
        inbox.shift();
        this.inboxPos = 0;
      }
      shapes.ended(performance.now());
      view.payload = undefined;
      notes.seq = -1;
      this.flush();
    } finally {
      this.running = false;
      notes.seq = -1;
      if (this.lost !== undefined) this.fatal(this.lost); // its last task ran
    }
  }

  /** Posts buffered results; results that cannot be cloned become errors. */
  private flush(): void {
    const now = performance.now();
    this.lastFlush = now;
    this.notes.flush(); // every note of a task before its result
    if (this.out.length === 0 || this.stopped) return;
    const results = this.out;
    this.lastSeq = results[results.length - RESULT_STRIDE] as number;
    this.out = [];
    const busy = now - this.busySince;
    this.busySince = now;
    const channel = this.channel;
    try {
      this.posting = true;
      channel.post({ type: "results", results, busy });
      return;
    } catch {
      // some result cannot be cloned: send one by one
    } finally {
      this.posting = false;
      // A death reported while the results were being posted (Bun runs
      // its rejection tracking there) goes out after them, not before.
      const fatal = this.pendingFatal;
      if (fatal !== undefined) {
        this.pendingFatal = undefined;
        this.postFatal(fatal);
      }
    }
    postEach(channel, results, () => this.stopped);
  }
}
