/**
 * A host's side of one caller pool: a local engine (worker threads, as a
 * local `Pool` has) started on the pool's first task with its initializer,
 * initargs and `maxtasksperchild`, whose workers are named after the host
 * (`"host-a/PoolWorker-3"`). Outcomes come back through a
 * {@linkcode TaskSink} and are turned into wire statuses again, error
 * records unchanged: a `RemoteError` becomes the record it came from, a
 * local `WorkerLostError` becomes `STATUS_LOST`.
 *
 * @module
 */

import type { WorkerAdapter } from "../core/adapter.ts";
import { Engine } from "../core/_engine.ts";
import type { CallGroup } from "../core/_cancel.ts";
import { toRecord } from "../core/_error_record.ts";
import { RemoteError, WorkerLostError } from "../core/errors.ts";
import {
  type ErrorRecord,
  type LostRecord,
  NOTE_PROGRESS,
  NOTE_STARTED,
  STATUS_ERROR,
  STATUS_LOST,
  STATUS_OK,
  STATUS_PARTIAL,
  type TaskSink,
} from "../core/_wire.ts";
import type { InitSection } from "./_protocol.ts";

/** What a host does with the outcome of one of its jobs. */
export interface Answers {
  /** The host's name. */
  readonly name: string;
  /** The job ended: a wire status and its payload. */
  answer(job: unknown, status: number, payload: unknown): void;
  /** The job's initializer failed (the caller's pool breaks). */
  initFailed(job: unknown, record: ErrorRecord): void;
  /** A note about the job (`NOTE_*`). */
  note(job: unknown, kind: number, value: unknown): void;
}

/** One caller pool on this host. */
export class LocalPool {
  /** `<poolId>/<initKey>`. */
  readonly key: string;
  /** The caller's pool id. */
  readonly poolId: string;
  /** The local engine. */
  readonly engine: Engine;
  /** Jobs running in it. */
  running = 0;
  /** When it last had nothing to run (ms). */
  idleSince: number = performance.now();
  readonly #answers: Answers;
  readonly #sink: TaskSink;

  /**
   * @param key Its key.
   * @param poolId The caller's pool id.
   * @param init The pool's init section.
   * @param adapter The host's local adapter.
   * @param processes Worker threads.
   * @param answers Where outcomes go.
   */
  constructor(
    key: string,
    poolId: string,
    init: InitSection,
    adapter: WorkerAdapter,
    processes: number,
    answers: Answers,
  ) {
    this.key = key;
    this.poolId = poolId;
    this.#answers = answers;
    this.engine = new Engine({
      processes,
      // With one thread, a task the host pulled ahead waits in the worker
      // (not in this engine) and starts as soon as the running one ends:
      // no round trip through this thread between the two. With more, a
      // task queued in a worker could wait behind a slow one while another
      // worker idles (one that was not ready yet when it came).
      adapter: {
        ...named(adapter, answers.name),
        prefetch: processes === 1 ? 2 : 1,
      },
      initializer: init.initializer,
      initargs: init.initargs,
      maxTasks: init.maxTasks > 0 ? init.maxTasks : Infinity,
    });
    this.#sink = sinkFor(this, answers);
  }

  /** Runs a task of the pool; its outcome goes to `answers` with `job`. */
  run(
    job: unknown,
    spec: Parameters<Engine["fid"]>[0],
    mode: number,
    payload: unknown,
    group: CallGroup,
  ): void {
    const engine = this.engine;
    this.running++;
    engine.submit(
      engine.fid(spec),
      mode,
      payload,
      this.#sink,
      job,
      undefined,
      group,
    );
  }

  /** A job of it ended (answered or cancelled). */
  ended(): void {
    if (--this.running === 0) this.idleSince = performance.now();
  }

  /** Whether `error` is the initializer failure that broke the engine. */
  initFailure(error: unknown): ErrorRecord | undefined {
    const broken = this.engine.broken;
    return broken !== undefined && broken === error &&
        broken.cause instanceof RemoteError
      ? reRecord(broken.cause)
      : undefined;
  }
}

function sinkFor(pool: LocalPool, answers: Answers): TaskSink {
  return {
    ok(job, value) {
      answers.answer(job, STATUS_OK, value);
    },
    fail(job, error) {
      if (error instanceof WorkerLostError) {
        const lost: LostRecord = {
          message: `${error.message} (on host '${answers.name}')`,
          workerName: `${answers.name}/${error.workerName}`,
        };
        return answers.answer(job, STATUS_LOST, lost);
      }
      const init = pool.initFailure(error);
      if (init !== undefined) return answers.initFailed(job, init);
      answers.answer(job, STATUS_ERROR, reRecord(error));
    },
    partial(job, values, errors) {
      answers.answer(job, STATUS_PARTIAL, {
        values,
        errors: errors.map(([i, e]) => [i, reRecord(e)]),
      });
    },
    progress(job, value) {
      answers.note(job, NOTE_PROGRESS, value);
    },
    started(job) {
      answers.note(job, NOTE_STARTED, undefined);
    },
  };
}

const OWN_PROPS = ["remoteClass", "remoteStack", "thrown"];

/**
 * The record an error came from: a `RemoteError` (rebuilt from a worker's
 * record) gives back its class, stack and thrown value, so the caller
 * sees what a local pool would show; anything else is recorded as it is.
 */
export function reRecord(error: unknown): ErrorRecord {
  const record = toRecord(error);
  restore(record, error, 0);
  return record;
}

function restore(record: ErrorRecord, error: unknown, depth: number): void {
  if (!(error instanceof RemoteError) || depth > 8) return;
  record.ctor = error.remoteClass;
  record.stack = error.remoteStack;
  if ("thrown" in error) {
    record.nonError = true;
    record.thrown = error.thrown;
  }
  if (record.props) {
    for (const key of OWN_PROPS) delete record.props[key];
    if (Object.keys(record.props).length === 0) delete record.props;
  }
  if (record.causeRecord) restore(record.causeRecord, error.cause, depth + 1);
  const errors = (error as { errors?: unknown }).errors;
  if (record.errors && Array.isArray(errors)) {
    record.errors.forEach((r, i) => restore(r, errors[i], depth + 1));
  }
}

/**
 * The host's adapter, with each worker named after the host: the name in
 * `spawn` and in the init message (what `currentProcess().name` reads).
 */
export function named(adapter: WorkerAdapter, host: string): WorkerAdapter {
  return {
    name: adapter.name,
    sharedMemory: adapter.sharedMemory,
    spawn(options, events) {
      const name = `${host}/${options.name}`;
      const handle = adapter.spawn({ ...options, name }, events);
      let first = true;
      return {
        post(data, transfer) {
          if (first) {
            first = false;
            const msg = data as { type?: string };
            if (msg?.type === "init") data = { ...msg, name };
          }
          handle.post(data, transfer);
        },
        terminate: () => handle.terminate(),
        ref: handle.ref && (() => handle.ref!()),
        unref: handle.unref && (() => handle.unref!()),
      };
    },
  };
}
