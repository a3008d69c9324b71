/**
 * A host gives back tasks it holds but has not started when they would
 * wait. A host pulls tasks ahead of its threads (see `_pace.ts`); a task it
 * holds waits behind the ones its threads run, slow ones too, while other
 * hosts may be idle. So:
 *
 * - When the host holds more tasks than threads and has answered none for
 *   a while ({@linkcode GiveBack.patience}: {@linkcode GIVE_BACK_MS}, or
 *   twice its tasks' usual run time if longer, the median of its last
 *   answers; every thread busy with a task that has run that long), the tasks that no local worker has
 *   started are taken back from its local pool (`Engine.withdraw`: a task
 *   a worker has started is never taken back) and `nak`ed without delay:
 *   JetStream delivers them again, to whichever host asks next.
 * - Until it answers a task again (a thread frees), the host is blocked: it
 *   asks for tasks only for idle threads. (A pull request it has open at
 *   the server may still bring it tasks, a given-back one too: those wait,
 *   and are given back again after the same patience, within the bound.)
 *
 * A `nak` counts as a delivery against `maxDeliver` (JetStream's
 * `num_delivered`), so give-backs are bounded per task
 * ({@linkcode mayGiveBack}): a task is never given back on one of its last
 * two deliveries (with the default `maxDeliver` of 5: on its first three at
 * most). It never ends in `WorkerLostError` because of give-backs, and keeps
 * at least two deliveries for real losses (a host killed or cut off).
 *
 * @module
 */

/** No answer for this long (at the least) with tasks held: they are given back (ms). */
export const GIVE_BACK_MS = 50;
/** Answers whose run times make a host's usual run time ({@linkcode GiveBack.usualMs}). */
export const RECENT = 16;
/**
 * Whether a task on its `delivery`-th delivery (JetStream's
 * `num_delivered`, 1 for the first) may be given back, with the consumer's
 * `maxDeliver`: never on its last two deliveries.
 *
 * @example Usage
 * ```ts
 * import { mayGiveBack } from "./_give_back.ts";
 *
 * console.log([1, 2, 3, 4, 5].map((n) => mayGiveBack(n, 5))); // [true, true, true, false, false]
 * ```
 */
export function mayGiveBack(delivery: number, maxDeliver: number): boolean {
  return delivery < maxDeliver - 1;
}

/** What the give-back reads of a host's job. */
export interface HeldJob {
  /** 0 while running (held or started). */
  readonly phase: number;
  /** Its delivery, counted by JetStream (1 for the first). */
  readonly delivery: number;
}

/** A host's give-back state: see the module doc. */
export class GiveBack {
  readonly #processes: number;
  readonly #maxDeliver: number;
  readonly #check: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When a job of the host was last answered (ms). */
  #answeredAt = performance.now();
  /** Gave back since the last answer. */
  #blocked = false;
  /** Run times of its last {@linkcode RECENT} answered tasks (ms), a ring. */
  readonly #ran = new Float64Array(RECENT);
  /** Answers with a known run time so far. */
  #answers = 0;

  /**
   * @param processes The host's threads.
   * @param maxDeliver The consumer's `maxDeliver`.
   * @param check Looks for tasks to give back ({@linkcode GiveBack.due}).
   */
  constructor(processes: number, maxDeliver: number, check: () => void) {
    this.#processes = processes;
    this.#maxDeliver = maxDeliver;
    this.#check = check;
  }

  /**
   * The host holds `held` jobs: with more than threads, some may wait; it
   * looks for those to give back every {@linkcode GIVE_BACK_MS} / 2.
   */
  watch(held: number): void {
    if (held <= this.#processes || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#check();
    }, GIVE_BACK_MS / 2);
  }

  /** A job was answered after running `ran` ms (NaN if unknown): a thread freed. */
  answered(ran: number): void {
    this.#answeredAt = performance.now();
    this.#blocked = false;
    if (ran >= 0) this.#ran[this.#answers++ % RECENT] = ran;
  }

  /**
   * Its tasks' usual run time (ms): the median of the last
   * {@linkcode RECENT} answers, 0 before any. A median, not an average: one
   * slow task among tiny ones must not make the host wait seconds before it
   * gives back the tiny ones held behind the next slow one.
   */
  get usualMs(): number {
    const n = Math.min(this.#answers, RECENT);
    if (n === 0) return 0;
    const recent = this.#ran.slice(0, n).sort();
    return recent[n >> 1];
  }

  /**
   * How long the host may answer nothing before it gives back what it
   * holds (ms): {@linkcode GIVE_BACK_MS}, or twice its tasks' usual run
   * time (a task pulled ahead for a thread, see `_pace.ts`, waits about
   * one run time when all goes well).
   */
  get patience(): number {
    return Math.max(GIVE_BACK_MS, 2 * this.usualMs);
  }

  /**
   * The jobs to give back if no local worker started them, from `jobs`
   * (`held` of them running): none unless the host holds more than threads
   * and answered none for {@linkcode GiveBack.patience}.
   */
  due<J extends HeldJob>(jobs: Iterable<J>, held: number): J[] {
    const due: J[] = [];
    const quiet = performance.now() - this.#answeredAt;
    if (held <= this.#processes || quiet < this.patience) return due;
    for (const job of jobs) {
      if (job.phase === 0 && mayGiveBack(job.delivery, this.#maxDeliver)) {
        due.push(job);
      }
    }
    return due;
  }

  /** Some were given back: blocked until the next answer. */
  gave(): void {
    this.#blocked = true;
  }

  /** How many to pull: `free`, or only for idle threads while blocked. */
  cap(free: number, held: number): number {
    return this.#blocked ? Math.min(free, this.#processes - held) : free;
  }

  /** Stops the timer. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
