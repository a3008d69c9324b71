// This module is browser compatible.
/**
 * The check of the `transfer` option of `apply` and `apply_async`: an
 * array of objects that can be moved, at the call, so that a slip does not
 * surface at send time as the runtime's `DataCloneError` (or not at all).
 *
 * @module
 */

import type { TransferListItem } from "./types.ts";
import { received } from "./_option_names.ts";

/**
 * Checks the `transfer` option and returns it (undefined for none: it is
 * undefined or null).
 *
 * @param method `"apply"` or `"apply_async"`, for the errors.
 * @param transfer What the option holds.
 * @throws {TypeError} If it is not an array, or lists a primitive, a view
 *   (its buffer is what moves), a plain object or an array (the arguments
 *   listed instead of their buffers), or an ArrayBuffer already detached.
 */
export function checkTransfer(
  method: string,
  transfer: unknown,
): TransferListItem[] | undefined {
  if (transfer === undefined || transfer === null) return undefined;
  if (!Array.isArray(transfer)) {
    throw new TypeError(
      `Cannot call ${method}() as 'transfer' must be an array: received ${
        received(transfer)
      }`,
    );
  }
  for (const item of transfer) {
    if (typeof item !== "object" || item === null) {
      throw new TypeError(
        `Cannot call ${method}() as 'transfer' must list transferable objects (ArrayBuffers, MessagePorts, ...): received ${
          received(item)
        } in it`,
      );
    }
    if (ArrayBuffer.isView(item)) {
      throw new TypeError(
        `Cannot call ${method}() as 'transfer' lists a ${item.constructor.name}, which cannot be transferred: list its buffer (view.buffer) instead`,
      );
    }
    const proto = Object.getPrototypeOf(item);
    if (proto === Object.prototype || proto === null || Array.isArray(item)) {
      // A common slip: the arguments listed instead of their buffers.
      throw new TypeError(
        `Cannot call ${method}() as 'transfer' lists ${
          Array.isArray(item) ? "an array" : "a plain object"
        }, which cannot be transferred: list the ArrayBuffers (and MessagePorts, ...) inside the arguments, not the arguments themselves`,
      );
    }
    if (item instanceof ArrayBuffer && (item as Detachable).detached === true) {
      // Bun and Node would say only "DataCloneError" when sending it.
      throw new TypeError(
        `Cannot call ${method}() as 'transfer' lists a detached ArrayBuffer (moved by an earlier call or transfer): pass a new buffer or a copy`,
      );
    }
  }
  return transfer as TransferListItem[];
}

/** `ArrayBuffer.prototype.detached` (ES2024; every supported runtime). */
interface Detachable {
  detached?: boolean;
}
