/**
 * Records → events (docs/auditd-format.md §2).
 *
 * MUST group records by (node, timestamp, serial); records of different events interleave and
 *      serials are not monotonic, so every event under construction is kept by key.
 * MUST NOT depend on EOE (auditd does not write it to disk): an event completes on EOE, on a
 *      record type that ends an event by the audit ≥ 4.0 rule (PROCTITLE, user-space and
 *      daemon types, …; LOGIN does not), or by a timeout in log time and, when tailing, in
 *      wall-clock time.
 * MUST measure the log-time timeout per node: a log aggregated from several hosts
 *      (`node=` prefixes) mixes their clocks, and one host's clock running ahead must not
 *      close another host's events in flight.
 * MUST bound the events in flight; an event evicted by the bound or closed by a timeout or at
 *      end of input is emitted with complete = false, never dropped.
 * SHOULD keep a user-space record that shares its serial with the kernel event it was sent
 *      from in that event (SERVICE_START + SYSCALL + … + EOE): a user record that would end a
 *      one-record event is held until the next record shows whether the event goes on.
 * MUST bound each event (bounded.ts): beyond `bound.maxRecords` records or `bound.maxBytes`
 *      bytes, records are dropped from the middle as they arrive and the event says how many
 *      (`dropped`); and bound what all open events hold (`maxOpenBytes`): beyond it the oldest
 *      is emitted incomplete, as by the in-flight bound.
 * MUST hand out, with each event, the position of its last record (EOE and dropped records
 *      included) and whether another event began while it was open (`overlapped`): the
 *      checkpoint names the delivered events whose records continue past it (design.md §2.7).
 * MUST leave out the records `skip` recognises (records, read again after a restart, of an
 *      event delivered before it: resume-skip.ts). A skipped record still counts as read for
 *      the log-time timeout and for a held user record, as it did the first time.
 */
import type { AuditRecord } from '../parse/record.js'
import { endsEvent, T } from '../audit/record-types.js'
import { BoundedRecords, type EventBound } from './bounded.js'
import type { CloseReason, RecordPosition, AuditEventRecords } from './event-records.js'

export type { CloseReason, RecordPosition, AuditEventRecords }

interface Building {
  readonly key: string
  readonly node: string | undefined
  readonly sec: number
  readonly ms: number
  readonly serial: number
  readonly recs: BoundedRecords
  complete: boolean
  reason: CloseReason
  /** wall-clock ms of the last record appended */
  touched: number
  /** the number of events begun when this one began */
  readonly began: number
  overlapped: boolean
  /** the last record read: read-order number, file generation, offset */
  lastSeq: number
  lastGen: number
  lastOffset: number
}

/** The open events of one node. */
interface NodeOpen {
  /** a lower bound of their timestamps (exact after each sweep) */
  minSec: number
  count: number
}

export interface ReassemblerOptions {
  /** events under construction at most; the oldest is emitted incomplete beyond it */
  maxInFlight: number
  /** log-time seconds after which an open event is closed (auditd's end_of_event_timeout) */
  timeoutSec: number
  /** record wall-clock times so that flushIdle() can close idle events (tailing mode) */
  wallClock?: boolean
  /** wall clock in ms; injectable for tests */
  now?: () => number
  /** the bound on one event (default: none) */
  bound?: EventBound
  /** bytes (bounded.ts recordBytes) all open events may hold together; the oldest is evicted beyond (default: none) */
  maxOpenBytes?: number
  /** true for a record to leave out (read again after a restart, of an event delivered before it) */
  skip?: (rec: AuditRecord) => boolean
}

export interface ReassemblerStats {
  /** EOE records with no open event (the usual EOE after a PROCTITLE) */
  orphanEoe: number
  evicted: number
  timedOut: number
}

const UNBOUNDED: EventBound = { maxRecords: Infinity, maxBytes: Infinity }

function isUserSpace (t: number): boolean {
  return t === 1005 || (t >= 1100 && t < 1300) || t >= 2100
}

export class Reassembler {
  private readonly open = new Map<string, Building>()
  private held: Building | undefined = undefined
  /** per node ('' without a node= prefix) that has open events */
  private readonly nodes = new Map<string, NodeOpen>()
  private readonly now: () => number
  private readonly bound: EventBound
  /** events begun so far (to tell whether one began while another was open) */
  private began = 0
  /** bytes the open events hold (recordBytes) */
  private openBytes = 0
  readonly stats: ReassemblerStats = { orphanEoe: 0, evicted: 0, timedOut: 0 }

  constructor (private readonly opts: ReassemblerOptions, private readonly emit: (ev: AuditEventRecords) => void) {
    this.now = opts.now ?? Date.now
    this.bound = opts.bound ?? UNBOUNDED
  }

  /** Bytes (bounded.ts recordBytes) the events under construction hold, without a held user record. */
  get heldBytes (): number {
    return this.openBytes
  }

  /** Number of events under construction (including one held user record). */
  get inFlight (): number {
    return this.open.size + (this.held === undefined ? 0 : 1)
  }

  /**
   * The earliest-read record still held in an open event (what a checkpoint must not pass).
   * O(1): events are kept in the order of their first record, which the event bound never
   * drops.
   */
  oldestRecord (): AuditRecord | undefined {
    const first = this.open.values().next()
    const a = first.done === true ? undefined : first.value.recs.first
    const b = this.held?.recs.first
    if (a === undefined) return b
    if (b === undefined) return a
    return a.seq <= b.seq ? a : b
  }

  /** The read-order numbers of the first records of the open events, ascending. */
  firstSeqs (): number[] {
    const out: number[] = []
    for (const ev of this.open.values()) out.push(ev.recs.first.seq)
    if (this.held !== undefined) out.push(this.held.recs.first.seq)
    return out.sort((a, b) => a - b)
  }

  push (rec: AuditRecord): void {
    const held = this.held
    if (held !== undefined) {
      this.held = undefined
      if (held.key === rec.key) {
        // the user record was part of a kernel event: keep building it
        held.complete = false
        this.track(held)
      } else {
        this.done(held)
      }
    }

    const node = rec.node ?? ''
    const n = this.nodes.get(node)
    if (n !== undefined && rec.sec >= n.minSec + this.opts.timeoutSec) this.sweepLogTime(node, n, rec.sec)
    if (this.opts.skip?.(rec) === true) return

    const t = rec.typeNum
    let ev = this.open.get(rec.key)
    if (t === T.EOE) {
      if (ev === undefined) { this.stats.orphanEoe++; return }
      this.note(ev, rec)
      this.close(ev, 'eoe')
      return
    }
    if (ev === undefined) {
      const recs = new BoundedRecords(this.bound)
      recs.push(rec)
      ev = {
        key: rec.key, node: rec.node, sec: rec.sec, ms: rec.ms, serial: rec.serial,
        recs, complete: false, reason: 'end', touched: 0, began: ++this.began, overlapped: false,
        lastSeq: rec.seq, lastGen: rec.gen, lastOffset: rec.offset,
      }
      if (t >= 0 && endsEvent(t)) {
        ev.complete = true
        ev.reason = 'last-record'
        if (isUserSpace(t)) {
          if (this.opts.wallClock === true) ev.touched = this.now()
          this.held = ev
          return
        }
        this.done(ev)
        return
      }
      this.track(ev)
      if (this.open.size > this.opts.maxInFlight) this.evictOldest()
    } else {
      const before = ev.recs.bytes
      ev.recs.push(rec)
      this.openBytes += ev.recs.bytes - before
      this.note(ev, rec)
      if (t >= 0 && endsEvent(t)) { this.close(ev, 'last-record'); return }
    }
    if (this.opts.wallClock === true) ev.touched = this.now()
    while (this.openBytes > (this.opts.maxOpenBytes ?? Infinity) && this.open.size > 1) this.evictOldest()
  }

  /** Close events not touched for `idleMs` of wall-clock time (tailing mode). */
  flushIdle (idleMs: number): void {
    const limit = this.now() - idleMs
    // a held user record: no further record came to say whether its event goes on
    if (this.held !== undefined && this.held.touched <= limit) { const h = this.held; this.held = undefined; this.done(h) }
    for (const ev of this.open.values()) {
      if (ev.touched <= limit) {
        this.stats.timedOut++
        this.close(ev, 'timeout')
      }
    }
  }

  /** End of input: emit every open event. */
  end (): void {
    if (this.held !== undefined) { const h = this.held; this.held = undefined; this.done(h) }
    for (const ev of this.open.values()) this.close(ev, 'end')
  }

  /** A record of `ev` was read (kept, dropped, or its EOE). */
  private note (ev: Building, rec: AuditRecord): void {
    ev.lastSeq = rec.seq
    ev.lastGen = rec.gen
    ev.lastOffset = rec.offset
    if (this.began !== ev.began) ev.overlapped = true
  }

  private track (ev: Building): void {
    this.open.set(ev.key, ev)
    this.openBytes += ev.recs.bytes
    const node = ev.node ?? ''
    const n = this.nodes.get(node)
    if (n === undefined) this.nodes.set(node, { minSec: ev.sec, count: 1 })
    else {
      n.count++
      if (ev.sec < n.minSec) n.minSec = ev.sec
    }
  }

  private close (ev: Building, reason: CloseReason): void {
    this.open.delete(ev.key)
    this.openBytes -= ev.recs.bytes
    const node = ev.node ?? ''
    const n = this.nodes.get(node)
    if (n !== undefined && --n.count <= 0) this.nodes.delete(node)
    ev.reason = reason
    ev.complete = reason === 'eoe' || reason === 'last-record'
    this.done(ev)
  }

  /** Hand the event out: what is kept of its records, what was dropped, where it ended. */
  private done (ev: Building): void {
    const out: AuditEventRecords = {
      key: ev.key, node: ev.node, sec: ev.sec, ms: ev.ms, serial: ev.serial,
      records: ev.recs.records(), complete: ev.complete, reason: ev.reason,
      last: { seq: ev.lastSeq, gen: ev.lastGen, offset: ev.lastOffset }, overlapped: ev.overlapped,
    }
    if (ev.recs.droppedRecords > 0) out.dropped = { records: ev.recs.droppedRecords, bytes: ev.recs.droppedBytes }
    this.emit(out)
  }

  private evictOldest (): void {
    const first = this.open.values().next()
    if (first.done === true) return
    this.stats.evicted++
    this.close(first.value, 'evicted')
  }

  /**
   * auparse's rule, per node: an open event is over when a record of its node is read whose
   * time is at least `timeoutSec` after the event's (so an event that was already old when it
   * opened is closed by the next record, and time going backwards closes nothing).
   */
  private sweepLogTime (node: string, n: NodeOpen, sec: number): void {
    const limit = sec - this.opts.timeoutSec
    let min = Infinity
    for (const ev of this.open.values()) {
      if ((ev.node ?? '') !== node) continue
      if (ev.sec <= limit) {
        this.stats.timedOut++
        this.close(ev, 'timeout')
      } else if (ev.sec < min) {
        min = ev.sec
      }
    }
    n.minSec = min
  }
}
