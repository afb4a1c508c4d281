/**
 * The delivered events whose records continue past the checkpoint (docs/design.md §2.7): the
 * checkpoint's `skip` list, which src/correlate/resume-skip.ts reads back after a restart.
 *
 * MUST list, for a checkpoint at record M, every finished event (delivered or dead-lettered)
 *      whose first record was read before M and whose last record after it, with the position
 *      of that last record: the file counted from M's, and the offset. Such an event was open
 *      when M was read, so the list is at most the events in flight.
 * MUST stay bounded while the checkpoint is held back (a sink retrying one event while the
 *      rest flows): an event is kept only while it can still span a checkpoint — its last
 *      record lies after the mark and some event not yet settled began among its records.
 *      An event among whose records no other event began is never kept.
 * Entries carried from the checkpoint this run started at stay listed until their last record
 *      is read, then as events of this run; one whose last record never came is dropped once
 *      reading has passed its file.
 */
import type { Checkpoint } from './checkpoint.generated.js'

export type SkipEntry = NonNullable<Checkpoint['skip']>[number]

interface Tail {
  readonly event: string
  /** read-order numbers of its first and last record (carried: 0, and Infinity until read) */
  readonly first: number
  last: number
  /** file generation and byte offset of its last record */
  readonly gen: number
  readonly offset: number
}

/** Where the checkpoint is taken: the mark's read-order number and file generation. */
export interface TailMark {
  seq: number
  gen: number
}

/** A finished event as the list needs it. */
export interface FinishedSpan {
  key: string
  firstSeq: number
  last: { seq: number, gen: number, offset: number }
  /** another event began among its records (else it can never span a checkpoint) */
  overlapped: boolean
}

export class DeliveredTails {
  private tails: Tail[] = []

  /** Events held now (for tests and status). */
  get size (): number {
    return this.tails.length
  }

  /** An event was finished (handed to the sinks or dead-lettered). */
  add (ev: FinishedSpan): void {
    if (!ev.overlapped) return
    this.tails.push({ event: ev.key, first: ev.firstSeq, last: ev.last.seq, gen: ev.last.gen, offset: ev.last.offset })
  }

  /** The list the run started from; read-order numbers of this run start at 1, so theirs come first. */
  carry (entries: readonly SkipEntry[]): void {
    for (const e of entries) this.tails.push({ event: e.event, first: 0, last: Infinity, gen: e.file, offset: e.offset })
  }

  /** A carried entry's last record was read, as record `seq`. */
  seen (e: SkipEntry, seq: number): void {
    const t = this.tails.find((x) => x.last === Infinity && x.event === e.event)
    if (t !== undefined) t.last = seq
  }

  /** A carried entry's event was passed without its last record: nothing of it lies ahead. */
  passed (e: SkipEntry): void {
    this.tails = this.tails.filter((x) => !(x.last === Infinity && x.event === e.event))
  }

  /**
   * The list for a checkpoint at `mark`; `unsettled`: the first records' read-order numbers of
   * the events not settled yet (held or waiting for a sink), ascending. Forgets what no later
   * checkpoint can need.
   */
  at (mark: TailMark, unsettled: readonly number[]): SkipEntry[] {
    const out: SkipEntry[] = []
    const keep: Tail[] = []
    for (const t of this.tails) {
      if (t.last <= mark.seq) continue
      if (t.first < mark.seq) {
        // spans the mark; a carried one whose file reading has left without its last record is gone
        if (t.gen < mark.gen) continue
        out.push({ event: t.event, file: t.gen - mark.gen, offset: t.offset })
        keep.push(t)
      } else if (beganWithin(unsettled, t.first, t.last)) {
        keep.push(t)
      }
    }
    this.tails = keep
    return out
  }

  clear (): void {
    this.tails = []
  }
}

/** True when some value of `sorted` (ascending) lies strictly between `a` and `b`. */
function beganWithin (sorted: readonly number[], a: number, b: number): boolean {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] <= a) lo = mid + 1
    else hi = mid
  }
  return lo < sorted.length && sorted[lo] < b
}
