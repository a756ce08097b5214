/**
 * Pure: what a requester does when every parent it tried for a range failed — shared by the
 * daemon's peer source (peer-source.ts) and the scale simulator (bench/p2p-sim), so both follow
 * one rule.
 *
 * - Some parent answered busy (503: it holds the chunks, its upload slots are full): the piece is
 *   in the swarm and a slot frees within one upload's time, so the requester waits and asks the
 *   scheduler again — without excluding the busy parents, which may be the only holders — instead
 *   of fetching a second copy from the origin. The first new resolve is at once (the scheduler
 *   then ranks those parents last and counts its first choices as load, so the answer moves on);
 *   later waits double from `busyRetryMinMs`, never longer than the server's Retry-After or
 *   `busyRetryMaxMs`; once the range has waited
 *   `busyWaitMs` in total (0: never wait) it goes to the origin, so a read never hangs on a
 *   swarm that stays busy.
 * - Otherwise (dead, refusing, slow or stale parents: faults, not load): one more resolve without
 *   the parents that failed, then the origin.
 *
 * Parents that failed for another reason than busy are excluded from every later resolve of the
 * range, in both cases.
 */

export interface BusyRetrySettings {
  /** Longest total wait of one range for busy parents before the origin (0: no wait, the origin at once). */
  busyWaitMs: number;
  /** First wait after an attempt whose parents were busy; doubles with each retry. */
  busyRetryMinMs: number;
  /** Longest single wait. */
  busyRetryMaxMs: number;
}

export const BUSY_RETRY_DEFAULTS: BusyRetrySettings = { busyWaitMs: 5_000, busyRetryMinMs: 100, busyRetryMaxMs: 1_000 };

/** What the range has been through so far (start with `newRetryState()`). */
export interface RetryState {
  /** Resolves after an attempt whose parents all failed for other reasons than busy. */
  faultRounds: number;
  /** Waits after busy parents, and their total. */
  busyRetries: number;
  waitedMs: number;
}

export function newRetryState(): RetryState {
  return { faultRounds: 0, busyRetries: 0, waitedMs: 0 };
}

/** How the parents of one attempt failed. */
export interface AttemptFailures {
  /** Parents that answered busy. */
  busy: number;
  /** Parents that failed otherwise (unreachable, refused, slow, not held, bad answer). */
  faults: number;
  /** The shortest Retry-After a busy parent sent (ms), if any. */
  retryAfterMs?: number;
}

export type NextStep =
  /** Wait `delayMs`, then resolve again (excluding only the faulty parents). */
  | { step: 'wait'; delayMs: number }
  /** Resolve again at once without the parents that failed. */
  | { step: 'resolve' }
  /** Give the range to the origin. */
  | { step: 'origin'; why: 'busy_wait_over' | 'faults' | 'no_parent' };

/** The next step after an attempt in which no parent served; `state` is not changed (see `advance`). */
export function afterParentsFailed(state: RetryState, attempt: AttemptFailures, s: BusyRetrySettings): NextStep {
  if (attempt.busy > 0) {
    // The first retry is at once: the scheduler's answer moves on (it counts each first choice
    // as an upload until the next heartbeat) and the busy parents are tried last (`busyLast`).
    // Every later wait is at least 1 ms, so the total bound ends the retries whatever the settings.
    const delayMs = state.busyRetries === 0
      ? 0
      : Math.max(1, Math.min(s.busyRetryMinMs * 2 ** Math.min(state.busyRetries - 1, 30), s.busyRetryMaxMs, attempt.retryAfterMs ?? Infinity));
    if (s.busyWaitMs > 0 && state.waitedMs + delayMs <= s.busyWaitMs) return { step: 'wait', delayMs };
    return { step: 'origin', why: 'busy_wait_over' };
  }
  if (attempt.faults === 0) return { step: 'origin', why: 'no_parent' };
  if (state.faultRounds < 1) return { step: 'resolve' };
  return { step: 'origin', why: 'faults' };
}

/** The state after taking `next`. */
export function advance(state: RetryState, next: NextStep): RetryState {
  if (next.step === 'wait') return { ...state, busyRetries: state.busyRetries + 1, waitedMs: state.waitedMs + next.delayMs };
  if (next.step === 'resolve') return { ...state, faultRounds: state.faultRounds + 1 };
  return state;
}

/** The parents of a new answer with those that answered busy before put last (in their order). */
export function busyLast<P extends { hostId: string }>(parents: readonly P[], busy: ReadonlySet<string>): P[] {
  if (busy.size === 0) return [...parents];
  return [...parents.filter((p) => !busy.has(p.hostId)), ...parents.filter((p) => busy.has(p.hostId))];
}
