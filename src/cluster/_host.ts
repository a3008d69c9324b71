/**
 * `serveWorkers`: a worker host. It pulls tasks from the shared durable
 * consumer only while it has room (`processes` at once), runs each in the
 * local pool of its caller pool (`_local.ts`), sends the result to the
 * caller and acks the task once the caller confirmed it (else naks it, to
 * be delivered again; the caller drops duplicates). Long tasks keep their
 * lease with in-progress acks; a caller's cancel notice stops its tasks.
 *
 * @module
 */

import { nuid, type Subscription } from "@nats-io/nats-core";
import { type Consumer, jetstream, type JsMsg } from "@nats-io/jetstream";
import type { WorkerAdapter } from "../core/adapter.ts";
import { CallGroup } from "../core/_cancel.ts";
import { toRecord } from "../core/_error_record.ts";
import {
  type ErrorRecord,
  NOTE_STARTED,
  STATUS_ERROR,
  TASK_STARTED,
} from "../core/_wire.ts";
import { selectAdapter } from "../adapters/_select.ts";
import { builtin } from "../adapters/_env.ts";
import { cpuCount } from "../cpu_count.ts";
import type { Context } from "../types.ts";
import {
  NOTICE_CANCEL,
  NOTICE_GONE,
  packInitError,
  packNote,
  packResult,
  readInit,
  readTask,
  type TaskBody,
  unpack,
} from "./_protocol.ts";
import { type Answers, LocalPool } from "./_local.ts";
import { bounded, openQueue, type Queue } from "./_queue.ts";
import {
  errorText,
  integerOption,
  type NatsConnectionOptions,
  type QueueOptions,
  settings,
  subjects,
  taskOwner,
} from "./_settings.ts";

/** Options of {@linkcode serveWorkers}. */
export interface ServeWorkersOptions
  extends NatsConnectionOptions, QueueOptions {
  /** Tasks run at once, one per local worker thread (default `cpuCount()`). */
  processes?: number;
  /**
   * Run task functions sent as source text: any client the server lets
   * publish tasks can then run any code on this host. Default `false`:
   * only `moduleTask` functions (imported by URL) run.
   */
  allowSource?: boolean;
  /** The host's name in worker names (`"<name>/PoolWorker-3"`); default the hostname. */
  name?: string;
  /** The local workers: `"web"`, `"bun"` or `"node"` (default: the runtime's). */
  context?: Context;
}

/** A running host (see {@linkcode serveWorkers}). */
export interface WorkerHost {
  /** Its name, as worker names start. */
  readonly name: string;
  /** Tasks it runs at once (its local worker threads). */
  readonly processes: number;
  /**
   * Drains: stops pulling tasks, finishes the running ones and sends their
   * results, stops the local workers and disconnects.
   */
  close(): Promise<void>;
  /** Resolves once closed; rejects if the connection ended for good first. */
  readonly closed: Promise<void>;
}

/** A task on this host, from delivery to ack. */
interface Job {
  readonly no: number;
  readonly msg: JsMsg;
  readonly seq: number;
  readonly reply: string;
  /** `<poolId>.<slotKey>`. */
  readonly owner: string;
  readonly pool: LocalPool | undefined;
  readonly group: CallGroup;
  readonly t0: number;
  /** 0 running, 1 waiting for the caller's confirmation, 2 over. */
  phase: number;
  /** When it was last kept alive (ms). */
  at: number;
  /** When to give up waiting for the caller's confirmation (ms). */
  deadline: number;
  /** When a local worker started it (ms); NaN until then. */
  started: number;
}

const RUNNING = 0;
const ANSWERED = 1;
const OVER = 2;
/** The caller confirms a result within this, or the task is nak'ed (ms). */
const CONFIRM_MS = 10_000;
/** Delay of the redelivery of an unconfirmed task (ms). */
const NAK_DELAY_MS = 500;
/** A pull request waits this long for tasks (ms). */
const PULL_EXPIRES_MS = 5_000;
/** Work held per thread when tasks are short (ms); see `Host.#room`. */
const DEPTH_MS = 4;
/** Tasks held per thread at most. */
const MAX_DEPTH = 64;
/** A local pool without tasks this long is closed (ms). */
const IDLE_MS = 60_000;
/** Cancel and gone notices are remembered this long (ms). */
const REMEMBER_MS = 10 * 60_000;

/**
 * Starts a worker host: connects to the NATS servers, makes sure the work
 * queue exists, and runs the tasks of every pool on the queue, `processes`
 * at a time, in local worker threads. Rejects when it cannot connect (the
 * error says which servers and what they answered).
 *
 * @example Usage (with `nats-server -js` running)
 * ```ts ignore
 * import { serveWorkers } from "@x/pool/cluster";
 *
 * const host = await serveWorkers({
 *   servers: "nats://127.0.0.1:4222",
 *   processes: 4,
 *   name: "host-a",
 * });
 * // ... tasks of every pool on the queue run here ...
 * await host.close();
 * ```
 *
 * @param options Servers, connection options, and what the host runs.
 * @returns The running host.
 */
export async function serveWorkers(
  options: ServeWorkersOptions,
): Promise<WorkerHost> {
  const what = "start serveWorkers()";
  const s = settings(what, options);
  const processes = integerOption(
    what,
    "processes",
    options.processes,
    cpuCount(),
    1024,
  );
  const name = options.name ??
    builtin<{ hostname(): string }>("node:os")?.hostname() ?? "host";
  if (typeof name !== "string" || name === "" || /[\s.*>]/.test(name)) {
    throw new TypeError(
      `Cannot ${what} as 'name' must be a non-empty string without spaces, '.', '*' or '>': received ${
        JSON.stringify(name)
      }`,
    );
  }
  const adapter = selectAdapter(options.context);
  if (adapter instanceof Promise) throw new Error("unreachable");
  const queue = await openQueue(s);
  const host = new Host(s, queue, name, processes, !!options.allowSource);
  host.adapter = adapter;
  await host.start();
  return host;
}

class Host implements WorkerHost, Answers {
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
  /** Run time of a task, moving average (ms). */
  #runMs = 1000;
  #credit = 0;
  #nextJob = 0;
  #fetches = new Set<{ stop(): void }>();
  #wake: () => void = () => {};
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
        callback: (_e, msg) => this.#confirmed(msg.subject),
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
    void this.#pull(consumer);
    void this.#watch();
  }

  /** After a reconnection, pull anew (pending pull requests may be lost). */
  async #watch(): Promise<void> {
    for await (const status of this.#q.nc.status()) {
      if (status.type === "reconnect") {
        for (const batch of this.#fetches) batch.stop();
      }
    }
  }

  /** Pulls as many tasks as there is room for, as room frees. */
  async #pull(consumer: Consumer): Promise<void> {
    while (this.#closing === undefined) {
      const want = this.#room() - this.#running - this.#credit;
      if (want > 0) {
        this.#credit += want;
        void this.#fetch(consumer, want);
      }
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  async #fetch(consumer: Consumer, want: number): Promise<void> {
    let left = want;
    try {
      const batch = await consumer.fetch({
        max_messages: want,
        expires: PULL_EXPIRES_MS,
      });
      this.#fetches.add(batch);
      // A pull request can be lost with its server (a cluster's leader
      // change): never wait on one much past its expiry.
      const watchdog = setTimeout(() => batch.stop(), PULL_EXPIRES_MS + 2000);
      try {
        for await (const msg of batch) {
          left--;
          this.#credit--;
          this.#take(msg);
        }
      } finally {
        clearTimeout(watchdog);
        this.#fetches.delete(batch);
      }
    } catch {
      // the connection or the consumer went away: try again shortly
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    this.#credit -= left;
    this.#wake();
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
    if (this.#cancelled.has(owner) || this.#cancelled.has(poolId)) {
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
    const job: Job = {
      no: ++this.#nextJob,
      msg,
      seq: task.seq,
      reply: task.reply,
      owner,
      pool,
      group: new CallGroup(),
      t0: performance.now(),
      phase: RUNNING,
      at: performance.now(),
      deadline: Infinity,
      started: NaN,
    };
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
    // Always told when it starts (run time, for the caller's window and
    // this host's depth); the caller is told when it asked.
    const tell = (task.mode & TASK_STARTED) !== 0;
    job.group.onStart = () => {
      job.started = performance.now();
      if (tell) this.note(job, NOTE_STARTED, undefined);
    };
    pool.run(
      job,
      task.spec,
      task.mode | TASK_STARTED,
      task.payload,
      job.group,
    );
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
    const ran = now - job.started;
    if (ran >= 0) this.#runMs += (ran - this.#runMs) / 8;
    const busy = ran >= 0 ? ran : now - job.t0;
    let bytes: Uint8Array;
    try {
      bytes = make(busy);
    } catch (error) {
      bytes = packResult(
        job.seq,
        STATUS_ERROR,
        toRecord(
          new Error(
            `Host '${this.name}' cannot send this result back: ${
              errorText(error)
            }`,
          ),
        ),
        busy,
      );
    }
    const limit = this.#q.nc.info?.max_payload ?? 1024 * 1024;
    if (bytes.length > limit) {
      bytes = packResult(
        job.seq,
        STATUS_ERROR,
        toRecord(
          new RangeError(
            `The result of ${bytes.length} bytes is over the NATS server's max_payload (${limit} bytes): return less per task (smaller chunks), or raise max_payload`,
          ),
        ),
        busy,
      );
    }
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

  /**
   * Tasks held at once: one per thread for tasks of a few ms or more; for
   * shorter ones a few ms of work per thread, so that the next task is
   * here when a thread frees (a pull costs a round trip to the server).
   */
  #room(): number {
    const depth = Math.round(DEPTH_MS / Math.max(this.#runMs, 0.01));
    return this.#processes * Math.max(1, Math.min(MAX_DEPTH, depth));
  }

  /** A job stopped running: its room frees. */
  #ran(job: Job): void {
    this.#running--;
    job.pool?.ended();
    this.#wake();
  }

  #confirmed(subject: string): void {
    const no = Number(subject.slice(this.#confirmPrefix.length));
    const job = this.#jobs.get(no);
    if (job === undefined || job.phase !== ANSWERED) return;
    job.msg.ack();
    this.#over(job);
  }

  #over(job: Job): void {
    job.phase = OVER;
    this.#jobs.delete(job.no);
    const set = this.#byOwner.get(job.owner);
    set?.delete(job);
    if (set?.size === 0) this.#byOwner.delete(job.owner);
    if (this.#closing && this.#jobs.size === 0) this.#wake();
  }

  /** A caller's notice: stop a slot's tasks, or close a gone pool. */
  #notice(subject: string, data: Uint8Array): void {
    const poolId = subject.slice(subject.lastIndexOf(".") + 1);
    let body: unknown[];
    try {
      body = unpack(data) as unknown[];
    } catch {
      return;
    }
    if (body?.[0] === NOTICE_CANCEL) {
      const owner = `${poolId}.${body[1]}`;
      this.#cancelled.set(owner, performance.now());
      for (const job of [...this.#byOwner.get(owner) ?? []]) this.#cancel(job);
    } else if (body?.[0] === NOTICE_GONE) {
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
    this.#wake();
    for (const batch of this.#fetches) batch.stop();
    while (this.#jobs.size > 0 && !this.#q.nc.isClosed()) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    clearInterval(this.#timer);
    await Promise.all(
      [...this.#pools.values()].map((p) => p.engine.terminate()),
    );
    this.#pools.clear();
    for (const sub of this.#subs) sub.unsubscribe();
    await bounded(this.#q.nc.flush(), 3000); // the last acks
    await this.#q.nc.close().catch(() => {});
  }
}
