/**
 * The daemon's main loop: source → pipeline → sink queues, with the checkpoint advanced only
 * after delivery (docs/design.md §2).
 *
 * - Reading is pulled: the loop asks the source for the next batch only while fewer than
 *   `maxPendingEvents` events wait for delivery, so a slow or dead sink stops reading and
 *   memory stays flat; the log on disk is the buffer.
 * - Every event is opened in the ack tracker with its earliest record; each sink settles it
 *   on delivery, or after writing it to the dead-letter file when the sink refused it for
 *   good. Bad lines and schema-invalid events go to the dead-letter file and hold nothing back.
 * - Idle events are closed on a clock that stops while reading waits for the sinks.
 * - The checkpoint (file identity + offset of the oldest record not yet delivered, and the
 *   Teleport join state) is saved every `checkpointIntervalMs` and at shutdown.
 * - stop(): stop reading, deliver what is in flight within `shutdownTimeoutMs`, save the
 *   checkpoint. Events still being assembled are not flushed half-done in file mode: they
 *   lie after the checkpoint and are read again on the next start.
 */
import type { Logger } from '../telemetry/logger.js'
import { Pipeline, type PipelineOptions } from '../pipeline/pipeline.js'
import { AckTracker } from '../ack/tracker.js'
import { SinkQueue, type QueueOptions } from '../ship/queue.js'
import type { OutEvent, Rejected, Sink } from '../ship/sink.js'
import { DeadLetter } from '../ship/dead-letter.js'
import { CheckpointStore, type Checkpoint } from '../state/checkpoint-store.js'
import { fromLatin1 } from '../parse/decode.js'
import { LineSplitter } from '../source/lines.js'
import type { MetricsSource } from '../telemetry/metrics.js'
import type { ReadyCheck } from '../server/app.js'

export interface SourceFile {
  path: string
  identity: { dev: number, ino: number, fingerprint: string, fpLen?: number }
}

export interface SourcePosition extends SourceFile {
  offset: number
}

export interface SourceBatch {
  file: SourceFile
  lines: Array<{ line: string, offset: number, ascii: boolean }>
  tooLong: Array<{ prefix: string, offset: number, length: number }>
  endOffset: number
}

/** What the runner needs of a file source (src/source/tailer.ts). */
export interface FileSource {
  readonly stats?: { bytesRead: number, rotations: number, truncations: number, copytruncates: number, filesLost: number }
  start (): Promise<void>
  read (signal?: AbortSignal): Promise<SourceBatch | null>
  position (): SourcePosition
  close (): Promise<void>
}

export interface RunnerOptions {
  /** a tailed file, or auditd's plugin feed on a stream (no position to resume from) */
  source: { kind: 'file', open: (start: SourcePosition | undefined) => FileSource } | { kind: 'stream', stream: NodeJS.ReadableStream, maxLineBytes: number }
  pipeline: PipelineOptions
  idleTimeoutMs: number
  stateDir: string
  checkpointIntervalMs: number
  maxPendingEvents: number
  /** bytes of JSON waiting for delivery; with the heap bound, this keeps memory flat */
  maxPendingBytes: number
  deadLetterPath: string
  sinks: Array<{ sink: Sink, queue: QueueOptions }>
  shutdownTimeoutMs: number
  log: Logger
}

export class Runner {
  readonly tracker = new AckTracker()
  readonly pipeline: Pipeline
  readonly queues: SinkQueue[]
  readonly deadLetter: DeadLetter
  readonly store: CheckpointStore
  private readonly files: SourceFile[] = []
  private source: FileSource | undefined
  private abort = new AbortController()
  private stopping = false
  private resume: (() => void) | undefined
  private timers: NodeJS.Timeout[] = []
  private lastSaved = ''
  /** set when processing failed: no checkpoint may be taken from a half-done batch */
  failed = false
  private timerError: Error | undefined
  private pendingBytes = 0
  readonly stats = { checkpoints: 0, deadLettered: 0 }

  constructor (private readonly o: RunnerOptions) {
    this.deadLetter = new DeadLetter(o.deadLetterPath)
    this.store = new CheckpointStore(o.stateDir)
    this.queues = o.sinks.map(({ sink, queue }) => new SinkQueue(sink, queue, {
      delivered: (batch) => this.delivered(batch),
      rejected: (events) => this.rejected(sink.name, events),
      crashed: (err) => {
        // e.g. the dead-letter file cannot be written: stop like a failure in the read loop
        o.log.error({ sink: sink.name, err: err.message }, 'cannot go on with this sink: stopping without moving the checkpoint')
        this.timerError ??= err
        this.failed = true
        void this.stop()
      },
      failed: (err, attempt) => {
        if (attempt === 1) o.log.error({ sink: sink.name, err: err.message }, 'sink write failed; retrying with backoff (data kept)')
      },
      recovered: (attempts) => o.log.info({ sink: sink.name, attempts }, 'sink healthy again'),
    }))
    // idle events are timed on a clock that stops while reading waits for the sinks: a pause
    // of ours must not close an event whose next records are in the log, unread
    // the Teleport join keeps an undo journal so that its state is saved as of the checkpoint
    const teleport = o.pipeline.teleport === false || o.source.kind !== 'file' ? o.pipeline.teleport : { ...o.pipeline.teleport, journal: o.maxPendingEvents + o.pipeline.maxInFlight }
    this.pipeline = new Pipeline({ ...o.pipeline, wallClock: true, now: () => this.readingClock(), teleport }, {
      event: (doc, ev) => {
        const first = ev.records[0]
        const ticket = this.tracker.openEvent(first.seq, { gen: first.gen, offset: first.offset }, this.queues.length, first.sec)
        const out: OutEvent = { data: Buffer.from(JSON.stringify(doc), 'utf8'), ticket, meta: { node: ev.node, sec: ev.sec, ms: ev.ms, serial: ev.serial, firstType: first.typeNum }, queuedAt: Date.now() }
        this.pendingBytes += out.data.length
        for (const q of this.queues) q.push(out)
      },
      lineError: (err, source) => {
        this.stats.deadLettered++
        this.deadLetter.write({ source, offset: err.offset, code: err.error.code, reason: err.error.message + (err.detail === undefined ? '' : ` (${err.detail})`), line: fromLatin1(err.line).value })
      },
      invalid: (doc, issues, ev) => {
        this.stats.deadLettered++
        o.log.error({ event: ev.key, issue: issues[0] }, 'event does not match the event schema: dead-lettered')
        this.deadLetter.write({ code: 'AS_SCHEMA_INVALID', reason: 'event does not match schemas/event.schema.json', issues, event: doc })
      },
    })
  }

  private delivered (batch: OutEvent[]): void {
    for (const e of batch) if (this.tracker.settle(e.ticket)) this.pendingBytes -= e.data.length
    if (this.resume !== undefined && this.tracker.pending <= this.o.maxPendingEvents / 2 && this.pendingBytes <= this.o.maxPendingBytes / 2) {
      const r = this.resume
      this.resume = undefined
      r()
    }
  }

  /** A sink refused events for good: dead-letter each whole event with the reason, then settle it for that sink. */
  private rejected (sink: string, events: Rejected[]): void {
    // a late answer after finish(): the checkpoint is taken, leave them to be read again
    if (this.finished) return
    for (const r of events) {
      this.stats.deadLettered++
      this.deadLetter.write({ sink, code: r.error.code, status: r.error.status, reason: r.error.message, event: JSON.parse(r.event.data.toString('utf8')) })
    }
    this.o.log.error({ sink, events: events.length, code: events[0].error.code, reason: events[0].error.message }, 'sink refused events: dead-lettered')
    this.delivered(events.map((r) => r.event))
  }

  private async capacity (): Promise<void> {
    if (this.tracker.pending < this.o.maxPendingEvents && this.pendingBytes < this.o.maxPendingBytes) return
    this.pauseStart = Date.now()
    try {
      await new Promise<void>((resolve) => { this.resume = resolve })
    } finally {
      this.pausedMs += Date.now() - this.pauseStart
      this.pauseStart = undefined
    }
  }

  private pausedMs = 0
  private pauseStart: number | undefined
  /** finish() is done: answers that come later are ignored (their events are read again) */
  private finished = false

  /** Wall-clock ms minus the time reading was paused for backpressure (frozen while paused). */
  readingClock (): number {
    return (this.pauseStart ?? Date.now()) - this.pausedMs
  }

  /** Run until the source ends (stream mode) or stop() is called. */
  async run (): Promise<void> {
    const loaded = await this.store.load()
    if (!loaded.ok) throw new Error(loaded.error)
    const cp = loaded.checkpoint
    if (cp?.teleport != null) this.pipeline.teleport?.importState(cp.teleport)
    this.timers.push(setInterval(() => {
      // skip a tick while a save is still running (a slow disk must not queue saves up)
      if (this.failed || this.inSave) return
      this.checkpoint().catch((err: Error) => this.o.log.error({ err: err.message }, 'cannot save the checkpoint; will retry'))
    }, this.o.checkpointIntervalMs))
    this.timers.push(setInterval(() => {
      if (this.stopping) return
      try {
        this.pipeline.reassembler.flushIdle(this.o.idleTimeoutMs)
      } catch (err) {
        // e.g. the dead-letter file cannot be written: stop like a failure in the read loop
        this.timerError = err as Error
        this.failed = true
        void this.stop()
      }
    }, Math.max(50, this.o.idleTimeoutMs / 2)))
    for (const t of this.timers) t.unref()

    if (this.o.source.kind === 'stream') {
      await this.runStream(this.o.source.stream, this.o.source.maxLineBytes)
    } else {
      const start = cp?.position == null ? undefined : cp.position
      this.o.log.info({ resume: start ?? null }, start === undefined ? 'starting without a checkpoint' : 'resuming from checkpoint')
      this.source = this.o.source.open(start)
      await this.source.start()
      await this.runFile(this.source)
    }
    if (this.timerError !== undefined) throw this.timerError
  }

  private async runFile (src: FileSource): Promise<void> {
    let current: SourceFile | undefined
    while (!this.stopping) {
      await this.capacity()
      if (this.stopping) break
      let batch: SourceBatch | null
      try {
        batch = await src.read(this.abort.signal)
      } catch (err) {
        if (this.stopping) break
        throw err
      }
      if (batch === null) break
      if (current === undefined || !sameFile(current, batch.file)) {
        current = batch.file
        this.files.push(current)
        this.pipeline.gen = this.files.length - 1
        this.pipeline.source = current.path
      }
      const lines = batch.lines
      const long = batch.tooLong
      let j = 0
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]
        while (j < long.length && long[j].offset < l.offset) { const x = long[j++]; this.pipeline.tooLong(x.prefix, x.offset, x.length) }
        this.pipeline.line(l.line, l.offset, l.ascii)
      }
      while (j < long.length) { const x = long[j++]; this.pipeline.tooLong(x.prefix, x.offset, x.length) }
    }
  }

  private async runStream (stream: NodeJS.ReadableStream, maxLineBytes: number): Promise<void> {
    this.files.push({ path: '-', identity: { dev: 0, ino: 0, fingerprint: '' } })
    this.pipeline.source = 'stdin'
    const splitter = new LineSplitter(maxLineBytes, this.pipeline)
    const it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
    const aborted = new Promise<null>((resolve) => this.abort.signal.addEventListener('abort', () => resolve(null), { once: true }))
    for (;;) {
      // stop() must not wait for the next chunk of an idle feed
      const r = await Promise.race([it.next(), aborted])
      if (r === null || r.done === true) { if (r === null) void it.return?.(); break }
      splitter.push(r.value)
      await this.capacity()
      if (this.stopping) break
    }
    splitter.end()
    // the feed is over (auditd stopped): nothing will complete the open events, emit them
    this.pipeline.end()
  }

  /** The position of the oldest record not yet delivered, or where reading stands. */
  position (): SourcePosition | null {
    if (this.source === undefined) return null
    const held = this.pipeline.reassembler.oldestRecord()
    const pending = this.tracker.oldest()
    let pick: { gen: number, offset: number } | undefined
    if (held !== undefined && (pending === undefined || held.seq < pending.seq)) pick = held
    else pick = pending
    if (pick === undefined) return this.source.position()
    const f = this.files[pick.gen]
    return { path: f.path, identity: f.identity, offset: pick.offset }
  }

  /** The read-order number of the record position() points at (undefined: the read position). */
  private oldestSeq (): number | undefined {
    const held = this.pipeline.reassembler.oldestRecord()
    const pending = this.tracker.oldest()
    return held !== undefined && (pending === undefined || held.seq < pending.seq) ? held.seq : pending?.seq
  }

  private saving: Promise<void> = Promise.resolve()

  /** Save the checkpoint; saves never overlap (each waits for the one before). */
  async checkpoint (): Promise<void> {
    const next = this.saving.catch(() => {}).then(async () => await this.saveNow())
    this.saving = next
    await next
  }

  private inSave = false

  private async saveNow (): Promise<void> {
    this.inSave = true
    try { await this.saveState() } finally { this.inSave = false }
  }

  private async saveState (): Promise<void> {
    const position = this.position()
    const state: Omit<Checkpoint, 'version' | 'saved_at'> = { position, teleport: this.pipeline.teleport?.exportState(this.oldestSeq()) ?? null }
    const key = JSON.stringify(state)
    if (key === this.lastSaved) return
    this.deadLetter.sync()
    await this.store.save(state)
    this.lastSaved = key
    this.stats.checkpoints++
  }

  /**
   * How far the checkpoint is behind reading: the age (wall clock minus log time) of the
   * oldest event not yet delivered, and the bytes between the checkpoint and the read
   * position when both are in the same file (else the read offset: a lower bound).
   */
  lag (): { seconds: number, bytes: number } {
    const held = this.pipeline.reassembler.oldestRecord()
    const pending = this.tracker.oldest()
    const oldest = held !== undefined && (pending === undefined || held.seq < pending.seq) ? held : pending
    if (oldest === undefined || this.source === undefined) return { seconds: 0, bytes: 0 }
    const read = this.source.position()
    const f = this.files[oldest.gen]
    const sameFile = f !== undefined && f.identity.ino === read.identity.ino && f.identity.dev === read.identity.dev
    return { seconds: Math.max(0, Date.now() / 1000 - oldest.sec), bytes: sameFile ? Math.max(0, read.offset - oldest.offset) : read.offset }
  }

  /** Running totals for the metrics endpoint (read at scrape time). */
  metricsSource (): MetricsSource {
    return {
      pipeline: this.pipeline.stats,
      byType: this.pipeline.byType,
      teleport: this.pipeline.teleport?.stats,
      source: this.source?.stats,
      sinks: this.queues.map((q) => ({ name: q.sink.name, events: q.stats.events, batches: q.stats.batches, retries: q.stats.retries, failures: q.stats.failures, failuresByCode: q.stats.failuresByCode, rejected: q.stats.rejected, queued: q.queued, healthy: q.healthy, timings: q.sink.timings })),
      deadLettered: this.stats.deadLettered,
      pendingEvents: this.tracker.pending,
      checkpoints: this.stats.checkpoints,
      lag: this.lag(),
    }
  }

  /** Ready: running, every sink healthy (SinkQueue.healthy), and the checkpoint lag under `maxLagSecs`. */
  readiness (maxLagSecs = Infinity): ReadyCheck {
    const checks: ReadyCheck['checks'] = { pipeline: this.failed ? { ok: false, detail: 'processing failed' } : { ok: !this.stopping, detail: this.stopping ? 'stopping' : undefined } }
    for (const q of this.queues) checks[`sink:${q.sink.name}`] = q.healthy ? { ok: true } : { ok: false, detail: `failing, retrying with backoff (data kept): ${q.lastError ?? 'unknown error'}` }
    const lag = this.lag().seconds
    checks.lag = lag <= maxLagSecs ? { ok: true } : { ok: false, detail: `oldest undelivered event is ${Math.round(lag)} s old (server.max_lag_secs ${maxLagSecs})` }
    if (checks.pipeline.detail === undefined) delete checks.pipeline.detail
    return { ready: Object.values(checks).every((c) => c.ok), checks }
  }

  /** Stop reading, deliver what is in flight (bounded by the shutdown timeout), save the checkpoint. */
  async stop (): Promise<boolean> {
    if (this.stopping) return false
    this.stopping = true
    this.abort.abort()
    if (this.resume !== undefined) { const r = this.resume; this.resume = undefined; r() }
    return true
  }

  /**
   * After run() returned: flush, checkpoint, close. True when everything read was delivered.
   * After a failure (`saveCheckpoint` false) the checkpoint is left where it was: the batch
   * being processed may be half done, and reading it again is better than skipping it.
   */
  async finish (saveCheckpoint = true): Promise<boolean> {
    for (const t of this.timers) clearInterval(t)
    const deadline = Date.now() + this.o.shutdownTimeoutMs
    let all = true
    for (const q of this.queues) all = (await q.drain(Math.max(0, deadline - Date.now()))) && all
    for (const q of this.queues) q.stop()
    if (saveCheckpoint && !this.failed) await this.checkpoint()
    else await this.saving.catch(() => {})
    await this.source?.close()
    for (const q of this.queues) await q.sink.close()
    this.finished = true
    this.deadLetter.close()
    return all
  }
}

function sameFile (a: SourceFile, b: SourceFile): boolean {
  return a.identity.ino === b.identity.ino && a.identity.dev === b.identity.dev && a.identity.fingerprint === b.identity.fingerprint
}
