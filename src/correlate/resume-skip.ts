/**
 * After a restart: the records, read again, of events delivered before it (docs/design.md §2.7).
 *
 * Reading resumes at the checkpoint, the first record of the oldest event not yet delivered.
 * Every event whose first record lies before that point was delivered or dead-lettered (the
 * checkpoint never passes one that was not), but its later records may lie after it, among the
 * records of the undelivered events. The checkpoint lists those events with the position of
 * their last record: the file, counted from the checkpoint's (0: the same file, 1: the next one
 * read, …; a file generation of this run, since the first file read is the checkpoint's), and
 * the byte offset. Their records are recognised here and left out, so that the tail of an
 * event already delivered never comes out as an event of its own.
 *
 * MUST leave out a record only when its event is listed and the record lies at or before the
 *      listed last record; a record of the same event after that is new (auparse's timeout rule
 *      splits an event in two) and is passed on.
 * An entry is done when its last record is read (`seen` gets its read-order number) or a later
 * record of its event passes it (`passed`).
 */
import type { AuditRecord } from '../parse/record.js'

/** An event delivered before the checkpoint and its last record after it (the checkpoint's `skip`). */
export interface SkipEntry {
  /** the event's key: `[node ]SEC.MS:SERIAL` */
  event: string
  /** the file of its last record, counted from the checkpoint's */
  file: number
  /** the byte offset of its last record in that file */
  offset: number
}

export interface ResumeSkipEvents {
  /** the last record of `e` was read (and left out) as record number `seq` */
  seen (e: SkipEntry, seq: number): void
  /** a later record of `e`'s event was read: nothing more of it to leave out */
  passed (e: SkipEntry): void
}

export class ResumeSkip {
  private readonly entries = new Map<string, SkipEntry>()

  constructor (entries: readonly SkipEntry[], private readonly on: ResumeSkipEvents) {
    for (const e of entries) this.entries.set(e.event, e)
  }

  /** Entries whose last record has not been read yet. */
  get waiting (): number {
    return this.entries.size
  }

  /** True when `rec` is a record of a delivered event, to leave out. */
  take (rec: AuditRecord): boolean {
    if (this.entries.size === 0) return false
    const e = this.entries.get(rec.key)
    if (e === undefined) return false
    if (rec.gen < e.file || (rec.gen === e.file && rec.offset < e.offset)) return true
    this.entries.delete(rec.key)
    if (rec.gen === e.file && rec.offset === e.offset) {
      this.on.seen(e, rec.seq)
      return true
    }
    this.on.passed(e)
    return false
  }
}
