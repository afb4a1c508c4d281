/**
 * The rules of /readyz, one function each: given what the daemon knows now, is this part
 * ready, and if not, why, in words and human units (`12 MiB behind for 3 min 20 s`).
 *
 * - source: the audit log exists and can be read. While no file is open (waiting for the log
 *   to appear, or it cannot be opened) nothing ships: not ready at once. While a file is held
 *   open and the live path is gone, the held file is still drained: not ready once that has
 *   lasted SOURCE_GRACE_MS (a rotation leaves the path empty for an instant).
 * - checkpoint: saves have failed for 3 intervals or more (a restart would send again
 *   everything delivered since the last save).
 * - lag: delivery lag, never wall clock minus log time: not ready when the oldest event read
 *   and not yet delivered has waited longer than `server.max_lag_secs`. A backfill of an old
 *   log that keeps delivering is ready.
 * - loss: always ok (a loss upstream is not a reason to stop shipping what arrives), with a
 *   detail once the log showed records lost before they reached it (docs/design.md §3.6).
 * The state dir's check is in status.ts (it asks the file system).
 */
import type { ReadinessCheck } from '../server/types.generated.js'
import type { SourceStatus } from '../source/source.js'
import type { Lag } from '../delivery/low-water-mark.js'
import { bytesText, durationText } from '../telemetry/units.js'

export type { ReadinessCheck }

/** How long the live path may be missing while a held file is drained before it counts. */
export const SOURCE_GRACE_MS = 5000

/** Failing saves for this many checkpoint intervals make the daemon not ready. */
export const CHECKPOINT_FAILING_INTERVALS = 3

const OK: ReadinessCheck = { ok: true }

/** `s`: undefined before the source is open; `status` absent for a source that has none (stdin). */
export function sourceCheck (opened: boolean, s: SourceStatus | undefined, nowMs: number): ReadinessCheck {
  if (!opened) return { ok: false, detail: 'starting: the source is not open yet' }
  const p = s?.problem
  if (s === undefined || p === undefined) return OK
  const waited = nowMs - p.since
  const dur = durationText(waited / 1000)
  if (p.kind === 'unreadable') return { ok: false, detail: `cannot read the audit log ${p.path} (for ${dur}): ${p.error ?? 'unknown error'}; nothing is read until it can be` }
  if (!s.reading) return { ok: false, detail: `the audit log ${p.path} does not exist (for ${dur}): nothing to read until it appears` }
  if (waited < SOURCE_GRACE_MS) return OK
  return { ok: false, detail: `the audit log ${p.path} is gone (for ${dur}): the file held open is read to its end, and no new one has appeared` }
}

export interface CheckpointFailing {
  /** when saves started failing (ms since the epoch), undefined while they work */
  failingSince: number | undefined
  lastError: string | undefined
}

export function checkpointCheck (c: CheckpointFailing, intervalMs: number, nowMs: number): ReadinessCheck {
  if (c.failingSince === undefined) return OK
  const failing = nowMs - c.failingSince
  if (failing < CHECKPOINT_FAILING_INTERVALS * intervalMs) return OK
  return { ok: false, detail: `cannot save the checkpoint for ${durationText(failing / 1000)} (checkpoint.interval_ms ${intervalMs}): ${c.lastError ?? 'unknown error'}; a restart would send again what was delivered since the last save` }
}

/** `bytesBehind`: from the delivered position to the end of what the files hold (read or not). */
export function lagCheck (lag: Lag, bytesBehind: number, maxLagSecs: number): ReadinessCheck {
  if (lag.seconds <= maxLagSecs) return OK
  return { ok: false, detail: `${bytesText(bytesBehind)} behind for ${durationText(lag.seconds)}: the oldest event read and not yet delivered has waited longer than server.max_lag_secs (${maxLagSecs} s)` }
}

/** What the log showed of records lost before they reached it (enrich/loss.ts, enrich/serial-gaps.ts). */
export interface LossSummary {
  kernelLost: number
  messages: ReadonlyMap<string, number>
  serialGaps: number
  missingSerials: number
}

export function lossCheck (l: LossSummary): ReadinessCheck {
  const parts: string[] = []
  if (l.kernelLost > 0) parts.push(`the kernel reported ${l.kernelLost} audit records lost (audit_lost)`)
  for (const [kind, n] of l.messages) parts.push(`${n} × ${kind}`)
  if (l.serialGaps > 0) parts.push(`${l.serialGaps} serial gaps, ${l.missingSerials} serials missing (records that never reached the log)`)
  return parts.length === 0 ? OK : { ok: true, detail: `since start: ${parts.join('; ')}` }
}
