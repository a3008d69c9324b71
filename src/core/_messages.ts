// This module is browser compatible.
/**
 * The engine's error messages, in one place.
 *
 * @module
 */

import type { WorkerExit } from "./adapter.ts";
import { fromRecord } from "./_error_record.ts";
import type { ErrorRecord } from "./_wire.ts";
import { WorkerLostError } from "./errors.ts";

/** What every unfinished task rejects with after `terminate()`. */
export function abortError(): DOMException {
  return new DOMException(
    "Pool terminated before this task finished: terminate() stops workers and rejects unfinished work",
    "AbortError",
  );
}

/** The message of `error`, or the thrown value as text. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `text` to go on inside a sentence (before `; ...`): without one trailing
 * period, so that a runtime's message that ends in one (Bun: "Maximum call
 * stack size exceeded.") does not read ".; ".
 */
export function clause(text: string): string {
  return text.endsWith(".") ? text.slice(0, -1) : text;
}

/** {@linkcode errorText} as a {@linkcode clause}. */
export function clauseText(error: unknown): string {
  return clause(errorText(error));
}

/** ` (exit code 1: reason)`, or nothing when nothing is known. */
export function exitDetail(info: WorkerExit): string {
  const parts: string[] = [];
  if (info.code !== undefined) parts.push(`exit code ${info.code}`);
  if (info.error !== undefined) parts.push(errorText(info.error));
  return parts.length > 0 ? ` (${parts.join(": ")})` : "";
}

/**
 * The cause of a worker's stop when a message from it could not be read
 * on the pool's thread (`WorkerEvents.messageError`): what it held (a
 * result, a `reportProgress` value) is lost with it.
 */
export class UnreadableMessage extends Error {}

/** The {@linkcode UnreadableMessage} of worker `name`, from the runtime's `error`. */
export function unreadableMessage(
  name: string,
  error: unknown,
): UnreadableMessage {
  return new UnreadableMessage(
    `a message from worker '${name}' could not be read on the pool's thread (${
      errorText(error)
    }): a result or reportProgress value nested too deeply (a few thousand levels, on some runtimes) is lost with it; return flatter data`,
    { cause: error },
  );
}

/** What breaks the pool when the initializer threw in worker `name`. */
export function initializerError(name: string, record: ErrorRecord): Error {
  return new Error(
    `Pool initializer failed in worker '${name}': ${record.name}: ${
      clause(record.message)
    }; no task can run, fix the initializer and create a new pool`,
    { cause: fromRecord(record) },
  );
}

/**
 * How a start failure that breaks the pool ends its message: the failed
 * starts in a row (`tries`, over `ms`) when replacements were tried again,
 * that the pool is broken, and the fix.
 */
function brokenStart(tries: number, ms: number): string {
  return `${
    tries > 1
      ? `; ${tries} starts in a row failed over ${(ms / 1000).toFixed(1)} s`
      : ""
  }; the pool is broken: every pending and later task rejects with this error. Fix what keeps workers from starting (the adapter's spawn(), the worker script, too many threads, too little memory) and create a new pool`;
}

/**
 * What breaks the pool when `what` (workers, or one worker) cannot start;
 * `tries` and `ms` as for a replacement tried again (see `Workers`).
 */
export function startError(
  what: string,
  error: unknown,
  tries = 1,
  ms = 0,
): Error {
  return new Error(
    (what === "workers"
      ? `Cannot start workers as the adapter failed to load: ${
        clause(String(error))
      }`
      : `Cannot start ${what}: ${clauseText(error)}`) + brokenStart(tries, ms),
    { cause: error },
  );
}

/**
 * What breaks the pool when worker `name` died before it was ready;
 * `tries` and `ms` as for {@linkcode startError}.
 */
export function startupDeath(
  name: string,
  info: WorkerExit,
  tries = 1,
  ms = 0,
): WorkerLostError {
  return new WorkerLostError(
    `Cannot start worker '${name}' as it exited during start-up${
      exitDetail(info)
    }${brokenStart(tries, ms)}`,
    { cause: info.error, workerName: name, exitCode: info.code },
  );
}
