/**
 * Values as bytes between a caller and hosts on any runtime: CBOR through
 * cbor-x with its structured-clone extensions (cycles and shared references,
 * `undefined`, `BigInt`, `Date`, `RegExp`, `Map`, `Set`, every typed array),
 * plus two tags of ours for what cbor-x leaves out (`ArrayBuffer` itself and
 * `DataView`), and every number as a float64 so that `-0` survives. The
 * pure-JavaScript build of cbor-x is used (its native addon crashes Deno and
 * Bun); the bytes are the same on Deno, Bun and Node.
 *
 * @module
 */

import { addExtension, Encoder } from "cbor-x/encode";

/** Tag for an `ArrayBuffer` (cbor-x alone decodes one as a `Uint8Array`). */
const TAG_ARRAY_BUFFER = 0x78700001;
/** Tag for a `DataView` (cbor-x alone writes its bytes only). */
const TAG_DATA_VIEW = 0x78700002;

let extended = false;

function extend(): void {
  if (extended) return;
  extended = true;
  addExtension({
    Class: ArrayBuffer,
    tag: TAG_ARRAY_BUFFER,
    encode: (buffer: ArrayBuffer, encode: (v: unknown) => Uint8Array) =>
      encode(new Uint8Array(buffer)),
    decode: (bytes: Uint8Array) => copy(bytes).buffer,
  });
  addExtension({
    Class: DataView,
    tag: TAG_DATA_VIEW,
    encode: (view: DataView, encode: (v: unknown) => Uint8Array) =>
      encode(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)),
    decode: (bytes: Uint8Array) => new DataView(copy(bytes).buffer),
  });
}

/** A fresh `Uint8Array` (not a Node `Buffer` view of a pooled buffer). */
function copy(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

let codec: Encoder | undefined;

function get(): Encoder {
  if (codec !== undefined) return codec;
  extend();
  return codec = new Encoder(
    {
      structuredClone: true,
      alwaysUseFloat: true,
      tagUint8Array: true,
      // Decoded typed arrays get buffers of their own, not views into the
      // message.
      copyBuffers: true,
      useRecords: false,
    } as ConstructorParameters<typeof Encoder>[0],
  );
}

/**
 * Encodes `value` to bytes: anything structured clone copies, but errors
 * keep only their name and message, holes of sparse arrays arrive as
 * `undefined`, and a typed array arrives with a buffer of its own size.
 *
 * @throws {Error} For a value that cannot be carried (a function, a symbol).
 */
export function pack(value: unknown): Uint8Array {
  return get().encode(value);
}

/** Decodes bytes made by {@linkcode pack} (on any runtime). */
export function unpack(bytes: Uint8Array): unknown {
  return get().decode(bytes);
}
