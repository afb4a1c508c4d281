/**
 * The processing core shared by convert, search and run:
 * lines → records (or parse errors) → events → documents (validated).
 *
 * Synchronous and push-based: the caller feeds lines in read order and receives each
 * finished document through `out.event`. Bad lines and invalid documents are handed out as
 * values (`out.lineError`, `out.invalid`); nothing is thrown and nothing is dropped
 * uncounted. Each event is bounded (correlate.max_event_records / max_event_bytes: the middle
 * records are dropped and the event flagged auditd.truncated; event-size.ts bounds its JSON);
 * after a restart, the records of events delivered before it are left out (resume()).
 */
import { parseLine, LineError, type AuditRecord } from '../parse/record.js'
import { ParseErrors } from '../errors.js'
import { Reassembler, type AuditEventRecords } from '../correlate/reassembler.js'
import { ResumeSkip, type ResumeSkipEvents, type SkipEntry } from '../correlate/resume-skip.js'
import { buildWithin } from './event-size.js'
import { buildEvent, type BuildOptions } from '../coalesce/build.js'
import { validateEvent, type ValidationIssue } from '../validate/validator.js'
import type { AuditshipEvent } from '../event/types.js'
import type { LineSink } from '../source/lines.js'
import { TeleportJoin, DEFAULT_TELEPORT, type TeleportOptions } from '../enrich/teleport.js'
import { IdNames, type NameFiles } from '../enrich/names.js'
import { EventRules, type RuleSpec, type LabelSpec } from '../enrich/rules.js'
import { IdentityStamp, type HostFacts, type StaticFields } from '../enrich/identity.js'
import { SerialGaps } from '../enrich/serial-gaps.js'
import { LossCounter } from '../enrich/loss.js'
import { applyRecordsMode, type RecordsMode } from '../coalesce/compact.js'

export interface PipelineOptions extends BuildOptions {
  maxInFlight: number
  timeoutSec: number
  /** the bound on one event: records, and bytes (as read, and of JSON); the middle is dropped beyond */
  maxEventRecords: number
  maxEventBytes: number
  validate: boolean
  /** tailing: close events idle this long in wall-clock time (see flushIdle) */
  wallClock?: boolean
  /** the clock of wallClock mode (default Date.now) */
  now?: () => number
  /** Teleport attribution; false to turn it off */
  teleport: TeleportOptions | false
  /** resolve ids the log left numeric from these passwd/group files; false: off */
  names: NameFiles | false
  /** filter and label rules (enrich/rules.ts); absent: none */
  rules?: { filter: readonly RuleSpec[], label: readonly LabelSpec[] }
  /** stamp host/agent/ecs/data_stream/service and the static fields (enrich/identity.ts); absent: off */
  identity?: { host: HostFacts, fields: StaticFields }
  /** the file a record of generation `gen` was read from, for log.file.path (run, from files) */
  fileOf?: (gen: number) => string | undefined
  /** log-time seconds a serial gap may stay open before it counts (late events fill it); default 10 */
  gapWindowSecs?: number
  /** output.records: how much of auditd.records each document keeps (default full) */
  records?: RecordsMode
}

export const DEFAULT_PIPELINE: PipelineOptions = {
  maxInFlight: 4096,
  timeoutSec: 2,
  maxEventRecords: 1000,
  maxEventBytes: 1 << 20,
  validate: true,
  teleport: DEFAULT_TELEPORT,
  names: false,
}

export interface PipelineOutput {
  event (doc: AuditshipEvent, ev: AuditEventRecords): void
  lineError (err: LineError, source: string): void
  invalid (doc: AuditshipEvent, issues: ValidationIssue[], ev: AuditEventRecords): void
  /** dropped by the filter rule `rule` (counted): done with, like a delivered event */
  filtered? (ev: AuditEventRecords, rule: string): void
}

export interface PipelineStats {
  lines: number
  records: number
  parseErrors: number
  events: number
  incomplete: number
  invalid: number
  /** events cut by the event bound (auditd.truncated) */
  truncated: number
  /** records left out after a restart: of events delivered before it (resume()) */
  skipped: number
  /** events dropped by a filter rule (by rule: Pipeline.filtered) */
  filtered: number
}

/** Open events together hold at most this many times the bound on one event. */
const OPEN_EVENTS_BYTES = 8

/** The Teleport join's state, kept across restarts; opaque to everything but the join. */
type JoinState = ReturnType<TeleportJoin['exportState']>

const NONE: ReadonlyMap<string, number> = new Map()

export class Pipeline implements LineSink {
  readonly stats: PipelineStats = { lines: 0, records: 0, parseErrors: 0, events: 0, incomplete: 0, invalid: 0, truncated: 0, skipped: 0, filtered: 0 }
  /** events by the type of their primary record (bounded: record types are a fixed set) */
  readonly byType = new Map<string, number>()
  readonly reassembler: Reassembler
  readonly teleport: TeleportJoin | undefined
  readonly names: IdNames | undefined
  readonly rules: EventRules | undefined
  readonly gaps: SerialGaps
  readonly loss = new LossCounter()
  private readonly stamp: IdentityStamp | undefined
  /** name of the input being read, for error reports */
  source = '-'
  /** generation of the file being read (delivery tracking) */
  gen = 0
  /** read-order number of the last line */
  seq = 0
  private skipper: ResumeSkip | undefined

  constructor (private readonly opts: PipelineOptions, private readonly out: PipelineOutput) {
    this.teleport = opts.teleport === false ? undefined : new TeleportJoin(opts.teleport)
    this.names = opts.names === false ? undefined : new IdNames(opts.names)
    const rules = opts.rules === undefined ? undefined : new EventRules(opts.rules.filter, opts.rules.label)
    this.rules = rules?.empty === false ? rules : undefined
    this.stamp = opts.identity === undefined ? undefined : new IdentityStamp(opts.identity.host, opts.identity.fields)
    this.gaps = new SerialGaps(opts.gapWindowSecs ?? 10)
    this.reassembler = new Reassembler(
      {
        maxInFlight: opts.maxInFlight,
        timeoutSec: opts.timeoutSec,
        wallClock: opts.wallClock,
        now: opts.now,
        bound: { maxRecords: opts.maxEventRecords, maxBytes: opts.maxEventBytes },
        maxOpenBytes: OPEN_EVENTS_BYTES * opts.maxEventBytes,
        skip: (rec) => this.skip(rec),
      },
      (ev) => this.finish(ev),
    )
  }

  line (line: string, offset: number, ascii: boolean): void {
    this.stats.lines++
    this.seq++
    if (line.length === 0 || (line.length === 1 && line.charCodeAt(0) === 13)) return // blank lines are not records
    const r = parseLine(line, offset, ascii)
    if (r instanceof LineError) {
      this.stats.parseErrors++
      this.loss.line(line)
      this.out.lineError(r, this.source)
      return
    }
    r.seq = this.seq
    r.gen = this.gen
    this.stats.records++
    this.reassembler.push(r)
  }

  tooLong (prefix: string, offset: number, length: number): void {
    this.stats.lines++
    this.seq++
    this.stats.parseErrors++
    this.out.lineError(new LineError(ParseErrors.TOO_LONG, prefix, offset, `${length} bytes`), this.source)
  }

  end (): void {
    this.reassembler.end()
    this.gaps.end()
  }

  /** Tailing: close the events that got no record for `idleMs` on the pipeline's clock (`now`). */
  flushIdle (idleMs: number): void {
    this.reassembler.flushIdle(idleMs)
  }

  /** The earliest-read record of the events still being assembled: a checkpoint must not pass it. */
  oldestHeld (): AuditEventRecords['records'][number] | undefined {
    return this.reassembler.oldestRecord()
  }

  /** The first records' read-order numbers of all events being assembled, ascending. */
  heldFirsts (): number[] {
    return this.reassembler.firstSeqs()
  }

  /**
   * After a restart: leave out the records of the events the checkpoint lists (delivered before
   * it, with records after it). Before the first line.
   */
  resume (skip: readonly SkipEntry[], on: ResumeSkipEvents): void {
    if (skip.length > 0) this.skipper = new ResumeSkip(skip, on)
  }

  /** Events by how they were attributed to a Teleport user; undefined when attribution is off. */
  get attribution (): Readonly<TeleportJoin['stats']> | undefined {
    return this.teleport?.stats
  }

  /**
   * The join state to keep across a restart (saved with the checkpoint); null when there is
   * none. `from`: the read-order number of the checkpoint's record — the state is given as it
   * was before that record was read, so what is read again after a restart joins as before.
   */
  exportState (from?: number): JoinState | null {
    return this.teleport?.exportState(from) ?? null
  }

  /** Restore what exportState() returned in an earlier run (read back from the checkpoint). */
  importState (state: unknown): void {
    if (state !== null && state !== undefined) this.teleport?.importState(state as JoinState)
  }

  /** Events dropped, by filter rule. */
  get filtered (): ReadonlyMap<string, number> {
    return this.rules?.filtered ?? NONE
  }

  private skip (rec: AuditRecord): boolean {
    if (this.skipper === undefined || !this.skipper.take(rec)) return false
    this.stats.skipped++
    return true
  }

  private finish (whole: AuditEventRecords): void {
    const { doc, ev } = buildWithin(whole, this.opts.maxEventBytes, (e) => buildEvent(e, this.opts))
    if (ev.dropped !== undefined) this.stats.truncated++
    const first = ev.records[0]
    // every event counts for loss accounting, the Teleport join and the boot tracking, filtered or not
    this.gaps.observe(ev.node ?? '', ev.serial, ev.sec, doc.auditd.records[0]?.type ?? '')
    for (const r of doc.auditd.records) this.loss.recordType(r.type)
    this.teleport?.apply(doc, first.seq, ev.sec * 1000 + ev.ms)
    this.names?.apply(doc)
    const dropped = this.rules?.apply(doc)
    if (dropped !== undefined) {
      // nothing to deliver: never opened in delivery tracking, so it holds nothing back
      this.stats.filtered++
      this.out.filtered?.(ev, dropped)
      return
    }
    if (this.stamp !== undefined) {
      const path = this.opts.fileOf?.(first.gen)
      this.stamp.apply(doc, path === undefined ? undefined : { path, offset: first.offset })
    }
    if (this.opts.records !== undefined) applyRecordsMode(doc, this.opts.records)
    if (this.opts.validate) {
      const issues = validateEvent(doc)
      if (issues !== undefined) {
        this.stats.invalid++
        this.out.invalid(doc, issues, ev)
        return
      }
    }
    this.stats.events++
    if (!ev.complete) this.stats.incomplete++
    const mt = doc.auditd.message_type
    this.byType.set(mt, (this.byType.get(mt) ?? 0) + 1)
    this.out.event(doc, ev)
  }
}
