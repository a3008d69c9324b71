// This module is browser compatible.
/**
 * Inputs still being read into the pool (an async `map` input, an open
 * `imap`): each holds the pool open until released, and is told when the
 * pool stops or `join()` is awaited.
 *
 * @module
 */

/** An input being read into the pool: see {@linkcode Inputs.hold}. */
export interface InputHold {
  /** The pool stopped: settle with `error` and stop reading. */
  abort(error: unknown): void;
  /** `join()` is awaited while this input is still open. */
  join?(): void;
}

/** The inputs being read. */
export class Inputs {
  #open = new Set<InputHold>();

  /** Number of inputs open. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Adds `input`; returns its release function, which calls `released`
   * once (later calls do nothing).
   */
  hold(input: InputHold, released: () => void): () => void {
    this.#open.add(input);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#open.delete(input);
      released();
    };
  }

  /** Tells every input that `join()` is awaited. */
  join(): void {
    for (const input of [...this.#open]) input.join?.();
  }

  /** The pool stopped: tells every input, once, with `makeError()`. */
  abortAll(makeError: () => unknown): void {
    const inputs = [...this.#open];
    this.#open.clear();
    for (const input of inputs) input.abort(makeError());
  }
}
