/**
 * The low-water mark (docs/design.md §2): the position of the oldest record not yet delivered.
 *
 * MUST NOT pass a record still being assembled upstream (`held`, the pipeline's oldest record)
 *      nor an event some sink has not settled (the ack tracker): the mark is the earlier of the
 *      two in read order, or, when nothing is open, where reading stands.
 * position() (what the checkpoint saves) and lag() (how far it is behind reading) both come
 *      from mark(), computed one way.
 * lag() is delivery lag: bytes between the mark and reading, and how long the oldest open event
 *      has waited for delivery since it was handed to the sinks. Never wall clock minus log
 *      time: a backfill of an old log that is delivering is not behind in time.
 * Records and tickets name their file by generation: a number given here each time reading
 *      moves to another file (generation()), so that a position names the file it was read from.
 * resume() gives the checkpoint's position together with the delivered events whose records
 *      continue past it (delivered-tails.ts), taken at the same mark.
 */
import { AckTracker, type Ticket } from './ack-tracker.js'
import { DeliveredTails, type FinishedSpan, type SkipEntry } from './delivered-tails.js'
import type { SourceFile, SourcePosition } from '../source/source.js'

export type { Ticket }

/** A record as the mark needs it: read-order number, file generation, offset. */
export interface MarkedRecord {
  seq: number
  gen: number
  offset: number
}

export interface LowWaterMarkOptions {
  /** the earliest-read record still being assembled (Pipeline.oldestHeld) */
  held: () => MarkedRecord | undefined
  /** where reading stands (Source.position); null when the source cannot resume */
  read: () => SourcePosition | null
  /** the first records' read-order numbers of all events still being assembled, ascending (Pipeline.heldFirsts) */
  heldFirsts?: () => number[]
  /** wall clock in ms (default Date.now) */
  now?: () => number
}

/** Where to resume, and what to leave out there (the checkpoint's `position` and `skip`). */
export interface ResumePoint {
  position: SourcePosition | null
  skip: SkipEntry[]
}

export interface Lag {
  /** how long the oldest open event (in read order) has waited for delivery; 0 when none is open */
  seconds: number
  /** bytes between the mark and reading in the same file; else the read offset (a lower bound) */
  bytes: number
}

export class LowWaterMark {
  private readonly tracker = new AckTracker()
  private readonly files: SourceFile[] = []
  /** finished events that may span a checkpoint (finished()); carried entries go in directly */
  readonly tails = new DeliveredTails()
  /** tails held when they are next pruned, between checkpoints */
  private pruneAt = 1024
  /** settle() calls so far: the resume point (position and skip list) can change only with them, reading or finished events */
  settlements = 0

  constructor (private readonly o: LowWaterMarkOptions) {}

  /** Events opened and not yet settled by every sink. */
  get pending (): number {
    return this.tracker.pending
  }

  /** The generation of the file a batch came from: a new one whenever it differs from the last. */
  generation (file: SourceFile): number {
    const last = this.files.at(-1)
    if (last === undefined || !sameIdentity(last, file)) this.files.push(file)
    return this.files.length - 1
  }

  /** The path of the file of generation `gen` (log.file.path of an event). */
  fileOf (gen: number): string | undefined {
    return this.files[gen]?.path
  }

  /** An event is waiting for `sinks` sinks; `first` is its earliest record. */
  open (first: MarkedRecord, sinks: number): Ticket {
    return this.tracker.openEvent(first.seq, { gen: first.gen, offset: first.offset }, sinks, (this.o.now ?? Date.now)())
  }

  /** One sink is done with the event (delivered or dead-lettered). True when all are. */
  settle (t: Ticket): boolean {
    this.settlements++
    return this.tracker.settle(t)
  }

  /** The oldest record not yet delivered, in read order; undefined when nothing is open. */
  mark (): MarkedRecord | undefined {
    const held = this.o.held()
    const pending = this.tracker.oldest()
    return held !== undefined && (pending === undefined || held.seq < pending.seq) ? held : pending
  }

  /** Where to resume so that nothing undelivered is skipped; null when the source cannot resume. */
  position (): SourcePosition | null {
    const read = this.o.read()
    if (read === null) return null
    const m = this.mark()
    if (m === undefined) return read
    const f = this.files[m.gen]
    return { path: f.path, identity: f.identity, offset: m.offset }
  }

  /**
   * An event left the pipeline (to the sinks or the dead letter): it may span a later
   * checkpoint. The list is pruned as it grows, not only when a checkpoint is taken.
   */
  finished (ev: FinishedSpan): void {
    this.tails.add(ev)
    if (this.tails.size < this.pruneAt) return
    this.resume()
    this.pruneAt = Math.max(1024, 2 * this.tails.size)
  }

  /** position() and the delivered events whose records continue past it, at the same mark. */
  resume (): ResumePoint {
    const read = this.o.read()
    if (read === null) { this.tails.clear(); return { position: null, skip: [] } }
    const m = this.mark()
    const unsettled = this.tracker.openSeqs()
    const held = this.o.heldFirsts?.() ?? []
    const all = held.length === 0 ? unsettled : unsettled.concat(held).sort((a, b) => a - b)
    if (m === undefined) {
      // nothing open: only entries carried from the last start can lie ahead of reading
      return { position: read, skip: this.tails.at({ seq: Number.MAX_SAFE_INTEGER, gen: this.genOf(read) }, all) }
    }
    const f = this.files[m.gen]
    return { position: { path: f.path, identity: f.identity, offset: m.offset }, skip: this.tails.at(m, all) }
  }

  /** The generation of the file reading stands in (the next one when reading has just moved on). */
  private genOf (p: SourcePosition): number {
    for (let g = this.files.length - 1; g >= 0; g--) if (sameIdentity(this.files[g], p)) return g
    return this.files.length
  }

  /** How far delivery is behind reading (0 when everything read is delivered; bytes 0 when the source cannot resume). */
  lag (nowMs = (this.o.now ?? Date.now)()): Lag {
    const oldest = this.tracker.oldest()
    const seconds = oldest === undefined ? 0 : Math.max(0, (nowMs - oldest.openedAt) / 1000)
    const m = this.mark()
    const read = this.o.read()
    if (m === undefined || read === null) return { seconds, bytes: 0 }
    const f = this.files[m.gen]
    const sameFile = f !== undefined && f.identity.ino === read.identity.ino && f.identity.dev === read.identity.dev
    return { seconds, bytes: sameFile ? Math.max(0, read.offset - m.offset) : read.offset }
  }
}

/** Same inode and the same fingerprint: the batch comes from the file of the last generation. */
function sameIdentity (a: SourceFile, b: SourceFile): boolean {
  return a.identity.ino === b.identity.ino && a.identity.dev === b.identity.dev && a.identity.fingerprint === b.identity.fingerprint
}
