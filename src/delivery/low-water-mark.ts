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
 *      continue past it (delivered-tails.ts), taken at the same mark, and each sink's own
 *      position (sink-marks.ts): after a restart an event is not sent again to a sink that
 *      had it before the sink's position (openFor()).
 */
import { AckTracker, type Ticket } from './ack-tracker.js'
import { DeliveredTails, type FinishedSpan, type SkipEntry } from './delivered-tails.js'
import { MAX_SKIPPABLE_SINKS, SinkMarks, type GenPosition } from './sink-marks.js'
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
  /** sinks, each with its own mark (openFor(), settle(t, sink)); default 1 */
  sinks?: number
}

/** A sink's position: its file counted from the checkpoint position's (0: that file), and the offset. */
export interface SinkPosition {
  file: number
  offset: number
}

/** Where to resume, and what to leave out there (the checkpoint's `position` and `skip`). */
export interface ResumePoint {
  position: SourcePosition | null
  skip: SkipEntry[]
  /** each sink's position (by sink index), when there are several sinks and a position */
  sinks?: SinkPosition[]
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
  private readonly sinkMarks: SinkMarks
  /** the identity of the checkpoint's file when the sinks' positions were given (resumeSinks) */
  private resumedIn: SourceFile['identity'] | undefined

  constructor (private readonly o: LowWaterMarkOptions) {
    this.sinkMarks = new SinkMarks(o.sinks ?? 1)
  }

  /** Events opened and not yet settled by every sink. */
  get pending (): number {
    return this.tracker.pending
  }

  /** The generation of the file a batch came from: a new one whenever it differs from the last. */
  generation (file: SourceFile): number {
    // the sinks' floors count files from the checkpoint's: reading began elsewhere (it is gone), they say nothing
    if (this.files.length === 0 && this.resumedIn !== undefined && !sameIdentity({ path: '', identity: this.resumedIn }, file)) this.sinkMarks.resumeFrom([])
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

  /**
   * An event for every sink that does not have it yet (its first record after the sink's
   * position at the last start); undefined when every sink has it. The ticket's `skip` names
   * the sinks left out.
   */
  openFor (first: MarkedRecord): Ticket | undefined {
    const sm = this.sinkMarks
    const n = sm.sinks
    const skip = sm.skipped(first)
    let count = n
    for (let m = skip; m !== 0; m &= m - 1) count--
    if (count === 0) return undefined
    const t = this.tracker.openEvent(first.seq, first, count, (this.o.now ?? Date.now)())
    t.skip = skip
    if (n > 1) for (let i = 0; i < n; i++) if (i >= MAX_SKIPPABLE_SINKS || (skip & (1 << i)) === 0) sm.open(i, first.seq)
    return t
  }

  /**
   * At start: each sink's position saved by the checkpoint (by sink index; undefined: the
   * checkpoint's position), counted from `file`, the checkpoint's file. If reading does not
   * begin in that file, they are dropped (every sink is sent everything from where it begins).
   */
  resumeSinks (positions: Array<SinkPosition | undefined>, file: SourceFile['identity']): void {
    this.resumedIn = file
    this.sinkMarks.resumeFrom(positions.map((p) => p === undefined ? undefined : { gen: p.file, offset: p.offset }))
  }

  /** One sink (index `sink`, for openFor() tickets) is done with the event (delivered or dead-lettered). True when all are. */
  settle (t: Ticket, sink?: number): boolean {
    this.settlements++
    if (sink !== undefined && this.sinkMarks.sinks > 1) this.sinkMarks.settle(sink, t.seq)
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
    const readAt = { gen: this.genOf(read), offset: read.offset }
    const sinks = this.sinkPositions(m ?? readAt, readAt)
    if (m === undefined) {
      // nothing open: only entries carried from the last start can lie ahead of reading
      return { position: read, skip: this.tails.at({ seq: Number.MAX_SAFE_INTEGER, gen: readAt.gen }, all), ...sinks }
    }
    const f = this.files[m.gen]
    return { position: { path: f.path, identity: f.identity, offset: m.offset }, skip: this.tails.at(m, all), ...sinks }
  }

  /** Each sink's position, its file counted from the mark's; none with a single sink (its position is the mark). */
  private sinkPositions (mark: GenPosition, read: GenPosition): { sinks?: SinkPosition[] } {
    if (this.sinkMarks.sinks <= 1) return {}
    const h = this.o.held()
    const held = h === undefined ? undefined : { seq: h.seq, pos: h }
    const at = (seq: number): GenPosition => this.tracker.get(seq) ?? read
    return { sinks: this.sinkMarks.positions(at, held, read).map((p) => ({ file: p.gen - mark.gen, offset: p.offset })) }
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
