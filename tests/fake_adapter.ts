/**
 * A fake in-thread adapter for testing the engine without real workers. It
 * speaks the wire protocol, runs task functions on timers in this thread,
 * and can be told to fail in the ways real workers fail.
 */

import type {
  SpawnOptions,
  WorkerAdapter,
  WorkerEvents,
  WorkerHandle,
} from "../src/core/adapter.ts";
import type { FnSpec, MainMessage } from "../src/core/_wire.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;

/** How fake workers behave. */
export interface FakeBehaviour {
  /** Milliseconds a task takes, from its payload. */
  delay?: (payload: unknown) => number;
  /** Return true to make the worker die (exit code 1) on this task. */
  dieOn?: (payload: unknown) => boolean;
  /**
   * Die as out of memory does: without posting the results of the tasks
   * finished before (a worker sees other deaths coming and posts them).
   */
  dieSilently?: boolean;
  /** Make the initializer fail in every worker. */
  initFails?: boolean;
  /** Make every worker die before it is ready. */
  startFails?: boolean;
  /** Milliseconds a worker takes to start, by its name. */
  startDelay?: (name: string) => number;
}

/** Function ids a fake worker knows (to check the registry is bounded). */
export function knownFids(worker: FakeWorker): number {
  return worker.specCount;
}

/** One fake worker. */
export class FakeWorker {
  readonly name: string;
  alive = true;
  refd = true;
  /** Task messages received. */
  batches = 0;
  /** Tasks received. */
  tasks = 0;
  /** Tasks run. */
  ran = 0;
  #events: WorkerEvents;
  #behaviour: FakeBehaviour;
  #specs = new Map<number, FnSpec>();
  #queue: unknown[] = [];
  #busy = false;
  #ready = false;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #control: Int32Array | undefined;
  #ordinal = 0;
  readonly handle: WorkerHandle;

  /** Function ids defined and not forgotten. */
  get specCount(): number {
    return this.#specs.size;
  }

  constructor(name: string, events: WorkerEvents, behaviour: FakeBehaviour) {
    this.name = name;
    this.#events = events;
    this.#behaviour = behaviour;
    this.handle = {
      post: (data) => {
        if (!this.alive) return;
        const copy = structuredClone(data) as MainMessage; // throws like postMessage
        this.#soon(() => this.#receive(copy));
      },
      terminate: () => {
        this.#stop();
        return Promise.resolve();
      },
      ref: () => {
        this.refd = true;
      },
      unref: () => {
        this.refd = false;
      },
    };
  }

  #later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.alive) fn();
    }, ms);
    this.#timers.add(timer);
  }

  /** Delivers on a microtask: a fast stand-in for a message hop. */
  #soon(fn: () => void): void {
    queueMicrotask(() => {
      if (this.alive) fn();
    });
  }

  #stop(): void {
    this.alive = false;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #die(code: number): void {
    this.#stop();
    this.#events.exit({ code });
  }

  #post(message: unknown): void {
    this.#events.message(structuredClone(message));
  }

  #receive(msg: MainMessage): void {
    switch (msg.type) {
      case "init":
        this.#control = msg.control;
        if (this.#behaviour.startFails) return this.#die(1);
        if (this.#behaviour.initFails) {
          this.#post({
            type: "initError",
            error: { name: "Error", message: "init boom" },
          });
          return;
        }
        this.#later(() => {
          this.#ready = true;
          this.#post({ type: "ready" });
          this.#run();
        }, this.#behaviour.startDelay?.(this.name) ?? 0);
        break;
      case "forget":
        for (const fid of msg.fids) this.#specs.delete(fid);
        break;
      case "define":
        for (let i = 0; i < msg.defs.length; i += 2) {
          this.#specs.set(msg.defs[i] as number, msg.defs[i + 1] as FnSpec);
        }
        break;
      case "tasks":
        this.batches++;
        this.tasks += msg.tasks.length / 4;
        this.#queue.push(...msg.tasks);
        this.#run();
        break;
    }
  }

  #run(): void {
    if (this.#busy || !this.#ready) return;
    // Like the real worker: run what is queued in one go, post one batch.
    const results: unknown[] = [];
    while (this.#queue.length > 0) {
      const [seq, fid, mode, payload] = this.#queue.slice(0, 4);
      if (!this.#claim()) {
        this.#queue.splice(0, 4); // taken back by the pool
        continue;
      }
      if (this.#behaviour.dieOn?.(payload)) {
        if (results.length > 0 && !this.#behaviour.dieSilently) {
          this.#post({ type: "results", results });
        }
        return this.#die(1);
      }
      const delay = this.#behaviour.delay?.(payload) ?? 0;
      if (delay > 0) {
        // slow task: finish it on a timer, then carry on
        if (results.length > 0) {
          this.#post({ type: "results", results: results.splice(0) });
        }
        this.#busy = true;
        this.#later(() => {
          this.#queue.splice(0, 4);
          this.#post({
            type: "results",
            results: this.#exec(seq, fid, mode, payload),
          });
          this.#busy = false;
          this.#run();
        }, delay);
        return;
      }
      this.#queue.splice(0, 4);
      results.push(...this.#exec(seq, fid, mode, payload));
      if (this.#control === undefined) {
        // No gate (no shared memory): like the real worker, report every
        // result before starting the next task.
        this.#post({ type: "results", results: results.splice(0) });
        if (!this.alive) return;
      }
    }
    if (results.length > 0) {
      this.#soon(() => this.#post({ type: "results", results }));
    }
  }

  /** The worker's gate protocol (see InitMessage.control). */
  #claim(): boolean {
    const o = this.#ordinal++;
    const control = this.#control;
    if (control === undefined) return true;
    for (;;) {
      const gate = Atomics.load(control, 0);
      if (gate < 0 && o < -gate - 1) return false;
      if (Atomics.compareExchange(control, 0, gate, o + 1) === gate) {
        return true;
      }
    }
  }

  #exec(
    seq: unknown,
    fid: unknown,
    mode: unknown,
    payload: unknown,
  ): unknown[] {
    this.ran++;
    const spec = this.#specs.get(fid as number)!;
    const fn = spec.kind === "source"
      ? new Function(`return (${spec.source});`)() as Fn
      : () => undefined;
    try {
      const value = mode === 3
        ? fn(payload)
        : mode === 0
        ? fn(...(payload as unknown[]))
        : (payload as unknown[]).map((x) =>
          mode === 1 ? fn(x) : fn(...(x as unknown[]))
        );
      return [seq, 0, value];
    } catch (error) {
      return [seq, 1, {
        name: "Error",
        message: String((error as Error).message),
      }];
    }
  }
}

/** The fake adapter; records every worker it starts. */
export class FakeAdapter implements WorkerAdapter {
  readonly name = "fake";
  readonly workers: FakeWorker[] = [];
  behaviour: FakeBehaviour;
  /** Whether workers get the gate (shared memory), as the built-in adapters do. */
  readonly sharedMemory: boolean;

  constructor(behaviour: FakeBehaviour = {}, sharedMemory = true) {
    this.behaviour = behaviour;
    this.sharedMemory = sharedMemory;
  }

  spawn(options: SpawnOptions, events: WorkerEvents): WorkerHandle {
    const worker = new FakeWorker(options.name, events, this.behaviour);
    this.workers.push(worker);
    return worker.handle;
  }
}
