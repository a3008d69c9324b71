// Task module for examples/module_task.ts. The worker imports this module,
// so it can import libraries (node:crypto, a local helper) and keep module
// state, which a function sent by source cannot.

import { createHash } from "node:crypto";
import { currentProcess } from "../../mod.ts";
import { normalize } from "./normalize.ts";

/** Number of texts this worker hashed so far: module state, one per worker. */
let count = 0;

/** SHA-256 of the normalized text, with the worker that computed it. */
export function sha256(text: string): {
  text: string;
  digest: string;
  worker: string;
  nth: number;
} {
  count++;
  const digest = createHash("sha256").update(normalize(text)).digest("hex");
  return { text, digest, worker: currentProcess().name, nth: count };
}

/** Default export: the digest alone. */
export default function digest(text: string): string {
  return createHash("sha256").update(normalize(text)).digest("hex");
}
