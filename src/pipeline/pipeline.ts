/**
 * The processing core shared by convert, search and run:
 * lines → records (or parse errors) → events → documents (validated).
 *
 * Synchronous and push-based: the caller feeds lines in read order and receives each
 * finished document through `out.event`. Bad lines and invalid documents are handed out as
 * values (`out.lineError`, `out.invalid`); nothing is thrown and nothing is dropped
 * uncounted.
 */
import { parseLine, LineError } from '../parse/record.js'
import { ParseErrors } from '../errors.js'
import { Reassembler, type AuditEventRecords } from '../correlate/reassembler.js'
import { buildEvent, type BuildOptions } from '../coalesce/build.js'
import { validateEvent, type ValidationIssue } from '../validate/validator.js'
import type { AuditshipEvent } from '../event/types.js'
import type { LineSink } from '../source/lines.js'
import { TeleportJoin, DEFAULT_TELEPORT, type TeleportOptions } from '../enrich/teleport.js'
import { IdNames, type NameFiles } from '../enrich/names.js'
import { applyRecordsMode, type RecordsMode } from '../coalesce/compact.js'

export interface PipelineOptions extends BuildOptions {
  maxInFlight: number
  timeoutSec: number
  validate: boolean
  /** tailing: close events idle this long in wall-clock time (see flushIdle) */
  wallClock?: boolean
  /** the clock of wallClock mode (default Date.now) */
  now?: () => number
  /** Teleport attribution; false to turn it off */
  teleport: TeleportOptions | false
  /** resolve ids the log left numeric from these passwd/group files; false: off */
  names: NameFiles | false
  /** output.records: how much of auditd.records each document keeps (default full) */
  records?: RecordsMode
}

export const DEFAULT_PIPELINE: PipelineOptions = {
  maxInFlight: 4096,
  timeoutSec: 2,
  validate: true,
  teleport: DEFAULT_TELEPORT,
  names: false,
}

export interface PipelineOutput {
  event (doc: AuditshipEvent, ev: AuditEventRecords): void
  lineError (err: LineError, source: string): void
  invalid (doc: AuditshipEvent, issues: ValidationIssue[], ev: AuditEventRecords): void
}

export interface PipelineStats {
  lines: number
  records: number
  parseErrors: number
  events: number
  incomplete: number
  invalid: number
}

/** The Teleport join's state, kept across restarts; opaque to everything but the join. */
type JoinState = ReturnType<TeleportJoin['exportState']>

export class Pipeline implements LineSink {
  readonly stats: PipelineStats = { lines: 0, records: 0, parseErrors: 0, events: 0, incomplete: 0, invalid: 0 }
  /** events by the type of their primary record (bounded: record types are a fixed set) */
  readonly byType = new Map<string, number>()
  readonly reassembler: Reassembler
  readonly teleport: TeleportJoin | undefined
  readonly names: IdNames | undefined
  /** name of the input being read, for error reports */
  source = '-'
  /** generation of the file being read (delivery tracking) */
  gen = 0
  /** read-order number of the last line */
  seq = 0

  constructor (private readonly opts: PipelineOptions, private readonly out: PipelineOutput) {
    this.teleport = opts.teleport === false ? undefined : new TeleportJoin(opts.teleport)
    this.names = opts.names === false ? undefined : new IdNames(opts.names)
    this.reassembler = new Reassembler(
      { maxInFlight: opts.maxInFlight, timeoutSec: opts.timeoutSec, wallClock: opts.wallClock, now: opts.now },
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
  }

  /** Tailing: close the events that got no record for `idleMs` on the pipeline's clock (`now`). */
  flushIdle (idleMs: number): void {
    this.reassembler.flushIdle(idleMs)
  }

  /** The earliest-read record of the events still being assembled: a checkpoint must not pass it. */
  oldestHeld (): AuditEventRecords['records'][number] | undefined {
    return this.reassembler.oldestRecord()
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

  private finish (ev: AuditEventRecords): void {
    const doc = buildEvent(ev, this.opts)
    this.teleport?.apply(doc, ev.records[0].seq)
    this.names?.apply(doc)
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
