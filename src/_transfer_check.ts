// This module is browser compatible.
/**
 * The check of the `transfer` option of `apply` and `apply_async`: an
 * array of objects that can be moved, at the call, so that a slip does not
 * surface at send time as the runtime's `DataCloneError` (or not at all).
 *
 * @module
 */

import type { TransferListItem } from "./types.ts";
import { kindOf, received } from "./_option_names.ts";

/**
 * Checks the `transfer` option and returns it (undefined for none: it is
 * undefined or null).
 *
 * @param method `"apply"` or `"apply_async"`, for the errors.
 * @param transfer What the option holds.
 * @throws {TypeError} If it is not an array, or lists a primitive, a view
 *   (its buffer is what moves), a plain object or an array (the arguments
 *   listed instead of their buffers), a SharedArrayBuffer (shared, not
 *   moved), one object twice, or an ArrayBuffer already detached.
 */
export function checkTransfer(
  method: string,
  transfer: unknown,
): TransferListItem[] | undefined {
  if (transfer === undefined || transfer === null) return undefined;
  if (!Array.isArray(transfer)) {
    throw new TypeError(
      `Cannot call ${method}() as 'transfer' must be an array: received ${
        kindOf(transfer)
      }${listIt(transfer)}`,
    );
  }
  for (let i = 0; i < transfer.length; i++) {
    const item: unknown = transfer[i];
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
    if (
      typeof SharedArrayBuffer !== "undefined" &&
      item instanceof SharedArrayBuffer
    ) {
      // Refused when sent, with a message about the arguments.
      throw new TypeError(
        `Cannot call ${method}() as 'transfer' lists a SharedArrayBuffer (at index ${i}): a SharedArrayBuffer is shared, not moved: pass it in the arguments and leave it out of 'transfer'`,
      );
    }
    if (item instanceof ArrayBuffer && (item as Detachable).detached === true) {
      // Bun and Node would say only "DataCloneError" when sending it.
      throw new TypeError(
        `Cannot call ${method}() as 'transfer' lists a detached ArrayBuffer (moved by an earlier call or transfer): pass a new buffer or a copy`,
      );
    }
  }
  if (transfer.length > 1 && new Set(transfer).size !== transfer.length) {
    // Node, Bun and Deno would throw a DataCloneError when sending it.
    throw twice(method, transfer);
  }
  return transfer as TransferListItem[];
}

/** The error of a `transfer` list naming one object twice. */
function twice(method: string, transfer: unknown[]): TypeError {
  let i = 1;
  while (transfer.indexOf(transfer[i]) === i) i++;
  return new TypeError(
    `Cannot call ${method}() as 'transfer' lists the same ${
      kindOf(transfer[i]).replace(/^an? /, "")
    } twice (at index ${
      transfer.indexOf(transfer[i])
    } and ${i}): list each once`,
  );
}

/** `ArrayBuffer.prototype.detached` (ES2024; every supported runtime). */
interface Detachable {
  detached?: boolean;
}

/**
 * The fix for a `transfer` that is not an array: one transferable listed
 * (`[buf]`; a view's `[view.buffer]`), a collection's items in an array.
 */
function listIt(transfer: unknown): string {
  if (typeof transfer !== "object" || transfer === null) {
    return "; list what to move in an array: transfer: [buf]";
  }
  if (ArrayBuffer.isView(transfer)) {
    return "; list its buffer: transfer: [view.buffer]";
  }
  if (transfer instanceof Map) {
    return "; list its values in an array: transfer: [...map.values()]";
  }
  if (Symbol.iterator in transfer) {
    return "; list its items in an array: transfer: [...items]";
  }
  const proto = Object.getPrototypeOf(transfer);
  return proto === Object.prototype || proto === null
    ? "; list the ArrayBuffers (and MessagePorts, ...) to move in an array: transfer: [buf]"
    : "; list it: transfer: [buf]";
}
