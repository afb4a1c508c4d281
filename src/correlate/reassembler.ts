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
 */
import type { AuditRecord } from '../parse/record.js'
import { endsEvent, T } from '../audit/record-types.js'


export type CloseReason = 'eoe' | 'last-record' | 'timeout' | 'evicted' | 'end'

export interface AuditEventRecords {
  readonly key: string
  readonly node: string | undefined
  readonly sec: number
  readonly ms: number
  readonly serial: number
  /** the records in the order read; EOE is not among them */
  readonly records: AuditRecord[]
  /** closed by its completion signal (EOE, PROCTITLE, a single-record type) */
  complete: boolean
  reason: CloseReason
}

interface Building extends AuditEventRecords {
  /** wall-clock ms of the last record appended */
  touched: number
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
}

export interface ReassemblerStats {
  /** EOE records with no open event (the usual EOE after a PROCTITLE) */
  orphanEoe: number
  evicted: number
  timedOut: number
}

function isUserSpace (t: number): boolean {
  return t === 1005 || (t >= 1100 && t < 1300) || t >= 2100
}

export class Reassembler {
  private readonly open = new Map<string, Building>()
  private held: Building | undefined = undefined
  /** per node ('' without a node= prefix) that has open events */
  private readonly nodes = new Map<string, NodeOpen>()
  private readonly now: () => number
  readonly stats: ReassemblerStats = { orphanEoe: 0, evicted: 0, timedOut: 0 }

  constructor (private readonly opts: ReassemblerOptions, private readonly emit: (ev: AuditEventRecords) => void) {
    this.now = opts.now ?? Date.now
  }

  /** Number of events under construction (including one held user record). */
  get inFlight (): number {
    return this.open.size + (this.held === undefined ? 0 : 1)
  }

  /**
   * The earliest-read record still held in an open event (what a checkpoint must not pass).
   * O(1): events are kept in the order of their first record, and records[0] is each
   * event's earliest.
   */
  oldestRecord (): AuditRecord | undefined {
    const first = this.open.values().next()
    const a = first.done === true ? undefined : first.value.records[0]
    const b = this.held?.records[0]
    if (a === undefined) return b
    if (b === undefined) return a
    return a.seq <= b.seq ? a : b
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
        this.emit(held)
      }
    }

    const node = rec.node ?? ''
    const n = this.nodes.get(node)
    if (n !== undefined && rec.sec >= n.minSec + this.opts.timeoutSec) this.sweepLogTime(node, n, rec.sec)

    const t = rec.typeNum
    let ev = this.open.get(rec.key)
    if (t === T.EOE) {
      if (ev === undefined) { this.stats.orphanEoe++; return }
      this.close(ev, 'eoe')
      return
    }
    if (ev === undefined) {
      ev = {
        key: rec.key, node: rec.node, sec: rec.sec, ms: rec.ms, serial: rec.serial,
        records: [rec], complete: false, reason: 'end', touched: 0,
      }
      if (t >= 0 && endsEvent(t)) {
        ev.complete = true
        ev.reason = 'last-record'
        if (isUserSpace(t)) {
          if (this.opts.wallClock === true) ev.touched = this.now()
          this.held = ev
          return
        }
        this.emit(ev)
        return
      }
      this.track(ev)
      if (this.open.size > this.opts.maxInFlight) this.evictOldest()
    } else {
      ev.records.push(rec)
      if (t >= 0 && endsEvent(t)) { this.close(ev, 'last-record'); return }
    }
    if (this.opts.wallClock === true) ev.touched = this.now()
  }

  /** Close events not touched for `idleMs` of wall-clock time (tailing mode). */
  flushIdle (idleMs: number): void {
    const limit = this.now() - idleMs
    // a held user record: no further record came to say whether its event goes on
    if (this.held !== undefined && this.held.touched <= limit) { const h = this.held; this.held = undefined; this.emit(h) }
    for (const ev of this.open.values()) {
      if (ev.touched <= limit) {
        this.stats.timedOut++
        this.close(ev, 'timeout')
      }
    }
  }

  /** End of input: emit every open event. */
  end (): void {
    if (this.held !== undefined) { const h = this.held; this.held = undefined; this.emit(h) }
    for (const ev of this.open.values()) this.close(ev, 'end')
  }

  private track (ev: Building): void {
    this.open.set(ev.key, ev)
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
    const node = ev.node ?? ''
    const n = this.nodes.get(node)
    if (n !== undefined && --n.count <= 0) this.nodes.delete(node)
    ev.reason = reason
    ev.complete = reason === 'eoe' || reason === 'last-record'
    this.emit(ev)
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
