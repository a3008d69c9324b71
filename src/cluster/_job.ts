/**
 * A task on a host, from its delivery to its ack (see `_host.ts`).
 *
 * @module
 */

import type { JsMsg } from "@nats-io/jetstream";
import { CallGroup } from "../core/_cancel.ts";
import type { LocalPool } from "./_local.ts";
import type { PacedJob } from "./_pace.ts";
import type { HeldJob } from "./_give_back.ts";

/** Running: held by the host (started by a local worker or not). */
export const RUNNING = 0;
/** Answered: waiting for the caller's confirmation. */
export const ANSWERED = 1;
/** Over: acked, nak'ed or terminated. */
export const OVER = 2;

/** A task on this host, from delivery to ack. */
export interface Job extends PacedJob, HeldJob {
  readonly no: number;
  readonly msg: JsMsg;
  readonly seq: number;
  readonly reply: string;
  /** `<poolId>.<slotKey>`. */
  readonly owner: string;
  readonly pool: LocalPool | undefined;
  readonly group: CallGroup;
  readonly t0: number;
  /** {@linkcode RUNNING}, {@linkcode ANSWERED} or {@linkcode OVER}. */
  phase: number;
  /** When it was last kept alive (ms). */
  at: number;
  /** When to give up waiting for the caller's confirmation (ms). */
  deadline: number;
  /** When it was handed to the local pool (ms); NaN until then. */
  started: number;
}

/** A new job, running. */
export function newJob(
  no: number,
  msg: JsMsg,
  task: { seq: number; reply: string },
  owner: string,
  pool: LocalPool | undefined,
): Job {
  const now = performance.now();
  return {
    no,
    msg,
    seq: task.seq,
    reply: task.reply,
    owner,
    pool,
    group: new CallGroup(),
    t0: now,
    phase: RUNNING,
    at: now,
    deadline: Infinity,
    started: NaN,
    near: false,
    soon: undefined,
    delivery: msg.info.deliveryCount,
  };
}
