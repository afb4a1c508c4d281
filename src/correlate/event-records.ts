/**
 * What the reassembler hands out for each event (reassembler.ts): its identity, the records
 * kept, how it was closed, what the event bound dropped, and where its last record was read.
 */
import type { AuditRecord } from '../parse/record.js'

export type CloseReason = 'eoe' | 'last-record' | 'timeout' | 'evicted' | 'end'

/** Where a record was read: read-order number, file generation, byte offset. */
export interface RecordPosition {
  seq: number
  gen: number
  offset: number
}

export interface AuditEventRecords {
  readonly key: string
  readonly node: string | undefined
  readonly sec: number
  readonly ms: number
  readonly serial: number
  /** the records kept, in the order read; EOE is not among them */
  readonly records: AuditRecord[]
  /** closed by its completion signal (EOE, PROCTITLE, a single-record type) */
  complete: boolean
  reason: CloseReason
  /** records (and their bytes, as read) dropped from the middle by the event bound */
  dropped?: { records: number, bytes: number }
  /** the event's last record as read (its EOE, or a dropped record, included) */
  readonly last: RecordPosition
  /** another event began after this one's first record and before its last */
  readonly overlapped: boolean
}
