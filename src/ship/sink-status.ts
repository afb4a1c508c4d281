/**
 * What one sink's sender chain has done, for metrics and readiness: totals, health and the
 * last error.
 *
 * MUST count as unhealthy a sink whose last UNHEALTHY_AFTER attempts in a row failed, or whose
 *      last attempt failed with an error of kind `blocked` (refused credentials, wrong
 *      settings: no retry fixes them); the first attempt that works makes it healthy again.
 */
import type { SinkError } from './sink.js'

/** Consecutive failed attempts after which the sink counts as unhealthy (readiness). */
export const UNHEALTHY_AFTER = 3

export interface SinkStats {
  /** deliveries (a batch, or the part of it that went through) */
  batches: number
  events: number
  /** failed attempts */
  failures: number
  failuresByCode: Map<string, number>
  /** resends scheduled after a failure */
  retries: number
  /** events handed back as refused for good or expired */
  rejected: number
}

export class SinkStatus {
  readonly stats: SinkStats = { batches: 0, events: 0, failures: 0, retries: 0, rejected: 0, failuresByCode: new Map<string, number>() }
  /** the last delivery error, for readiness and logs (cleared on success) */
  lastError: string | undefined
  private streak = 0
  private blocked = false

  /** Healthy: the last attempt worked, or it is retrying a transient failure within its budget. */
  get healthy (): boolean {
    return !this.blocked && this.streak < UNHEALTHY_AFTER
  }

  delivered (events: number): void {
    this.stats.batches++
    this.stats.events += events
  }

  rejected (events: number): void {
    this.stats.rejected += events
  }

  failed (e: SinkError): void {
    this.streak++
    this.blocked = e.kind === 'blocked'
    this.lastError = `${e.code}: ${e.message}`
    this.stats.failures++
    this.stats.failuresByCode.set(e.code, (this.stats.failuresByCode.get(e.code) ?? 0) + 1)
  }

  retrying (): void {
    this.stats.retries++
  }

  /** An attempt left nothing to retry. */
  succeeded (): void {
    this.streak = 0
    this.blocked = false
    this.lastError = undefined
  }
}
