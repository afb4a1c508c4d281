/**
 * One low-water mark per sink (docs/design.md §2.8): the checkpoint's `sinks`, so that after a
 * restart each sink resumes from its own position, not from the slowest sink's.
 *
 * MUST give, for each sink, a position before which every event was settled by that sink
 *      (delivered or dead-lettered): the earliest of its unsettled events and the records still
 *      being assembled, or where reading stands; never before the floor it resumed from.
 * MUST leave an event out for a sink (needs() false) only when its first record lies before
 *      that sink's floor: the sink settled it in an earlier run. Reading starts at the lowest
 *      position (the checkpoint's `position`); the others are floors.
 * Positions are (file generation, offset) pairs of this run: generation 0 is the file of the
 * checkpoint's position, the first read; a saved position names its file counted from the
 * checkpoint's (0: that file, 1: the next one read …), as the `skip` list does.
 * Settling is O(log n): a min-heap of open read-order numbers per sink, with lazy deletion.
 */
import { SeqHeap } from './seq-heap.js'

/** A place in the log as this run numbers files. */
export interface GenPosition {
  gen: number
  offset: number
}

/** Sinks beyond this many are never left out of an event (the skip set is a bit mask). */
export const MAX_SKIPPABLE_SINKS = 31

export function before (a: GenPosition, b: GenPosition): boolean {
  return a.gen < b.gen || (a.gen === b.gen && a.offset < b.offset)
}

export class SinkMarks {
  private readonly heaps: SeqHeap[]
  /** where each sink resumed (undefined: from the checkpoint's position); dropped once passed */
  private floors: Array<GenPosition | undefined> | undefined

  constructor (readonly sinks: number) {
    this.heaps = Array.from({ length: sinks }, () => new SeqHeap())
  }

  /** At start: the sinks' saved positions (their files counted from the checkpoint's, i.e. generations of this run). */
  resumeFrom (floors: Array<GenPosition | undefined>): void {
    this.floors = floors.some((f) => f !== undefined && (f.gen > 0 || f.offset > 0)) ? floors : undefined
  }

  /** The sinks that do not need an event whose first record is at `first`, as a bit mask (0: all need it). */
  skipped (first: GenPosition): number {
    const f = this.floors
    if (f === undefined) return 0
    let mask = 0
    for (let i = 0; i < f.length && i < MAX_SKIPPABLE_SINKS; i++) {
      const p = f[i]
      if (p !== undefined && before(first, p)) mask |= 1 << i
    }
    return mask
  }

  /** An event was handed to sink `i`. */
  open (i: number, seq: number): void {
    this.heaps[i].add(seq)
  }

  /** Sink `i` settled the event of read-order number `seq`. */
  settle (i: number, seq: number): void {
    this.heaps[i].delete(seq)
  }

  /**
   * Each sink's position: the earliest of its oldest unsettled event (`at` maps a read-order
   * number to its place), `held` (records still being assembled) and `read`, and not before
   * its floor. Forgets the floors once every sink has passed its own.
   */
  positions (at: (seq: number) => GenPosition, held: { seq: number, pos: GenPosition } | undefined, read: GenPosition): GenPosition[] {
    const out: GenPosition[] = []
    let passed = true
    for (let i = 0; i < this.sinks; i++) {
      const top = this.heaps[i].min()
      let p = read
      if (top !== undefined) p = held !== undefined && held.seq < top ? held.pos : at(top)
      else if (held !== undefined) p = held.pos
      const floor = this.floors?.[i]
      if (floor !== undefined && before(p, floor)) { p = floor; passed = false }
      out.push(p)
    }
    if (passed) this.floors = undefined
    return out
  }
}
