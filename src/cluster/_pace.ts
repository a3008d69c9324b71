/**
 * How much a host pulls: about one task per thread for tasks of some ms or
 * more, with the next one pulled shortly before a thread is expected to
 * free; for shorter tasks some ms of work per thread, so that tiny tasks
 * come by the hundred (each pull is a request, a subscription and a round
 * trip to the server). Run times are a moving average measured without
 * the time a job waited behind others.
 *
 * @module
 */

/** Work held per thread when tasks are short (ms); see `Pace.room`. */
export const DEPTH_MS = 16;
/**
 * A running task expected to end within this is counted as ending: the
 * host pulls its thread's next task then, so that it is here when the
 * thread frees, queued in its worker (a pull is a round trip to the
 * server and some wake-ups of busy processes: 8 ms was often too little
 * with 16 host processes on 2 loaded cores), yet waits little if other
 * hosts are idle (their pull requests are waiting at the server already) (ms).
 */
export const AHEAD_MS = 16;
/** Tasks expected to run longer than this are not pulled ahead (ms). */
export const AHEAD_MAX_MS = 1000;
/** Tasks held per thread at most. */
export const MAX_DEPTH = 256;

/** What the pace keeps on a job. */
export interface PacedJob {
  /** Counted as ending soon (see `Pace.started`). */
  near: boolean;
  /** Marks it ending soon. */
  soon: ReturnType<typeof setTimeout> | undefined;
}

/** See the module doc. */
export class Pace {
  readonly #processes: number;
  readonly #wake: () => void;
  /** Run time of a task, moving average (ms); a guess before the first. */
  #runMs = 1000;
  /** When a job was last answered (ms); 0 before the first. */
  #answeredAt = 0;
  /** Running jobs expected to end soon (their threads' next tasks are pulled). */
  #ending = 0;
  /**
   * Jobs held behind running ones (no thread free when they came), in
   * order: each starts when a running one ends, and only then may it be
   * counted as ending soon (else jobs that wait would count as ending and
   * more would be pulled behind them, and more behind those).
   */
  #waiting = new Set<PacedJob>();

  /**
   * @param processes The host's threads.
   * @param wake Called when more may be pulled.
   */
  constructor(processes: number, wake: () => void) {
    this.#processes = processes;
    this.#wake = wake;
  }

  /**
   * Tasks held at once: one per thread for tasks of {@linkcode DEPTH_MS} or
   * more; for shorter ones that much work per thread.
   */
  room(): number {
    const depth = Math.round(DEPTH_MS / Math.max(this.#runMs, 0.01));
    return this.#processes * Math.max(1, Math.min(MAX_DEPTH, depth));
  }

  /** How many more to pull with `running` jobs held. */
  free(running: number): number {
    return this.room() - running + this.#ending;
  }

  /**
   * A job started running. Tasks of {@linkcode DEPTH_MS} or more are pulled
   * one at a time per thread; so that a thread does not wait a round trip
   * for its next one, the next is pulled about {@linkcode AHEAD_MS} before
   * the running one is expected to end. A task that runs longer than
   * expected keeps that one waiting: at most one per thread, and only for
   * tasks up to {@linkcode AHEAD_MAX_MS}.
   *
   * @param queued It came with every thread busy: it waits, and counts as
   *   started when a running job ends.
   */
  started(job: PacedJob, queued = false): void {
    if (queued) {
      this.#waiting.add(job);
      return;
    }
    this.#arm(job);
  }

  #arm(job: PacedJob): void {
    const runMs = this.#runMs;
    // Shorter ones are held by the dozen already; after longer ones a round
    // trip is little (and a task pulled early could wait behind one).
    if (runMs < DEPTH_MS || runMs > AHEAD_MAX_MS || this.#answeredAt === 0) {
      return;
    }
    const mark = () => {
      job.soon = undefined;
      job.near = true;
      this.#ending++;
      this.#wake();
    };
    const wait = runMs - AHEAD_MS;
    if (wait <= 0) mark();
    else job.soon = setTimeout(mark, wait);
  }

  /** A job stopped running (answered or cancelled). */
  ended(job: PacedJob): void {
    if (this.#waiting.delete(job)) return; // it never started
    // Its thread takes the first waiting job.
    for (const next of this.#waiting) {
      this.#waiting.delete(next);
      this.#arm(next);
      break;
    }
    if (job.near) {
      job.near = false;
      this.#ending--;
    } else if (job.soon !== undefined) {
      clearTimeout(job.soon);
      job.soon = undefined;
    }
  }

  /**
   * A job was answered `ran` ms after it was handed to the local pool,
   * with `others` jobs still held: returns its run time. With as many held
   * as threads, it waited before it started; then its thread's share of
   * the time since the last answer is the better measure (answers of one
   * batch share it, which averages right).
   */
  measure(ran: number, others: number, now: number): number {
    if (others >= this.#processes) {
      ran = Math.min(ran, (now - this.#answeredAt) * this.#processes);
    }
    const first = this.#answeredAt === 0;
    this.#answeredAt = now;
    if (ran >= 0) {
      // The first answer replaces the guess; later ones move it a quarter
      // of the way: tasks of a new length are paced right after a few
      // (with an eighth, 50 ms tasks after 1 ms ones were pulled late for
      // some 20 tasks per thread, the whole of a short map).
      this.#runMs = first ? ran : this.#runMs + (ran - this.#runMs) / 4;
    }
    return ran;
  }
}
