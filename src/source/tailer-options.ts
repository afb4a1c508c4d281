/** How a Tailer follows the audit log. */
import type { SourcePosition } from './source.js'
import type { TailerLog } from './plan-report.js'

export interface TailerOptions {
  /** the live log, e.g. /var/log/audit/audit.log; rotated siblings are path.1, path.2 … */
  path: string
  /** a checkpoint, or (no checkpoint) offset 0 / the last line boundary of the live file */
  start: SourcePosition | 'beginning' | 'end'
  maxLineBytes: number
  chunkBytes: number
  pollIntervalMs: number
  log?: TailerLog
  /** false: no chokidar, the poll timer alone wakes the reader. Default true. */
  watch?: boolean
  /** a wake-up at the end of the file reads this much later, with what arrived meanwhile (default 0) */
  coalesceMs?: number
  /** how long a file left behind must stay unchanged at EOF before the next one is read. Default pollIntervalMs. */
  settleMs?: number
}
