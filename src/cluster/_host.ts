/**
 * A worker host (see `serveWorkers`). It pulls tasks from the shared durable
 * consumer only while it has room (about one per thread, or some ms of
 * work per thread when tasks are short; see `_pace.ts`), runs each in the
 * local pool of its caller pool (`_local.ts`), sends the result to the
 * caller and acks the task once the caller confirmed it (else naks it, to
 * be delivered again; the caller drops duplicates). Long tasks keep their
 * lease with in-progress acks; a caller's cancel notice stops its tasks. A
 * task it holds that no local thread could start for a while is given back
 * for another host (`_give_back.ts`).
 *
 * @module
 */

import { nuid, type Subscription } from "@nats-io/nats-core";
import { jetstream, type JsMsg } from "@nats-io/jetstream";
import type { WorkerAdapter } from "../core/adapter.ts";
import { type ErrorRecord, STATUS_ERROR } from "../core/_wire.ts";
import {
  answerBytes,
  NOTICE_CANCEL,
  NOTICE_GONE,
  packInitError,
  packNote,
  packResult,
  readInit,
  readNotice,
  readTask,
  type TaskBody,
} from "./_protocol.ts";
import { type Answers, LocalPool } from "./_local.ts";
import { bounded, type Queue } from "./_queue.ts";
import { Puller } from "./_puller.ts";
import { Pace } from "./_pace.ts";
import { GiveBack } from "./_give_back.ts";
import { ANSWERED, type Job, newJob, OVER, RUNNING } from "./_job.ts";
import type { WorkerHost } from "./_serve.ts";
import { errorText, type settings, subjects, taskOwner } from "./_settings.ts";

/** The caller confirms a result within this, or the task is nak'ed (ms). */
const CONFIRM_MS = 10_000;
/** Delay of the redelivery of an unconfirmed task (ms). */
const NAK_DELAY_MS = 500;
/** A local pool without tasks this long is closed (ms). */
const IDLE_MS = 60_000;
/** Cancel and gone notices are remembered this long (ms). */
const REMEMBER_MS = 10 * 60_000;

/** A running host: see the module doc. */
export class Host implements WorkerHost, Answers {
  readonly name: string;
  readonly processes: number;
  readonly closed: Promise<void>;
  adapter!: WorkerAdapter;
  readonly #s: ReturnType<typeof settings>;
  readonly #q: Queue;
  readonly #processes: number;
  readonly #allowSource: boolean;
  readonly #confirmPrefix: string;
  #done = Promise.withResolvers<void>();
  #pools = new Map<string, LocalPool>();
  #jobs = new Map<number, Job>();
  #byOwner = new Map<string, Set<Job>>();
  #cancelled = new Map<string, number>();
  #running = 0;
  readonly #pace: Pace;
  readonly #giving: GiveBack;
  #nextJob = 0;
  #puller: Puller | undefined;
  /** Called when the last job ends while closing. */
  #drained: (() => void) | undefined;
  #closing: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #subs: Subscription[] = [];

  constructor(
    s: ReturnType<typeof settings>,
    q: Queue,
    name: string,
    processes: number,
    allowSource: boolean,
  ) {
    this.#s = s;
    this.#q = q;
    this.name = name;
    this.#processes = this.processes = processes;
    this.#allowSource = allowSource;
    this.#confirmPrefix = `${subjects.confirm(s, `${name}-${nuid.next()}`)}.`;
    this.#pace = new Pace(processes, () => this.#puller?.wake());
    this.#giving = new GiveBack(
      processes,
      q.maxDeliver,
      () => this.#giveBack(),
    );
    this.closed = this.#done.promise;
    this.closed.catch(() => {});
  }

  async start(): Promise<void> {
    const { nc } = this.#q;
    const consumer = await jetstream(nc).consumers.get(
      this.#s.stream,
      this.#s.consumer,
    );
    this.#subs.push(
      nc.subscribe(`${this.#confirmPrefix}*`, {
        // A status message (503 "no responders": the caller's connection
        // is down) comes to the same subject: it is no confirmation.
        callback: (_e, msg) =>
          this.#confirmed(msg.subject, msg.headers?.hasError === true),
      }),
      nc.subscribe(subjects.cancel(this.#s, "*"), {
        callback: (_e, msg) => this.#notice(msg.subject, msg.data),
      }),
    );
    const every = Math.max(50, Math.min(1000, this.#q.ackWaitMs / 3));
    this.#timer = setInterval(() => this.#tick(), every);
    nc.closed().then((error) => {
      if (this.#closing) return;
      this.#closing = this.#stop();
      this.#closing.then(() =>
        this.#done.reject(
          new Error(
            `lost the connection to ${this.#s.servers.join(",")}${
              error ? `: ${errorText(error)}` : ""
            }`,
          ),
        )
      );
    });
    this.#puller = new Puller(
      nc,
      consumer,
      () => this.#giving.cap(this.#pace.free(this.#running), this.#running),
      () => this.#pace.room() >> 1,
      (msg) => this.#take(msg),
    );
  }

  #take(msg: JsMsg): void {
    if (this.#closing) return msg.nak();
    let task: TaskBody;
    try {
      task = readTask(msg.data);
    } catch (error) {
      return msg.term(errorText(error));
    }
    const [poolId, slot] = taskOwner(msg.subject);
    const owner = `${poolId}.${slot}`;
    const gone = this.#cancelled, one = `${owner}#${task.seq}`;
    if (gone.has(owner) || gone.has(poolId) || gone.has(one)) {
      return msg.term("cancelled");
    }
    let pool: LocalPool | undefined;
    let refusal: string | undefined;
    try {
      const init = readInit(task.init);
      if (!this.#allowSource) {
        if (init.initializer?.kind === "source") refusal = "initializers";
        else if (task.spec.kind === "source") refusal = "functions";
      }
      if (refusal === undefined) pool = this.#pool(poolId, task.initKey, init);
    } catch (error) {
      return msg.term(errorText(error));
    }
    const job = newJob(++this.#nextJob, msg, task, owner, pool);
    this.#jobs.set(job.no, job);
    let set = this.#byOwner.get(owner);
    if (set === undefined) this.#byOwner.set(owner, set = new Set());
    set.add(job);
    this.#running++;
    if (pool === undefined) {
      const record: ErrorRecord = {
        name: "Error",
        message:
          `Host '${this.name}' does not run source ${refusal} (that would run any code sent to it): start it with --allow-source (serveWorkers({ allowSource: true })) on a network you trust, or use moduleTask(url, name)`,
      };
      return this.answer(job, STATUS_ERROR, record);
    }
    // Its run time counts from here (a job that waited behind others is
    // measured otherwise, see #send).
    job.started = performance.now();
    pool.run(
      job,
      task.spec,
      task.mode,
      task.payload,
      job.group,
    );
    this.#pace.started(job, this.#running > this.#processes);
    this.#giving.watch(this.#running);
  }

  /** Gives back held tasks no local worker started (`_give_back.ts`). */
  #giveBack(): void {
    if (this.#q.nc.isClosed()) return;
    const due = this.#giving.due(this.#jobs.values(), this.#running);
    for (const pool of new Set(due.map((job) => job.pool))) {
      const jobs = new Set<unknown>(due.filter((job) => job.pool === pool));
      const taken = pool!.engine.withdraw((task) => jobs.has(task.ctx));
      if (taken.length === 0) continue;
      this.#giving.gave();
      for (const { ctx } of taken) {
        const job = ctx as Job;
        this.#ran(job);
        try {
          job.msg.nak(); // no delay: for another host
        } catch {
          // disconnected: it is delivered again after ackWait
        }
        this.#over(job);
      }
    }
    this.#giving.watch(this.#running);
  }

  #pool(poolId: string, initKey: string, init: ReturnType<typeof readInit>) {
    const key = `${poolId}/${initKey}`;
    let pool = this.#pools.get(key);
    if (pool === undefined || pool.engine.broken !== undefined) {
      if (pool) void pool.engine.terminate();
      pool = new LocalPool(
        key,
        poolId,
        init,
        this.adapter,
        this.#processes,
        this,
      );
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Answers.answer: sends the outcome; acks once the caller confirms. */
  answer(job: unknown, status: number, payload: unknown): void {
    const seq = (job as Job).seq;
    this.#send(job as Job, (busy) => packResult(seq, status, payload, busy));
  }

  /** Answers.initFailed. */
  initFailed(job: unknown, record: ErrorRecord): void {
    this.#send(job as Job, () => packInitError((job as Job).seq, record));
  }

  #send(job: Job, make: (busy: number) => Uint8Array): void {
    if (job.phase !== RUNNING) return;
    job.phase = ANSWERED;
    this.#ran(job);
    const now = performance.now();
    const ran = this.#pace.measure(now - job.started, this.#running, now);
    this.#giving.answered(ran);
    const busy = ran >= 0 ? ran : now - job.t0;
    const bytes = answerBytes(
      job.seq,
      () => make(busy),
      busy,
      this.#q.nc.info?.max_payload ?? 1024 * 1024,
      this.name,
    );
    job.deadline = performance.now() + CONFIRM_MS;
    try {
      this.#q.nc.publish(job.reply, bytes, {
        reply: `${this.#confirmPrefix}${job.no}`,
      });
    } catch {
      // disconnected: the confirmation times out, the task is delivered again
    }
  }

  /** Answers.note: a started or progress note, before the result. */
  note(job: unknown, kind: number, value: unknown): void {
    const j = job as Job;
    if (j.phase !== RUNNING) return;
    try {
      this.#q.nc.publish(j.reply, packNote(j.seq, kind, value));
    } catch {
      // a value that cannot be carried, or disconnected: notes are best effort
    }
  }

  /** A job stopped running: its room frees. */
  #ran(job: Job): void {
    this.#running--;
    this.#pace.ended(job);
    job.pool?.ended();
    this.#puller?.wake();
  }

  #confirmed(subject: string, refused: boolean): void {
    const no = Number(subject.slice(this.#confirmPrefix.length));
    const job = this.#jobs.get(no);
    if (job === undefined || job.phase !== ANSWERED) return;
    // Nobody took the result: run the task again (its caller drops a
    // duplicate should the first answer have reached it after all).
    if (refused) job.msg.nak(NAK_DELAY_MS);
    else job.msg.ack();
    this.#over(job);
  }

  #over(job: Job): void {
    job.phase = OVER;
    this.#jobs.delete(job.no);
    const set = this.#byOwner.get(job.owner);
    set?.delete(job);
    if (set?.size === 0) this.#byOwner.delete(job.owner);
    if (this.#jobs.size === 0) this.#drained?.();
  }

  /** A caller's notice: stop a slot's tasks, or close a gone pool. */
  #notice(subject: string, data: Uint8Array): void {
    const poolId = subject.slice(subject.lastIndexOf(".") + 1);
    const notice = readNotice(data);
    if (notice?.kind === NOTICE_CANCEL) {
      const owner = `${poolId}.${notice.slot}`;
      const seqs = notice.seqs, now = performance.now();
      const keys = seqs?.map((n) => `${owner}#${n}`) ?? [owner];
      for (const key of keys) this.#cancelled.set(key, now);
      for (const job of [...this.#byOwner.get(owner) ?? []]) {
        if (seqs === undefined || seqs.includes(job.seq)) this.#cancel(job);
      }
    } else if (notice?.kind === NOTICE_GONE) {
      this.#cancelled.set(poolId, performance.now());
      for (const job of [...this.#jobs.values()]) {
        if (job.owner.startsWith(`${poolId}.`)) this.#cancel(job);
      }
      for (const [key, pool] of this.#pools) {
        if (pool.poolId !== poolId) continue;
        this.#pools.delete(key);
        void pool.engine.terminate();
      }
    }
  }

  #cancel(job: Job): void {
    if (job.phase === OVER) return;
    if (job.phase === RUNNING) {
      job.pool?.engine.abort(job.group);
      this.#ran(job);
    }
    job.msg.term("cancelled by its pool");
    this.#over(job);
  }

  #tick(): void {
    const now = performance.now();
    const lease = this.#q.ackWaitMs / 3;
    for (const job of this.#jobs.values()) {
      if (job.phase === ANSWERED && now >= job.deadline) {
        job.msg.nak(NAK_DELAY_MS); // no confirmation: run again
        this.#over(job);
      } else if (now - job.at >= lease) {
        job.at = now; // running, or waiting for the caller: keep the lease
        job.msg.working();
      }
    }
    for (const [key, pool] of this.#pools) {
      if (pool.running === 0 && now - pool.idleSince >= IDLE_MS) {
        this.#pools.delete(key);
        void pool.engine.terminate();
      }
    }
    for (const [key, at] of this.#cancelled) {
      if (now - at >= REMEMBER_MS) this.#cancelled.delete(key);
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#stop().then(() => this.#done.resolve());
    return this.closed;
  }

  async #stop(): Promise<void> {
    this.#puller?.stop();
    if (this.#jobs.size > 0 && !this.#q.nc.isClosed()) {
      // Drain: the running tasks finish and are answered (or given back).
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        this.#q.nc.closed().then(() => resolve());
      });
    }
    clearInterval(this.#timer);
    this.#giving.stop();
    await Promise.all(
      [...this.#pools.values()].map((p) => p.engine.terminate()),
    );
    this.#pools.clear();
    for (const sub of this.#subs) sub.unsubscribe();
    await bounded(this.#q.nc.flush(), 3000); // the last acks
    await this.#q.nc.close().catch(() => {});
  }
}
