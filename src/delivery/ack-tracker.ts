/**
 * Delivery tracking (docs/design.md §2): the checkpoint is the position of the oldest record
 * whose event is not yet delivered by every sink.
 *
 * MUST advance only after delivery and only in read order: an event is `open`ed with the
 * read-order number (seq) of its earliest record and the number of sinks; each sink
 * `settle`s it once (delivered, or dead-lettered); the low-water mark is the smallest seq
 * still open.
 * MUST NOT pass records still waiting in the reassembler: the low-water mark
 * (low-water-mark.ts) takes the earlier of oldest() and the reassembler's oldest record.
 * Settling is O(log n) (seq-heap.ts).
 */
import { SeqHeap } from './seq-heap.js'

export interface TrackedPosition {
  /** file generation (index into the low-water mark's file table) */
  gen: number
  /** byte offset of the record's line */
  offset: number
}

export interface Ticket extends TrackedPosition {
  seq: number
  /** when it was opened (ms since the epoch): how long it has waited for delivery */
  openedAt: number
  /** sinks that have not settled it yet */
  remaining: number
  /** sinks it is not sent to (bit i: sink i had it before a restart; sink-marks.ts); 0: none */
  skip: number
}

export class AckTracker {
  private readonly seqs = new SeqHeap()
  private readonly open = new Map<number, Ticket>()

  /** Events opened and not yet settled by every sink. */
  get pending (): number {
    return this.open.size
  }

  openEvent (seq: number, pos: TrackedPosition, sinks: number, openedAt = 0): Ticket {
    const t: Ticket = { seq, gen: pos.gen, offset: pos.offset, remaining: sinks, openedAt, skip: 0 }
    // two events can share an earliest seq only if one record were in both: never
    this.open.set(seq, t)
    this.seqs.add(seq)
    return t
  }

  /** One sink is done with the event (delivered or dead-lettered). True when all are. */
  settle (t: Ticket): boolean {
    if (t.remaining <= 0) return true
    t.remaining--
    if (t.remaining > 0) return false
    this.open.delete(t.seq)
    this.seqs.delete(t.seq)
    return true
  }

  /** The read-order numbers of the open events, ascending. */
  openSeqs (): number[] {
    return [...this.open.keys()].sort((a, b) => a - b)
  }

  /** The open event of read-order number `seq`. */
  get (seq: number): Ticket | undefined {
    return this.open.get(seq)
  }

  /** The oldest open event, or undefined. */
  oldest (): Ticket | undefined {
    const min = this.seqs.min()
    return min === undefined ? undefined : this.open.get(min)
  }
}
