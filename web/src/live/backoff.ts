// Reconnect delays: exponential backoff with "equal jitter". Attempt n (0-based) waits between half
// and all of min(max, base × 2^n), so a server restart does not get every tab back at the same
// instant (jitter), and no retry waits 0 ms (the half that is kept).

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 30_000 };

/** The ceiling of attempt `attempt` (0-based): base × 2^attempt, capped at max. */
export function backoffCeiling(attempt: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30); // 2^30 × base is past any cap
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent);
}

/** The delay before attempt `attempt`: uniform in [ceiling / 2, ceiling]; `random` is in [0, 1). */
export function backoffDelay(
  attempt: number,
  backoff: Backoff = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeiling(attempt, backoff);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
