// This module is browser compatible.
/**
 * What the library needs of the JavaScript runtime, checked by feature
 * (never by runtime name) when a pool is created: an older runtime gets one
 * message naming the supported versions instead of a `TypeError` from deep
 * inside (Node 20: "Promise.withResolvers is not a function").
 *
 * @module
 */

/** The runtimes the library supports, for messages and docs. */
export const SUPPORTED_RUNTIMES =
  "Node 22.3 or later, or a current Deno, Bun or browser (tested: Node 22 and 24, Deno 2.9, Bun 1.4, Chromium)";

/** The features a pool uses that older runtimes lack. */
const NEEDED: readonly [string, () => boolean][] = [
  [
    "Promise.withResolvers (ES2024)",
    () =>
      typeof (Promise as { withResolvers?: unknown }).withResolvers ===
        "function",
  ],
  ["structuredClone", () => typeof globalThis.structuredClone === "function"],
];

/**
 * Throws when this runtime lacks something the pool needs.
 *
 * @throws {Error} Naming what is missing and the supported runtimes.
 */
export function checkFeatures(): void {
  const missing = NEEDED.filter(([, has]) => !has()).map(([name]) => name);
  if (missing.length === 0) return;
  throw new Error(
    `Cannot create pool as this JavaScript runtime lacks ${
      missing.join(" and ")
    }: @x/pool needs ${SUPPORTED_RUNTIMES}; Node 20 and older are not supported (Node 20 reached its end of life in April 2026)`,
  );
}
