/**
 * An in-thread {@linkcode WorkerAdapter} for tests: each worker is the REAL
 * worker loop (`WorkerLoop`, what `serveWorker` runs) in this thread, over
 * a `MessageChannel` (the handle posts on `port1`, the loop's channel is
 * `port2`), so tests exercise the real protocol without starting threads.
 *
 * Workers can be made to fail the ways real ones do:
 * - `startDelay(name)`: milliseconds before the loop starts (messages wait).
 * - `startFails(name)`: the worker dies (exit code 1) instead of starting.
 * - A task calls the global hook `globalThis[Symbol.for("xpool.die")](code,
 *   silent)`: its worker dies right there, like `process.exit(code)` in a
 *   real worker: it posts the results it has and a `fatal` message, and the
 *   adapter reports `exit({ code })`. With `silent` (or the adapter's
 *   `dieSilently`), it dies as out of memory does: the results it had not
 *   posted are lost and no `fatal` is sent. Either way no later task runs
 *   (the other items of a chunk being mapped when it dies still run; their
 *   results are dropped).
 * - A task may sleep with `await globalThis[Symbol.for("xpool.sleep")](ms)`:
 *   the timer is the adapter's, cleared when the worker dies or is
 *   terminated (the task then never resumes), so no test leaves a timer.
 *
 * Hooks find their worker by `currentProcess()`, which the loop sets each
 * time it runs: call them from the task itself (before or after a sleep).
 *
 * @module
 */

import type {
  SpawnOptions,
  WorkerAdapter,
  WorkerEvents,
  WorkerHandle,
} from "../src/core/adapter.ts";
import type { MainMessage } from "../src/core/_wire.ts";
import { taskCount } from "../src/core/_wire.ts";
import { currentProcess, enterProcess } from "../src/current_process.ts";

const MAIN_PROCESS = Object.freeze({ name: "MainProcess", id: 0 });
import { WorkerLoop } from "../src/worker/_loop.ts";
import type { WorkerChannel } from "../src/worker/serve.ts";

/** The global hook a task calls to kill its worker: `(code = 1, silent?)`. */
export const DIE: unique symbol = Symbol.for("xpool.die") as never;
/** The global hook a task awaits to sleep: `(ms) => Promise<void>`. */
export const SLEEP: unique symbol = Symbol.for("xpool.sleep") as never;

/** How the in-thread workers behave. */
export interface ThreadOptions {
  /** Whether the gate's SharedArrayBuffer is used (shared in-thread). Default true. */
  sharedMemory?: boolean;
  /** Milliseconds each worker takes to start, by name. */
  startDelay?: (name: string) => number;
  /** Whether a worker dies during start-up, by name. */
  startFails?: (name: string) => boolean;
  /** Deaths by the die hook are silent (out of memory) unless it says. */
  dieSilently?: boolean;
}

/** Posted by the loop's side after its last message: the worker is gone. */
const EXIT = "xpool.thread.exit";

/** Workers alive in this thread, of every adapter (the hooks look here). */
const live = new Set<ThreadWorker>();

/** The worker whose task is running now. */
function running(hook: string): ThreadWorker {
  const me = currentProcess();
  for (const worker of live) {
    if (worker.loop?.process === me) return worker;
  }
  throw new Error(`${hook} called outside a thread worker's task`);
}

const g = globalThis as Record<symbol, unknown>;
g[DIE] = (code = 1, silent?: boolean): never => {
  const worker = running("xpool.die");
  worker.die(code, silent ?? worker.options.dieSilently ?? false);
  throw new Error(`${worker.name} died (xpool.die)`); // unwinds the task
};
g[SLEEP] = (ms: number): Promise<void> => running("xpool.sleep").sleep(ms);

/** One in-thread worker: the real loop and its two ports. */
export class ThreadWorker {
  /** Worker name, like `"PoolWorker-1"`. */
  readonly name: string;
  /** Worker number. */
  readonly id: number;
  /** Until it died or was terminated. */
  alive = true;
  /** Whether the pool wants it to keep the process alive. */
  refd = true;
  /** Messages received from the pool. */
  messages = 0;
  /** `tasks` messages received. */
  batches = 0;
  /** Tasks received. */
  tasks = 0;
  /** Messages the loop posted to the pool. */
  posted = 0;
  /** The loop, once started. */
  loop: WorkerLoop | undefined;
  readonly handle: WorkerHandle;
  readonly options: ThreadOptions;
  #events: WorkerEvents;
  #port1: MessagePort;
  #port2: MessagePort;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  /** The loop's side is gone: it posts nothing more. */
  #dead = false;
  #report: ((error: unknown, code?: number) => void) | undefined;

  constructor(
    spawn: SpawnOptions,
    events: WorkerEvents,
    options: ThreadOptions,
  ) {
    this.name = spawn.name;
    this.id = spawn.id;
    this.options = options;
    this.#events = events;
    const { port1, port2 } = new MessageChannel();
    this.#port1 = port1;
    this.#port2 = port2;
    port1.onmessage = (event) => this.#fromWorker(event.data);
    this.handle = {
      post: (data, transfer) => {
        if (!this.alive) return;
        this.messages++;
        const msg = data as MainMessage;
        if (msg?.type === "tasks") {
          this.batches++;
          this.tasks += taskCount(msg.tasks);
        }
        port1.postMessage(data, (transfer ?? []) as Transferable[]); // throws DataCloneError
      },
      terminate: () => {
        this.#close();
        return Promise.resolve();
      },
      ref: () => {
        this.refd = true;
      },
      unref: () => {
        this.refd = false;
      },
    };
    live.add(this);
    const delay = options.startDelay?.(this.name) ?? 0;
    if (delay > 0) this.#later(() => this.#start(), delay);
    else this.#start();
  }

  /** Tasks the loop started. */
  get ran(): number {
    return this.loop?.ran ?? 0;
  }

  /** Task functions the loop knows now (defined, not forgotten). */
  get functions(): number {
    return this.loop?.functions ?? 0;
  }

  #start(): void {
    if (this.options.startFails?.(this.name)) return this.die(1, true);
    const channel: WorkerChannel = {
      post: (message, transfer) => {
        if (this.#dead) return;
        this.posted++;
        this.#port2.postMessage(message, (transfer ?? []) as Transferable[]);
      },
      listen: (handler) => {
        this.#port2.onmessage = (event) => handler(event.data);
      },
      onFatal: (report) => {
        this.#report = report;
      },
    };
    this.loop = new WorkerLoop(channel);
  }

  #fromWorker(data: unknown): void {
    if (!this.alive) return;
    if ((data as { type?: unknown })?.type === EXIT) {
      const { code } = data as { code: number };
      this.#close();
      this.#events.exit({ code });
      return;
    }
    this.#events.message(data);
  }

  #later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  /**
   * Kills the worker now: loudly (posts its results and a `fatal`, like an
   * exit call) or silently (like running out of memory). The pool hears
   * `exit({ code })` after every message the worker posted before.
   */
  die(code: number, silent: boolean): void {
    if (this.#dead || !this.alive) return;
    if (!silent) this.#report?.(undefined, code);
    this.#dead = true;
    this.loop?.stop();
    this.#clearTimers();
    this.#port2.postMessage({ type: EXIT, code }); // after what it posted
  }

  /** A sleep on the adapter's timer (see `SLEEP`). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#later(() => {
        // The task resumes as the next microtask: as this worker.
        if (this.loop?.process) this.loop.enter();
        resolve();
      }, ms);
    });
  }

  #clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #close(): void {
    if (!this.alive) return;
    this.alive = false;
    this.#dead = true;
    this.loop?.stop();
    this.#clearTimers();
    live.delete(this);
    // The loops ran in this thread and made currentProcess() name their
    // worker: once none is left, this thread is the main process again.
    if (live.size === 0) enterProcess(MAIN_PROCESS);
    this.#port1.onmessage = null;
    this.#port2.onmessage = null;
    this.#port1.close();
    this.#port2.close();
  }
}

/** The in-thread adapter; records every worker it starts. */
export class ThreadAdapter implements WorkerAdapter {
  readonly name = "thread";
  readonly sharedMemory: boolean;
  readonly workers: ThreadWorker[] = [];
  options: ThreadOptions;

  constructor(options: ThreadOptions = {}) {
    this.options = options;
    this.sharedMemory = options.sharedMemory ?? true;
  }

  spawn(options: SpawnOptions, events: WorkerEvents): WorkerHandle {
    const worker = new ThreadWorker(options, events, this.options);
    this.workers.push(worker);
    return worker.handle;
  }
}
