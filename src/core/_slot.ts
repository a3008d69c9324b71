// This module is browser compatible.
/**
 * One worker as the engine sees it (a slot): its handle and state, the
 * tasks sent and not yet answered (a FIFO, since a worker answers in the
 * order it was sent tasks), each task's ordinal in that stream, the
 * functions it knows, its work-stealing gate, and whether it keeps the
 * process alive (ref'd while it has work).
 *
 * @module
 */

import type { Unread } from "./_unread_results.ts";
import type { TransferListItem, WorkerHandle } from "./adapter.ts";
import { Deque } from "./_deque.ts";
import type { CallGroup } from "./_cancel.ts";
import {
  CONTROL_GATE,
  gateNext,
  gateRevoke,
  gateStarted,
  TASK_TRANSFER,
  type TaskSink,
} from "./_wire.ts";

/**
 * What few tasks need (a re-run after a worker died, a failed `progress`
 * callback): kept out of {@linkcode TaskRecord} so that the common record
 * stays small (100,000 queued tiny tasks are 100,000 records).
 */
interface TaskRare {
  rerun: boolean;
  progressFailed: boolean;
  progressError: unknown;
  counted: boolean;
}

/**
 * One submitted task; a class so every record has the same shape. Its
 * fields are assigned in the constructor only (`declare`d: no class-field
 * definitions, which cost more per record than assignments on every
 * engine), and the rare ones live in one lazily made object.
 */
export class TaskRecord {
  /** The pool's sequence number (results name it). */
  declare seq: number;
  /** Function id (see `Registry`). */
  declare fid: number;
  /** The mode field: `TaskMode` (read with `taskMode()`) and `TASK_*` flags. */
  declare mode: number;
  /** Arguments, item chunk, or the single argument. */
  declare payload: unknown;
  /** Where the outcome goes. */
  declare sink: TaskSink;
  /** What the sink gets back with the outcome. */
  declare ctx: unknown;
  /** Objects to move rather than copy. */
  declare transfer: TransferListItem[] | undefined;
  /** Position in the stream of tasks sent to its worker; -1 until sent. */
  declare ordinal: number;
  /** The call it belongs to, when that call can be stopped (`signal`, `timeout`). */
  declare group: CallGroup | undefined;
  /** See {@linkcode TaskRare}; `undefined` for most tasks. */
  declare rare: TaskRare | undefined;

  /**
   * @param seq Sequence number.
   * @param fid Function id.
   * @param mode Mode field (mode and flags).
   * @param payload Payload.
   * @param sink Outcome sink.
   * @param ctx Sink context.
   * @param transfer Transfer list.
   * @param group Its call's group, if the call can be stopped.
   */
  constructor(
    seq: number,
    fid: number,
    mode: number,
    payload: unknown,
    sink: TaskSink,
    ctx: unknown,
    transfer: TransferListItem[] | undefined,
    group?: CallGroup,
  ) {
    this.seq = seq;
    this.fid = fid;
    this.mode = mode;
    this.payload = payload;
    this.sink = sink;
    this.ctx = ctx;
    this.transfer = transfer;
    this.ordinal = -1;
    this.group = group;
    this.rare = undefined;
  }

  /** Run again once already: a worker died before posting its result. */
  get rerun(): boolean {
    return this.rare !== undefined && this.rare.rerun;
  }
  set rerun(value: boolean) {
    rareOf(this).rerun = value;
  }

  /**
   * Set when the sink's `progress` threw: the task fails with
   * {@linkcode TaskRecord.progressError} instead of its outcome.
   */
  get progressFailed(): boolean {
    return this.rare !== undefined && this.rare.progressFailed;
  }
  set progressFailed(value: boolean) {
    rareOf(this).progressFailed = value;
  }

  /**
   * Of an aborted call, started in its worker (finished, its result on the
   * way, or running), and counted as failed when the call was aborted
   * (`Slot.cancelledRun`).
   */
  get counted(): boolean {
    return this.rare !== undefined && this.rare.counted;
  }
  set counted(value: boolean) {
    rareOf(this).counted = value;
  }

  /** What the sink's `progress` threw (see `progressFailed`). */
  get progressError(): unknown {
    return this.rare?.progressError;
  }
  set progressError(value: unknown) {
    rareOf(this).progressError = value;
  }
}

/** The rare part of `task`, made on first use (no private method: a brand per record). */
function rareOf(task: TaskRecord): TaskRare {
  return task.rare ??= {
    rerun: false,
    progressFailed: false,
    progressError: undefined,
    counted: false,
  };
}

/** Life of a slot: starting until its worker says "ready"; dead at the end. */
export type SlotState = "starting" | "ready" | "dead";

/** A worker slot. */
export class Slot {
  /** Worker number. */
  readonly id: number;
  /** Worker name, like `"PoolWorker-3"`. */
  readonly name: string;
  /** The work-stealing gate; only when the adapter shares memory. */
  readonly gate: Int32Array | undefined;
  /** Set once the adapter returned it. */
  handle: WorkerHandle | undefined;
  /** See {@linkcode SlotState}. */
  state: SlotState = "starting";
  /** Sent and unanswered, in send order. */
  readonly inflight: Deque<TaskRecord> = new Deque();
  /**
   * Its worker may answer out of send order (`WorkerAdapter.unordered`):
   * a result is matched to its task wherever that is in `inflight`.
   */
  unordered = false;
  /** Function ids defined in this worker. */
  readonly known: Set<number> = new Set();
  /** Function ids to tell the worker to forget before the next message. */
  forget: number[] | undefined;
  /** Tasks given to it (counts toward `maxtasksperchild`). */
  assigned = 0;
  /** Tasks it answered. */
  done = 0;
  /** Tasks sent so far: the next ordinal. */
  sent = 0;
  /** When it last started work or answered (ms, `performance.now()`). */
  since = 0;
  /** Its unstarted tasks were taken back while it runs one: send nothing until it answers. */
  stalled = false;
  /**
   * A revocation left it tasks flagged `TASK_TRANSFER` (never taken back:
   * their buffers are in the worker) that it may not have started yet; see
   * {@linkcode Slot.holdsKept}.
   */
  keeps = false;
  /**
   * With a gate: it runs a task of an aborted call behind unanswered ones
   * that finished (their results on the way): it is stopped once that task
   * is its oldest unanswered one (`cancelledHead`), not before.
   */
  stopAtHead = false;
  /**
   * Without a gate: its unanswered tasks of aborted calls behind the one
   * it runs (they wait in the worker until their turn; `pool.stats()`
   * leaves them out of `queued`).
   */
  cancelledAhead = 0;
  /**
   * With a gate: its unanswered tasks of aborted calls that it started
   * (finished, their results on the way, or the one it runs), counted as
   * failed at the abort (`TaskRecord.counted`) by `pool.stats()`.
   */
  cancelledRun = 0;
  /** The task it was last seen running (see `StartLimits`). */
  runTask: TaskRecord | undefined = undefined;
  /** When `runTask` was first seen running (ms, `performance.now()`). */
  runSince = 0;

  /**
   * @param id Worker number.
   * @param name Worker name.
   * @param gate Its gate, when memory is shared.
   */
  constructor(id: number, name: string, gate: Int32Array | undefined) {
    this.id = id;
    this.name = name;
    this.gate = gate;
  }

  /**
   * The registry evicted `fids`: the ones this worker knows are to be
   * forgotten (a `forget` message before its next define or tasks).
   */
  unlearn(fids: readonly number[]): void {
    for (const fid of fids) {
      if (this.known.delete(fid)) (this.forget ??= []).push(fid);
    }
  }

  /** Starting or ready. */
  get live(): boolean {
    return this.state !== "dead";
  }

  /**
   * Records `task` as sent to this worker (every send path calls this once
   * per task, after the post succeeded): gives it its ordinal, and ref's the
   * worker when it goes from idle to busy.
   */
  track(task: TaskRecord): void {
    if (this.inflight.size === 0) {
      this.handle?.ref?.();
      this.since = performance.now();
    }
    task.ordinal = this.sent++;
    this.inflight.push(task);
    if (task.group !== undefined) task.group.sent(task, this);
    this.assigned++;
  }

  /**
   * {@linkcode Slot.track} for every task of `batch`, sent in one message:
   * one loop, one `ref`.
   */
  trackAll(batch: readonly TaskRecord[]): void {
    const n = batch.length;
    if (n === 0) return;
    const inflight = this.inflight;
    if (inflight.size === 0) {
      this.handle?.ref?.();
      this.since = performance.now();
    }
    let ordinal = this.sent;
    // A group needs its last task here only: told once per run of its tasks.
    let group: CallGroup | undefined;
    for (let k = 0; k < n; k++) {
      const task = batch[k];
      task.ordinal = ordinal++;
      inflight.push(task);
      if (task.group !== group) {
        if (group !== undefined) group.sent(batch[k - 1], this);
        group = task.group;
      }
    }
    if (group !== undefined) group.sent(batch[n - 1], this);
    this.sent = ordinal;
    this.assigned += n;
  }

  /**
   * The oldest unanswered task, removed: the worker answered it. Unref's
   * the worker when that leaves it idle.
   */
  answered(): TaskRecord {
    const task = this.inflight.shift()!;
    this.done++;
    if (this.inflight.size === 0) this.handle?.unref?.();
    return task;
  }

  /**
   * Tasks started, as the worker said in its last words (a `fatal`
   * message), for a worker without a gate.
   */
  reported: number | undefined;

  /** The first ordinal of a message the worker could not read, if it said so. */
  lostAt: number | undefined;
  /** A message from it this thread could not read, being settled. */
  unread: Unread | undefined;

  /**
   * The first ordinal the worker has not started: from its gate
   * (`gateStarted`), else from its `fatal` message; -1 when it cannot tell
   * (then the oldest unanswered task is the one running, as the worker posts
   * every result before its next task). Every unanswered task below it
   * started; none at or above it did.
   */
  started(): number {
    return this.gate !== undefined
      ? gateStarted(this.gate)
      : this.reported ?? -1;
  }

  /**
   * Terminates the worker. Never throws or rejects, whatever the handle
   * does (a custom handle may throw, reject or return nothing).
   */
  stop(): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) return Promise.resolve();
    try {
      return Promise.resolve(handle.terminate()).then(ignore, ignore);
    } catch {
      return Promise.resolve();
    }
  }

  /**
   * Tasks sent and not started that its gate can take back (0 without a
   * gate: it cannot tell); tasks kept by an earlier revocation are not
   * counted ({@linkcode Slot.keptWaiting}).
   */
  unstarted(): number {
    return this.gate === undefined || this.inflight.size === 0
      ? 0
      : this.sent - gateNext(this.gate);
  }

  /**
   * Whether it may still hold tasks a revocation kept (see
   * {@linkcode Slot.keeps}): `false` once its gate shows it went past them.
   */
  holdsKept(): boolean {
    if (!this.keeps) return false;
    if (Atomics.load(this.gate!, CONTROL_GATE) >= 0) this.keeps = false;
    return this.keeps;
  }

  /** Its tasks kept by a revocation and not started yet (rare: O(those)). */
  keptWaiting(): number {
    if (!this.holdsKept()) return 0;
    const started = gateStarted(this.gate!);
    const floor = gateNext(this.gate!);
    const inflight = this.inflight;
    let n = 0;
    for (let i = inflight.size - 1; i >= 0; i--) {
      const ordinal = inflight.at(i)!.ordinal;
      if (ordinal < started) break;
      if (ordinal < floor) n++;
    }
    return n;
  }

  /**
   * Revokes every task the worker has not started (through its gate) and
   * returns them in send order; nothing without a gate. A task flagged
   * `TASK_TRANSFER` is never taken back: its buffers went to the worker,
   * which runs it when its turn comes; it stays in `inflight`.
   */
  revokeUnstarted(): TaskRecord[] {
    if (this.gate === undefined) return [];
    const first = gateRevoke(this.gate, this.sent);
    if (first >= this.sent) return [];
    const stolen: TaskRecord[] = []; // unstarted: the tail of the send order
    let kept: TaskRecord[] | undefined;
    const inflight = this.inflight;
    while ((inflight.peekLast()?.ordinal ?? -1) >= first) {
      const task = inflight.pop()!;
      if (task.mode & TASK_TRANSFER) (kept ??= []).push(task);
      else stolen.push(task);
    }
    if (kept !== undefined) {
      for (let i = kept.length - 1; i >= 0; i--) inflight.push(kept[i]);
      this.keeps = true;
    }
    stolen.reverse();
    this.assigned -= stolen.length;
    if (this.inflight.size === 0) this.handle?.unref?.(); // idle now
    // Send it nothing more until its running task answers; a worker that
    // had not started any (still starting up) can take new work at once.
    this.stalled = this.inflight.size > 0;
    return stolen;
  }
}

function ignore(): void {}
