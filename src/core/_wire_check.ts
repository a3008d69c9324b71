// This module is browser compatible.
/**
 * The worker side's decoding of what the pool sends: every message checked
 * for its shape before the loop acts on it, so a protocol slip (a bug in
 * the pool or in a custom adapter) is a loud {@linkcode WireError} rather
 * than a hang or a wrong value. Cheap: the type, the lengths, and per task
 * its numbers and mode (no payload is walked). Re-exported by `_wire.ts`:
 * import from there.
 *
 * @module
 */

import { WireError } from "./_wire.ts";
import {
  type MainMessage,
  MODE_CALL1,
  MODE_MASK,
  TASK_PROGRESS,
  TASK_STARTED,
  TASK_TRANSFER,
} from "./_wire_messages.ts";

/** Every bit a task's mode field may have: a mode and the `TASK_*` flags. */
const KNOWN_FIELD = MODE_MASK | TASK_PROGRESS | TASK_STARTED |
  TASK_TRANSFER;

/** A short, safe description of a value, for an error message. */
function show(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "string") return JSON.stringify(value.slice(0, 40));
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function integer(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value);
}

/**
 * Worker side: checks a message from the pool and returns it typed.
 *
 * @throws {WireError} Naming the message and what is wrong with it.
 *
 * @example
 * ```ts
 * import { decodeMain } from "./_wire.ts";
 *
 * decodeMain({ type: "tasks", tasks: [1, 0, 3, 41] }); // fine
 * try {
 *   decodeMain({ type: "Tasks", tasks: [] });
 * } catch (error) {
 *   console.log((error as Error).name); // "WireError"
 * }
 * ```
 */
export function decodeMain(data: unknown): MainMessage {
  if (data === null || typeof data !== "object") {
    throw new WireError(
      `a message that is not an object: ${show(data)}`,
    );
  }
  const msg = data as MainMessage;
  switch (msg.type) {
    case "tasks":
      checkTasks(msg.tasks);
      return msg;
    case "define": {
      const defs: unknown = msg.defs;
      if (!Array.isArray(defs) || defs.length % 2 !== 0) {
        throw new WireError(
          `a define message whose defs are not a flat [fid, spec, ...] list: got ${
            show(defs)
          }`,
        );
      }
      for (let i = 0; i < defs.length; i += 2) {
        const spec = defs[i + 1];
        if (!integer(defs[i]) || spec === null || typeof spec !== "object") {
          throw new WireError(
            `a define message whose definition ${i / 2} is not [fid, spec]: ${
              show(defs[i])
            }, ${show(spec)}`,
          );
        }
      }
      return msg;
    }
    case "forget": {
      const fids: unknown = msg.fids;
      if (!Array.isArray(fids) || !fids.every(integer)) {
        throw new WireError(
          `a forget message whose fids are not a list of integers: got ${
            show(fids)
          }`,
        );
      }
      return msg;
    }
    case "init": {
      const m = msg as unknown as Record<string, unknown>;
      const wrong = !integer(m.id)
        ? `id ${show(m.id)} is not an integer`
        : typeof m.name !== "string"
        ? `name ${show(m.name)} is not a string`
        : !Array.isArray(m.initargs)
        ? `initargs ${show(m.initargs)} is not an array`
        : m.initializer !== undefined &&
            (m.initializer === null || typeof m.initializer !== "object")
        ? `initializer ${show(m.initializer)} is not a function spec`
        : m.control !== undefined
        ? notShared(m.control)
        : undefined;
      if (wrong !== undefined) {
        throw new WireError(`an init message whose ${wrong}`);
      }
      return msg;
    }
    case "sync":
      return msg;
    default:
      throw new WireError(
        `a message of type ${
          show((msg as { type?: unknown }).type)
        } (the worker knows init, define, forget, tasks and sync)`,
      );
  }
}

/** Checks a `tasks` list: whole tasks, integer seq and fid, known modes. */
function checkTasks(flat: unknown): void {
  if (!Array.isArray(flat) || flat.length % 4 !== 0) {
    throw new WireError(
      `a tasks message whose tasks are not a flat [seq, fid, mode, payload, ...] list (4 slots a task): got ${
        show(flat)
      }`,
    );
  }
  for (let j = 0; j < flat.length; j += 4) {
    const seq = flat[j];
    const fid = flat[j + 1];
    const field = flat[j + 2];
    if (
      !integer(seq) || !integer(fid) || !integer(field) ||
      (field & ~KNOWN_FIELD) !== 0 ||
      ((field & MODE_MASK) !== MODE_CALL1 && !Array.isArray(flat[j + 3]))
    ) {
      throw new WireError(
        `a tasks message whose task ${
          j / 4
        } is not [seq, fid, mode, payload]: seq ${show(seq)}, fid ${
          show(fid)
        }, mode ${show(field)}, payload ${
          show(flat[j + 3])
        } (integers; a known mode; an array payload but for MODE_CALL1)`,
      );
    }
  }
}

/**
 * Why `control` (sent only when the adapter says `sharedMemory: true`) is
 * not an `Int32Array` over a `SharedArrayBuffer`, or `undefined` when it is
 * (tags, not `instanceof`: the buffer may come from another realm).
 */
function notShared(control: unknown): string | undefined {
  const tag = Object.prototype.toString.call(control);
  const typed = tag === "[object Int32Array]";
  if (
    typed && Object.prototype.toString.call((control as Int32Array).buffer) ===
      "[object SharedArrayBuffer]"
  ) return undefined;
  const what = typed
    ? "an Int32Array over a copied ArrayBuffer"
    : control === null
    ? "null"
    : tag.slice(8, -1);
  return `control buffer is not shared: the adapter says sharedMemory: true but the control buffer arrived as ${what}, so its transport cannot carry a SharedArrayBuffer; set sharedMemory: false in the adapter`;
}
