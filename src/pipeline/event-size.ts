/**
 * The JSON bound on one event (correlate.max_event_bytes; docs/auditd-format.md §2.5).
 *
 * The reassembler keeps an event's records within the bound as read (correlate/bounded.ts);
 * the document can still be larger: decoded values appear in their record and in the fields
 * made from them (process.args, process.title …), and in event.original when it is on.
 * MUST ship no document over `maxBytes` of JSON, unless its first and last records alone are
 *      larger: such a document is measured, records are dropped from the middle of what was
 *      kept (the first and the last stay), and it is built again, until it fits.
 * SHOULD cost nothing for the usual event: one whose records take under 1/32 of the bound as
 *      read is not measured (a byte read appears in at most a few places of the document,
 *      each written in at most 6 bytes of JSON, as \u00XX).
 */
import { cutMiddle, recordBytes } from '../correlate/bounded.js'
import type { AuditEventRecords } from '../correlate/reassembler.js'
import type { AuditshipEvent } from '../event/types.js'

export interface Built {
  doc: AuditshipEvent
  /** the event as built: with fewer records when some had to go */
  ev: AuditEventRecords
}

export function buildWithin (ev: AuditEventRecords, maxBytes: number, build: (ev: AuditEventRecords) => AuditshipEvent): Built {
  let doc = build(ev)
  let raw = 0
  for (const r of ev.records) raw += recordBytes(r)
  if (raw * 32 <= maxBytes && ev.dropped === undefined) return { doc, ev }
  let size = Buffer.byteLength(JSON.stringify(doc))
  while (size > maxBytes && ev.records.length > 2) {
    const target = Math.floor(raw * (maxBytes / size) * 0.9)
    const cut = cutMiddle(ev.records, { maxRecords: ev.records.length, maxBytes: target })
    if (cut.droppedRecords === 0) break
    ev = {
      ...ev,
      records: cut.records,
      dropped: { records: (ev.dropped?.records ?? 0) + cut.droppedRecords, bytes: (ev.dropped?.bytes ?? 0) + cut.droppedBytes },
    }
    raw -= cut.droppedBytes
    doc = build(ev)
    size = Buffer.byteLength(JSON.stringify(doc))
  }
  return { doc, ev }
}
