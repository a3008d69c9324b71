/**
 * The cluster's messages, in one place: a task as one self-contained
 * JetStream message (any host can run it, a host started later too), the
 * results and notes a host sends back, and the notices of a caller (a slot
 * cancelled, a pool gone). Bodies are CBOR ({@linkcode pack}); the layouts
 * are flat arrays led by a version or a kind.
 *
 * @module
 */

import { toRecord } from "../core/_error_record.ts";
import { type ErrorRecord, type FnSpec, STATUS_ERROR } from "../core/_wire.ts";
import { pack, unpack } from "./_codec.ts";

export { pack, unpack };

/** Version of the task layout; a host refuses others by name. */
export const TASK_VERSION = 1;

/** One task, as a host reads it. */
export interface TaskBody {
  /** The caller's sequence number of the task (unique in its pool). */
  seq: number;
  /** The task function. */
  spec: FnSpec;
  /** The wire's mode field: mode and `TASK_*` flags. */
  mode: number;
  /** Arguments, item chunk, or the one argument. */
  payload: unknown;
  /** Names the init section within the pool (same section, same key). */
  initKey: string;
  /** The init section, packed: see {@linkcode packInit}. */
  init: Uint8Array;
  /** Where the results of its slot go. */
  reply: string;
}

/**
 * The task message body. Throws what the codec throws for a value it
 * cannot carry (a function, a symbol).
 */
export function packTask(
  seq: number,
  spec: FnSpec,
  mode: number,
  payload: unknown,
  initKey: string,
  init: Uint8Array,
  reply: string,
): Uint8Array {
  return pack([TASK_VERSION, seq, spec, mode, payload, initKey, init, reply]);
}

/** Reads a task message body; throws an Error saying what is wrong. */
export function readTask(bytes: Uint8Array): TaskBody {
  const a = unpack(bytes);
  if (!Array.isArray(a) || a[0] !== TASK_VERSION || a.length !== 8) {
    throw new Error(
      `not an @x/pool task of version ${TASK_VERSION}: run the same @x/pool version on callers and hosts`,
    );
  }
  const spec = a[2] as FnSpec;
  if (
    typeof a[1] !== "number" || spec === null || typeof spec !== "object" ||
    typeof a[3] !== "number" || typeof a[5] !== "string" ||
    !(a[6] instanceof Uint8Array) || typeof a[7] !== "string"
  ) throw new Error("a malformed @x/pool task");
  return {
    seq: a[1],
    spec,
    mode: a[3],
    payload: a[4],
    initKey: a[5],
    init: a[6],
    reply: a[7],
  };
}

/** A pool's init section: what every host-local worker of it starts with. */
export interface InitSection {
  /** The initializer, if any. */
  initializer: FnSpec | undefined;
  /** Its arguments. */
  initargs: unknown[];
  /** `maxtasksperchild`; 0 for none. */
  maxTasks: number;
}

/** Packs an init section; its key is a hash of the bytes. */
export function packInit(
  init: InitSection,
): { bytes: Uint8Array; key: string } {
  const bytes = pack([init.initializer ?? null, init.initargs, init.maxTasks]);
  return { bytes, key: `${hash(bytes)}${bytes.length.toString(36)}` };
}

/** Reads an init section. */
export function readInit(bytes: Uint8Array): InitSection {
  const a = unpack(bytes) as [FnSpec | null, unknown[], number];
  if (!Array.isArray(a) || !Array.isArray(a[1])) {
    throw new Error("a malformed @x/pool init section");
  }
  return {
    initializer: a[0] ?? undefined,
    initargs: a[1],
    maxTasks: typeof a[2] === "number" ? a[2] : 0,
  };
}

/** FNV-1a over the bytes, base 36. */
function hash(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

// ---- host → caller, on the slot's results subject -------------------------

/** A result: `[KIND_RESULT, seq, status, payload, busyMs]` (with a reply). */
export const KIND_RESULT = 0;
/** Notes: `[KIND_NOTES, seq, kind, value, seq, kind, value, ...]`. */
export const KIND_NOTES = 1;
/** The initializer failed: `[KIND_INIT_ERROR, seq, record]` (with a reply). */
export const KIND_INIT_ERROR = 2;

/** A result message body. */
export function packResult(
  seq: number,
  status: number,
  payload: unknown,
  busy: number,
): Uint8Array {
  return pack([KIND_RESULT, seq, status, payload, busy]);
}

/**
 * The body `make` packs, or, when it cannot be packed or is over the
 * server's `limit`, an error result that says so (naming host `host`).
 */
export function answerBytes(
  seq: number,
  make: () => Uint8Array,
  busy: number,
  limit: number,
  host: string,
): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = make();
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return packResult(
      seq,
      STATUS_ERROR,
      toRecord(
        new Error(`Host '${host}' cannot send this result back: ${why}`),
      ),
      busy,
    );
  }
  if (bytes.length <= limit) return bytes;
  return packResult(
    seq,
    STATUS_ERROR,
    toRecord(
      new RangeError(
        `The result of ${bytes.length} bytes is over the NATS server's max_payload (${limit} bytes): return less per task (smaller chunks), or raise max_payload`,
      ),
    ),
    busy,
  );
}

/** A notes message body: one note. */
export function packNote(
  seq: number,
  kind: number,
  value: unknown,
): Uint8Array {
  return pack([KIND_NOTES, seq, kind, value]);
}

/** An initializer failure body. */
export function packInitError(seq: number, record: ErrorRecord): Uint8Array {
  return pack([KIND_INIT_ERROR, seq, record]);
}

// ---- caller → hosts, on the pool's cancel subject -------------------------

/**
 * Stop the tasks of a slot: `[NOTICE_CANCEL, slotKey]`, or only those
 * whose task seqs are listed: `[NOTICE_CANCEL, slotKey, seqs]`.
 */
export const NOTICE_CANCEL = 0;
/** The pool is gone (close its host-local pools): `[NOTICE_GONE]`. */
export const NOTICE_GONE = 1;

/** A cancel notice body. */
export function packCancel(
  slot: string,
  seqs?: readonly number[],
): Uint8Array {
  return pack(
    seqs === undefined ? [NOTICE_CANCEL, slot] : [
      NOTICE_CANCEL,
      slot,
      seqs,
    ],
  );
}

/** A gone notice body. */
export function packGone(): Uint8Array {
  return pack([NOTICE_GONE]);
}

/** A caller's notice, as a host reads it. */
export type Notice =
  | { kind: typeof NOTICE_CANCEL; slot: string; seqs?: number[] }
  | { kind: typeof NOTICE_GONE };

/** Reads a notice body; `undefined` for one that is neither (ignored). */
export function readNotice(bytes: Uint8Array): Notice | undefined {
  let body: unknown[] | undefined;
  try {
    body = unpack(bytes) as unknown[] | undefined;
  } catch {
    return undefined;
  }
  if (body?.[0] === NOTICE_CANCEL) {
    const seqs = Array.isArray(body[2])
      ? body[2].filter((n): n is number => typeof n === "number")
      : undefined;
    return { kind: NOTICE_CANCEL, slot: `${body[1]}`, seqs };
  }
  return body?.[0] === NOTICE_GONE ? { kind: NOTICE_GONE } : undefined;
}
