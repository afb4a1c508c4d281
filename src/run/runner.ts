/**
 * The daemon's main loop: source → pipeline → sink queues, with the checkpoint advanced only
 * after delivery (docs/design.md §2).
 *
 * - Reading is pulled: the loop asks the source for the next batch only while the sinks keep
 *   up (backpressure.ts); the log on disk is the buffer.
 * - Every event is opened in the low-water mark with its earliest record; each sink settles
 *   it on delivery, or after writing it to the dead-letter file when the sink refused it for
 *   good. Bad lines and schema-invalid events go to the dead-letter file and hold nothing back.
 * - Idle events are closed on the reading clock, which stops while reading waits for the sinks.
 * - The checkpoint (the low-water mark and the pipeline's state) is saved on an interval
 *   (checkpointer.ts) and at shutdown, with the delivered events whose records continue past
 *   it; after a restart their records are left out (design.md §2.7), so that no fragment of
 *   a delivered event is shipped again as an event of its own.
 * - stop(): stop reading, deliver what is in flight within `shutdownTimeoutMs` (finish()),
 *   save the checkpoint. Events still being assembled are not emitted half done from a
 *   replayable source: they lie after the checkpoint and are read again on the next start.
 */
import type { Logger } from '../telemetry/logger.js'
import { Pipeline, type PipelineOptions } from '../pipeline/pipeline.js'
import type { AuditEventRecords } from '../correlate/reassembler.js'
import type { SinkQueue, QueueOptions } from '../ship/queue.js'
import type { Sink } from '../ship/sink.js'
import { DeadLetter } from '../delivery/dead-letter.js'
import { CheckpointStore } from '../delivery/checkpoint-store.js'
import { LowWaterMark } from '../delivery/low-water-mark.js'
import type { Source, SourceBatch, SourcePosition } from '../source/source.js'
import { Backpressure } from './backpressure.js'
import { Checkpointer } from './checkpointer.js'
import { RunStatus } from './status.js'
import { feed } from './feed.js'
import { badLine, invalidEvent, type Entry } from './dead-letters.js'
import { Dispatch } from './dispatch.js'

export interface RunnerOptions {
  /** opens the source, at the checkpoint's position when there is one */
  source: (resume: SourcePosition | undefined) => Source
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
  readonly pipeline: Pipeline
  readonly queues: SinkQueue[]
  readonly mark: LowWaterMark
  readonly status: RunStatus
  readonly stats = { deadLettered: 0 }
  /** set when processing failed: no checkpoint may be taken from a half-done batch */
  failed = false
  private readonly deadLetter: DeadLetter
  private readonly store: CheckpointStore
  private readonly gate: Backpressure
  private readonly checkpointer: Checkpointer
  private source: Source | undefined
  private readonly abort = new AbortController()
  private stopping = false
  /** finish() is done: answers that come later are ignored (their events are read again) */
  private finished = false
  private idleTimer: NodeJS.Timeout | undefined
  private timerError: Error | undefined

  constructor (private readonly o: RunnerOptions) {
    this.deadLetter = new DeadLetter(o.deadLetterPath)
    this.store = new CheckpointStore(o.stateDir)
    this.mark = new LowWaterMark({ held: () => this.pipeline.oldestHeld(), heldFirsts: () => this.pipeline.heldFirsts(), read: () => this.source?.position() ?? null })
    this.gate = new Backpressure({ maxEvents: o.maxPendingEvents, maxBytes: o.maxPendingBytes, pending: () => this.mark.pending })
    const dispatch = new Dispatch({ sinks: o.sinks, mark: this.mark, gate: this.gate, deadLetter: (e) => this.deadLettered(e), log: o.log, crashed: (err) => this.fail(err), finished: () => this.finished })
    this.queues = dispatch.queues
    // idle events are timed on a clock that stops while reading waits for the sinks; the
    // Teleport join keeps an undo journal so that its state is saved as of the checkpoint
    const teleport = o.pipeline.teleport === false ? false : { ...o.pipeline.teleport, journal: o.maxPendingEvents + o.pipeline.maxInFlight }
    this.pipeline = new Pipeline({ ...o.pipeline, wallClock: true, now: () => this.gate.readingClock(), teleport }, {
      event: (doc, ev) => { dispatch.push(doc, ev); this.finishedEvent(ev) },
      lineError: (err, source) => { this.deadLettered(badLine(err, source)) },
      invalid: (doc, issues, ev) => {
        o.log.error({ event: ev.key, issue: issues[0] }, 'event does not match the event schema: dead-lettered')
        this.deadLettered(invalidEvent(doc, issues))
        this.finishedEvent(ev)
      },
    })
    this.checkpointer = new Checkpointer({
      intervalMs: o.checkpointIntervalMs,
      state: () => {
        const { position, skip } = this.mark.resume()
        return { position, ...(skip.length > 0 ? { skip } : {}), teleport: this.pipeline.exportState(this.mark.mark()?.seq) }
      },
      save: async (state) => await this.store.save(state),
      beforeSave: () => this.deadLetter.sync(),
      failed: () => this.failed,
      onError: (err) => o.log.error({ err: err.message }, 'cannot save the checkpoint; will retry'),
    })
    this.status = new RunStatus({
      pipeline: this.pipeline,
      queues: this.queues,
      mark: this.mark,
      source: () => this.source,
      deadLettered: () => this.stats.deadLettered,
      checkpoints: () => this.checkpointer.saved,
      failed: () => this.failed,
      stopping: () => this.stopping,
    })
  }

  /** An event left the pipeline (to the sinks or the dead letter): it may span a later checkpoint. */
  private finishedEvent (ev: AuditEventRecords): void {
    if (this.source?.replayable === true) this.mark.finished({ key: ev.key, firstSeq: ev.records[0].seq, last: ev.last, overlapped: ev.overlapped })
  }

  private deadLettered (entry: Entry): void {
    this.stats.deadLettered++
    this.deadLetter.write(entry)
  }

  /** A failure outside the read loop (a timer, a queue callback): stop without moving the checkpoint. */
  private fail (err: Error): void {
    this.timerError ??= err
    this.failed = true
    void this.stop()
  }

  /** Run until the source ends or stop() is called. */
  async run (): Promise<void> {
    const loaded = await this.store.load()
    if (!loaded.ok) throw new Error(loaded.error)
    const cp = loaded.checkpoint
    this.pipeline.importState(cp?.teleport ?? null)
    this.checkpointer.start()
    this.idleTimer = setInterval(() => {
      if (this.stopping) return
      // e.g. the dead-letter file cannot be written: stop like a failure in the read loop
      try { this.pipeline.flushIdle(this.o.idleTimeoutMs) } catch (err) { this.fail(err as Error) }
    }, Math.max(50, this.o.idleTimeoutMs / 2))
    this.idleTimer.unref()

    const start = cp?.position ?? undefined
    if (start !== undefined && cp?.skip !== undefined) {
      const tails = this.mark.tails
      tails.carry(cp.skip)
      this.pipeline.resume(cp.skip, { seen: (e, seq) => tails.seen(e, seq), passed: (e) => tails.passed(e) })
    }
    const source = this.o.source(start)
    this.source = source
    if (source.replayable) this.o.log.info({ resume: start ?? null }, start === undefined ? 'starting without a checkpoint' : 'resuming from checkpoint')
    await source.start()
    await this.loop(source)
    if (this.timerError !== undefined) throw this.timerError
  }

  private async loop (source: Source): Promise<void> {
    while (!this.stopping) {
      await this.gate.wait()
      if (this.stopping) break
      let batch: SourceBatch | null
      try {
        batch = await source.read(this.abort.signal)
      } catch (err) {
        if (this.stopping) break
        throw err
      }
      if (batch === null) break
      feed(this.pipeline, batch, this.mark.generation(batch.file))
    }
    if (source.replayable) return
    // a feed is not read again: its last partial line is a line (handed out once the read is
    // aborted or the feed ended), and nothing will complete the open events: emit them
    for (let b = await source.read(this.abort.signal); b !== null; b = await source.read(this.abort.signal)) feed(this.pipeline, b, this.mark.generation(b.file))
    this.pipeline.end()
  }

  /** Stop reading; run() returns, then finish() delivers and saves. False when already stopping. */
  async stop (): Promise<boolean> {
    if (this.stopping) return false
    this.stopping = true
    this.abort.abort()
    this.gate.release()
    return true
  }

  /**
   * After run() returned: deliver what is in flight (within the shutdown timeout), checkpoint,
   * close. True when everything read was delivered. After a failure (`saveCheckpoint` false)
   * the checkpoint is left where it was: the batch being processed may be half done, and
   * reading it again is better than skipping it.
   */
  async finish (saveCheckpoint = true): Promise<boolean> {
    this.checkpointer.stop()
    clearInterval(this.idleTimer)
    const deadline = Date.now() + this.o.shutdownTimeoutMs
    let all = true
    for (const q of this.queues) all = (await q.drain(Math.max(0, deadline - Date.now()))) && all
    for (const q of this.queues) q.stop()
    if (saveCheckpoint && !this.failed) await this.checkpointer.save()
    else await this.checkpointer.settled()
    await this.source?.close()
    for (const q of this.queues) await q.sink.close()
    this.finished = true
    this.deadLetter.close()
    return all
  }
}
