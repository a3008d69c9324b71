// This module is browser compatible.
/**
 * A message of the pool the worker could not read (its `messageerror`: a
 * value nested too deeply for this runtime's copy): where its tasks were,
 * and what the worker says as it stops.
 *
 * @module
 */

import { taskCount } from "../core/_wire.ts";

/**
 * The ordinal of the first task of a message that could not be read, just
 * after the messages received before it: `ordinal`, the next one to take,
 * plus the tasks received and not taken (`inbox`, from `inboxPos` in its
 * first batch).
 *
 * @example Usage
 * ```ts
 * import { lostOrdinal } from "./_unread.ts";
 *
 * console.log(lostOrdinal([], 0, 7)); // 7
 * ```
 */
export function lostOrdinal(
  inbox: readonly unknown[][],
  inboxPos: number,
  ordinal: number,
): number {
  let waiting = -inboxPos;
  for (const batch of inbox) waiting += taskCount(batch);
  return ordinal + waiting;
}

/** The worker's last words for it: what the runtime said, if anything. */
export function unreadableHere(error: unknown): Error {
  return new Error(
    `a message of the pool could not be read in this worker (${
      error instanceof Error ? error.message : String(error)
    })`,
    { cause: error },
  );
}
