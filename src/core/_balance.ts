// This module is browser compatible.
/**
 * The balancer: pure functions that decide which workers get how many
 * queued tasks, and which busy worker to take unstarted tasks back from.
 * No workers, no clocks: the engine measures, these decide.
 *
 * @module
 */

/** A worker slot as the planner sees it. */
export interface SlotLoad {
  /** Tasks sent and unanswered. */
  inflight: number;
  /** How many more it may take now (window and `maxtasksperchild` left). */
  room: number;
}

/** One worker's share of a dispatch. */
export interface Share {
  /** Index of the worker in the list given to {@linkcode planDispatch}. */
  slot: number;
  /** How many tasks it gets. */
  count: number;
}

/**
 * Plans a dispatch of `queued` tasks: workers with room, least loaded
 * first, each get an even part of what is left (at most their room). The
 * engine sends the shares round-robin in bounded messages, in this order.
 */
export function planDispatch(
  queued: number,
  loads: readonly SlotLoad[],
): Share[] {
  const shares: Share[] = [];
  for (let i = 0; i < loads.length; i++) {
    if (loads[i].room > 0) shares.push({ slot: i, count: loads[i].room });
  }
  shares.sort((a, b) => loads[a.slot].inflight - loads[b.slot].inflight);
  let left = shares.length;
  let unassigned = queued;
  for (const share of shares) {
    share.count = Math.min(share.count, Math.ceil(unassigned / left--));
    unassigned -= share.count;
  }
  return shares.filter((s) => s.count > 0);
}

/** A busy worker as the stealer sees it. */
export interface StealCandidate {
  /** Tasks it was sent and has not started. */
  unstarted: number;
  /** Milliseconds since it last answered or started work. */
  silentMs: number;
}

/** What {@linkcode pickVictim} decided. */
export interface StealPlan {
  /** Index of the worker to take tasks back from; -1 for none now. */
  victim: number;
  /** When no victim: look again in this many ms (`Infinity`: no need). */
  waitMs: number;
}

/**
 * Picks the worker to take unstarted tasks back from: among those silent
 * for `afterMs` or more, the one with the most unstarted tasks. Otherwise
 * says when the first one will have been silent long enough.
 */
export function pickVictim(
  candidates: readonly StealCandidate[],
  afterMs: number,
): StealPlan {
  let victim = -1;
  let most = 0;
  let waitMs = Infinity;
  for (let i = 0; i < candidates.length; i++) {
    const { unstarted, silentMs } = candidates[i];
    if (unstarted <= 0) continue;
    const due = afterMs - silentMs;
    if (due > 0) waitMs = Math.min(waitMs, due);
    else if (unstarted > most) {
      most = unstarted;
      victim = i;
    }
  }
  return victim >= 0 ? { victim, waitMs: Infinity } : { victim, waitMs };
}
