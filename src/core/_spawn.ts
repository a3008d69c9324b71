// This module is browser compatible.
/**
 * Starting one worker: {@linkcode openSlot} spawns it through the adapter,
 * gives it a gate when the adapter shares memory, and posts its `init`.
 *
 * @module
 */

import type { ResourceLimits, WorkerAdapter, WorkerEvents } from "./adapter.ts";
import { Slot } from "./_slot.ts";
import { type FnSpec, type InitMessage, newGate } from "./_wire.ts";

/** What {@linkcode openSlot} posts in a new worker's init message. */
export interface SlotInit {
  /** Initializer, if any. */
  initializer?: FnSpec;
  /** Initializer arguments. */
  initargs: unknown[];
  /** Limits passed to `spawn`, when the pool has some. */
  resourceLimits?: ResourceLimits;
  /** Tasks per worker; passed to `spawn` when finite. */
  maxTasks?: number;
}

/**
 * Starts worker number `id` through `adapter` (with a gate only when the
 * adapter shares memory) and posts its init message; the slot is unref'd
 * until it gets work. `listen` makes the events for the slot. Throws what
 * the adapter threw, after terminating a handle it returned.
 */
export function openSlot(
  adapter: WorkerAdapter,
  id: number,
  init: SlotInit,
  listen: (slot: Slot) => WorkerEvents,
): Slot {
  const name = `PoolWorker-${id}`;
  const slot = new Slot(id, name, adapter.sharedMemory ? newGate() : undefined);
  try {
    const options: {
      name: string;
      id: number;
      resourceLimits?: ResourceLimits;
      maxTasks?: number;
    } = { name, id };
    if (init.resourceLimits) options.resourceLimits = init.resourceLimits;
    const max = init.maxTasks;
    if (max !== undefined && max !== Infinity) options.maxTasks = max;
    const handle = adapter.spawn(options, listen(slot));
    if (
      handle === null || typeof handle !== "object" ||
      typeof handle.post !== "function" ||
      typeof handle.terminate !== "function"
    ) {
      throw new TypeError(
        `adapter '${adapter.name}' spawn() must return a WorkerHandle { post(data, transfer), terminate() }: received ${
          handle === null ? "null" : typeof handle
        }${
          handle instanceof Promise
            ? " (a Promise: return the handle synchronously)"
            : handle && typeof handle === "object"
            ? ` with keys [${Object.keys(handle).join(", ")}]`
            : ""
        }`,
      );
    }
    slot.handle = handle;
    slot.unordered = adapter.unordered === true;
    handle.unref?.();
    const msg: InitMessage = {
      type: "init",
      id,
      name,
      initargs: init.initargs,
    };
    if (init.initializer) msg.initializer = init.initializer;
    if (slot.gate) msg.control = slot.gate;
    handle.post(msg);
    return slot;
  } catch (error) {
    slot.state = "dead";
    void slot.stop();
    throw error;
  }
}
