/**
 * The records of one event, bounded (docs/auditd-format.md §2.5): beyond `maxRecords` records
 * or `maxBytes` bytes, records are dropped from the middle as they arrive, keeping the first
 * and the last ones — for an execve with a huge argv, the SYSCALL and the first arguments,
 * and the last arguments with CWD, PATH and PROCTITLE (laurel cuts argv in the middle too;
 * docs/auditd-format.md §2.5).
 *
 * MUST hold at most `maxRecords` records and about `maxBytes` bytes whatever the event's size
 *      (a record is measured by recordBytes(), about its line's length): an event of 100,000
 *      records is never held whole.
 * MUST count what it dropped (records and bytes); the order of what it keeps is the order read.
 * The head takes records until the next one would take it past half of either budget; after
 * that every record goes to the tail, which keeps the latest records within what the head left
 * of both budgets and drops its oldest beyond. The first record and the latest are always kept.
 */
import type { AuditRecord } from '../parse/record.js'

export interface EventBound {
  maxRecords: number
  maxBytes: number
}

/** About the length of the record's line: its body and header. */
export function recordBytes (r: AuditRecord): number {
  return r.body.length + r.type.length + (r.node === undefined ? 0 : r.node.length + 6) + 40
}

export class BoundedRecords {
  readonly head: AuditRecord[] = []
  private tail: AuditRecord[] | undefined = undefined
  /** index of the first live record in `tail` (dropped ones are cleared) */
  private tailStart = 0
  private headBytes = 0
  private tailBytes = 0
  private headOpen = true
  /** records and bytes dropped from the middle */
  droppedRecords = 0
  droppedBytes = 0

  constructor (private readonly bound: EventBound) {}

  /** Records held now. */
  get count (): number {
    return this.head.length + (this.tail === undefined ? 0 : this.tail.length - this.tailStart)
  }

  /** Bytes held now (recordBytes of each). */
  get bytes (): number {
    return this.headBytes + this.tailBytes
  }

  /** The first record (never dropped). */
  get first (): AuditRecord {
    return this.head[0]
  }

  push (r: AuditRecord): void {
    const size = recordBytes(r)
    const { maxRecords, maxBytes } = this.bound
    if (this.headOpen) {
      if (this.head.length === 0 || (this.head.length + 1 <= Math.ceil(maxRecords / 2) && this.headBytes + size <= maxBytes / 2)) {
        this.head.push(r)
        this.headBytes += size
        return
      }
      this.headOpen = false
    }
    const tail = (this.tail ??= [])
    tail.push(r)
    this.tailBytes += size
    const roomRecords = Math.max(1, maxRecords - this.head.length)
    const roomBytes = maxBytes - this.headBytes
    while (tail.length - this.tailStart > 1 && (tail.length - this.tailStart > roomRecords || this.tailBytes > roomBytes)) {
      const old = tail[this.tailStart]
      tail[this.tailStart++] = undefined as unknown as AuditRecord
      const b = recordBytes(old)
      this.tailBytes -= b
      this.droppedRecords++
      this.droppedBytes += b
    }
    if (this.tailStart > 64 && this.tailStart * 2 > tail.length) {
      this.tail = tail.slice(this.tailStart)
      this.tailStart = 0
    }
  }

  /** What is kept, in the order read. */
  records (): AuditRecord[] {
    const tail = this.tail
    if (tail === undefined || tail.length === this.tailStart) return this.head
    return this.head.concat(this.tailStart === 0 ? tail : tail.slice(this.tailStart))
  }
}

/** `records` cut to `bound` the same way (keeping the first and the last): what is kept and what went. */
export function cutMiddle (records: readonly AuditRecord[], bound: EventBound): { records: AuditRecord[], droppedRecords: number, droppedBytes: number } {
  const b = new BoundedRecords(bound)
  for (const r of records) b.push(r)
  return { records: b.records(), droppedRecords: b.droppedRecords, droppedBytes: b.droppedBytes }
}
