/**
 * Losses the log itself reports (docs/design.md §3.6), beside the serial gaps (serial-gaps.ts).
 *
 * - The kernel's `audit_lost=N` (printed with "audit: backlog limit exceeded" when the backlog
 *   overflows; a running total per boot): what it grew by is added to `kernelLost`; a smaller
 *   value is a new boot's total, added whole.
 * - "backlog limit exceeded" / "rate limit exceeded" lines, and auditd's DAEMON_ERR and
 *   DAEMON_ABORT records: counted by kind in `messages`.
 * These lines are not audit records: they also go to the dead-letter file as parse errors (the
 * pipeline's lineError); this only reads them. Only the error path calls line(), so the hot path
 * pays nothing.
 */

export interface LossStats {
  /** records the kernel reported lost (audit_lost=) */
  kernelLost: number
  /** loss messages by kind: backlog_limit_exceeded, rate_limit_exceeded, DAEMON_ERR, DAEMON_ABORT */
  readonly messages: Map<string, number>
}

const LOST = /\baudit_lost=(\d+)/

export class LossCounter {
  readonly stats: LossStats = { kernelLost: 0, messages: new Map() }
  private lastLost: number | undefined

  /** A line that is not an audit record. */
  line (line: string): void {
    if (line.includes('backlog limit exceeded')) this.message('backlog_limit_exceeded')
    if (line.includes('rate limit exceeded')) this.message('rate_limit_exceeded')
    const m = LOST.exec(line)
    if (m === null) return
    const n = Number(m[1])
    const last = this.lastLost
    this.lastLost = n
    this.stats.kernelLost += last === undefined || n < last ? n : n - last
  }

  /** An event's record types: auditd's own error records. */
  recordType (type: string): void {
    if (type === 'DAEMON_ERR' || type === 'DAEMON_ABORT') this.message(type)
  }

  private message (kind: string): void {
    this.stats.messages.set(kind, (this.stats.messages.get(kind) ?? 0) + 1)
  }
}
