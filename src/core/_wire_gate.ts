// This module is browser compatible.
/**
 * The work-stealing gate (`InitMessage.control`), both sides: a
 * worker claims each task it starts, the pool revokes the ones it has not
 * started, atomically, so no task runs twice and a dead worker's gate tells
 * which tasks it had started. Re-exported by `_wire.ts`: import from there.
 *
 * @module
 */

import { CONTROL_GATE, CONTROL_KEPT } from "./_wire_messages.ts";

/**
 * A fresh gate: two shared cells, the claim cell ({@linkcode CONTROL_GATE})
 * at ordinal 0 and the kept cell ({@linkcode CONTROL_KEPT}).
 *
 * @example Usage
 * ```ts
 * import { gateNext, newGate } from "./_wire_gate.ts";
 *
 * console.log(gateNext(newGate())); // 0
 * ```
 */
export function newGate(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(8));
}

/**
 * The first ordinal the worker may claim: every one below it was started
 * or revoked (a revoked `TASK_TRANSFER` task runs all the same: see
 * {@linkcode gateStarted}).
 *
 * @example Usage
 * ```ts
 * import { gateClaim, gateNext, newGate } from "./_wire_gate.ts";
 *
 * const gate = newGate();
 * gateClaim(gate, 0);
 * console.log(gateNext(gate)); // 1
 * ```
 */
export function gateNext(gate: Int32Array): number {
  const g = Atomics.load(gate, CONTROL_GATE);
  return g >= 0 ? g : -g - 1;
}

/**
 * The first ordinal the worker has not started: {@linkcode gateNext}, but
 * while the gate is revoked the kept cell, which also counts the
 * `TASK_TRANSFER` tasks below the revoked ordinals that it started.
 *
 * @example Usage
 * ```ts
 * import { gateClaim, gateKeep, gateRevoke, gateStarted, newGate } from "./_wire_gate.ts";
 *
 * const gate = newGate();
 * gateClaim(gate, 0); // runs task 0
 * gateRevoke(gate, 4); // tasks 1, 2, 3 taken back, but 2 was flagged TASK_TRANSFER
 * console.log(gateStarted(gate)); // 1
 * gateKeep(gate, 2); // the worker skips 1, runs 2
 * console.log(gateStarted(gate)); // 3
 * ```
 */
export function gateStarted(gate: Int32Array): number {
  const g = Atomics.load(gate, CONTROL_GATE);
  return g >= 0 ? g : Atomics.load(gate, CONTROL_KEPT);
}

/**
 * Worker side: claims ordinal `o` (the next task received). `false` when
 * the pool revoked it (it runs elsewhere, or, flagged `TASK_TRANSFER`,
 * here after {@linkcode gateKeep}).
 *
 * @example Usage
 * ```ts
 * import { gateClaim, gateRevoke, newGate } from "./_wire_gate.ts";
 *
 * const gate = newGate();
 * gateRevoke(gate, 2);
 * console.log(gateClaim(gate, 0), gateClaim(gate, 2)); // false true
 * ```
 */
export function gateClaim(gate: Int32Array, o: number): boolean {
  for (;;) {
    const g = Atomics.load(gate, CONTROL_GATE);
    if (g < 0 && o < -g - 1) return false; // revoked
    if (Atomics.compareExchange(gate, CONTROL_GATE, g, o + 1) === g) {
      return true;
    }
    // the pool revoked meanwhile: look again
  }
}

/**
 * Worker side: starts ordinal `o`, revoked (its claim failed) but flagged
 * `TASK_TRANSFER`, so never revoked: the pool kept it, and reads that it
 * started from the kept cell ({@linkcode gateStarted}).
 *
 * @example Usage
 * ```ts
 * import { gateClaim, gateKeep, gateRevoke, gateStarted, newGate } from "./_wire_gate.ts";
 *
 * const gate = newGate();
 * gateRevoke(gate, 1);
 * if (!gateClaim(gate, 0)) gateKeep(gate, 0);
 * console.log(gateStarted(gate)); // 1
 * ```
 */
export function gateKeep(gate: Int32Array, o: number): void {
  Atomics.store(gate, CONTROL_KEPT, o + 1);
}

/**
 * Pool side: revokes every ordinal from the worker's next one up to `sent`
 * (exclusive); the worker still runs those flagged `TASK_TRANSFER`.
 * Returns the first revoked ordinal; `sent` when there was nothing to
 * revoke.
 *
 * @example Usage
 * ```ts
 * import { gateClaim, gateRevoke, newGate } from "./_wire_gate.ts";
 *
 * const gate = newGate();
 * gateClaim(gate, 0);
 * console.log(gateRevoke(gate, 3), gateRevoke(gate, 3)); // 1 3
 * ```
 */
export function gateRevoke(gate: Int32Array, sent: number): number {
  for (;;) {
    const g = Atomics.load(gate, CONTROL_GATE);
    const next = g >= 0 ? g : -g - 1;
    if (next >= sent) return sent;
    // Where the worker is, for gateStarted: set before the revocation it
    // describes (a worker writes the cell only once it sees one); an
    // earlier revocation already set it (and the worker may move it).
    if (g >= 0) Atomics.store(gate, CONTROL_KEPT, g);
    if (Atomics.compareExchange(gate, CONTROL_GATE, g, -(sent + 1)) === g) {
      return next;
    }
    // the worker just claimed a task: look again
  }
}
