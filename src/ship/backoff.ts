/**
 * The one backoff policy of the send path, as pure functions.
 *
 * MUST grow exponentially from `initialMs`, doubling per failure, capped at `maxMs`.
 * MUST wait a random time in [0, that bound) between attempts (full jitter: senders that
 *      failed together do not come back together).
 * MUST wait at least the peer's Retry-After, but never longer than RETRY_AFTER_CAP_MS.
 * The same exponential bound (without jitter) is how long an HTTP endpoint that failed is
 * skipped (http/endpoints.ts).
 */

export interface BackoffPolicy {
  initialMs: number
  maxMs: number
}

/** The longest wait a Retry-After may ask for. */
export const RETRY_AFTER_CAP_MS = 5 * 60_000

/** The bound after the `failures`-th failure in a row (1, 2, …): initial·2^(failures−1), at most max. */
export function exponentialMs (failures: number, p: BackoffPolicy): number {
  return Math.min(p.maxMs, p.initialMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30))
}

/**
 * How long to wait before the next attempt after the `failures`-th failure in a row: full
 * jitter under the exponential bound, raised to the peer's Retry-After (capped).
 * `random` returns a number in [0, 1).
 */
export function retryDelayMs (failures: number, p: BackoffPolicy, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const wait = random() * exponentialMs(failures, p)
  return retryAfterMs === undefined ? wait : Math.min(RETRY_AFTER_CAP_MS, Math.max(wait, retryAfterMs))
}
