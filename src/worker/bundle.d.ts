/**
 * The worker entry of `@x/pool` (`bundle.js`, generated from `entry.ts` by
 * `scripts/bundle_worker.mjs`). Pools start it themselves; it exports
 * nothing.
 *
 * @module
 */
export {};
