/**
 * The daemon's main loop: source → pipeline → sink queues, with the checkpoint advanced only
 * after delivery (docs/design.md §2).
 *
 * - Reading is pulled: the loop asks the source for the next batch only while the sinks keep
 *   up (backpressure.ts); the log on disk is the buffer.
 * - Every event is opened in the low-water mark with its earliest record; each sink settles
 *   it on delivery, or after writing it to the dead-letter file when the sink refused it for
 *   good. Bad lines and schema-invalid events go to the dead-letter file and hold nothing back.
 * - Idle events are closed on the source's waiting time (Source.waitedMs, source/idle-clock.ts),
 *   so a slow or held-back reader never splits an event whose next records are on disk.
 * - The checkpoint (the low-water mark and the pipeline's state) is saved on an interval
 *   (checkpointer.ts) and at shutdown, with the delivered events whose records continue past
 *   it; after a restart their records are left out (design.md §2.7), so that no fragment of
 *   a delivered event is shipped again as an event of its own.
 * - Says at info where reading begins (start-line.ts) and, every `statsIntervalSecs`, the
 *   running totals (stats-line.ts); at debug each checkpoint saved and each batch delivered.
 * - stop(): stop reading; finish() delivers what is in flight and saves the checkpoint, all
 *   within `shutdownTimeoutMs` of the stop (shutdown.ts). Events still being assembled are not
 *   emitted half done from a replayable source: they are read again on the next start.
 * - reopen() (SIGHUP): the sinks' output files and the dead-letter file are opened anew (reopen.ts).
 */
import { Pipeline } from '../pipeline/pipeline.js'
import type { AuditEventRecords } from '../correlate/reassembler.js'
import type { SinkQueue } from '../ship/queue.js'
import { DeadLetter } from '../delivery/dead-letter.js'
import { CheckpointStore, type Checkpoint } from '../delivery/checkpoint-store.js'
import { AppErrors, AuditshipError } from '../errors.js'
import { LowWaterMark } from '../delivery/low-water-mark.js'
import type { Source, SourceBatch } from '../source/source.js'
import { Backpressure } from './backpressure.js'
import { Checkpointer } from './checkpointer.js'
import { RunStatus } from './status.js'
import { StatsLine } from './stats-line.js'
import { logStart } from './start-line.js'
import { feed } from './feed.js'
import { badLine, invalidEvent, type Entry } from './dead-letters.js'
import { Dispatch } from './dispatch.js'
export type { RunnerOptions } from './options.js'
import type { RunnerOptions } from './options.js'
import { reopenOutputs } from './reopen.js'
import { closeSinks, drainQueues, stopBudget } from './shutdown.js'
import { checkpointState, checkpointVersion, finishedEvent, resumeAt } from './restart-skip.js'

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
  private readonly statsLine: StatsLine
  private source: Source | undefined
  private started = false // the source has started: readiness says 'starting' until then
  private readonly abort = new AbortController()
  /** when stop() was called (the shutdown timeout counts from there) */
  private stopAt: number | undefined
  private get stopping (): boolean { return this.stopAt !== undefined }
  /** finish() is done: answers that come later are ignored (their events are read again) */
  private finished = false
  private idleTimer: NodeJS.Timeout | undefined
  private timerError: Error | undefined

  constructor (private readonly o: RunnerOptions) {
    this.deadLetter = new DeadLetter(o.deadLetterPath)
    this.store = new CheckpointStore(o.stateDir)
    this.mark = new LowWaterMark({ held: () => this.pipeline.oldestHeld(), heldFirsts: () => this.pipeline.heldFirsts(), read: () => this.source?.position() ?? null, sinks: o.sinks.length })
    this.gate = new Backpressure({ maxEvents: o.maxPendingEvents, maxBytes: o.maxPendingBytes, pending: () => this.mark.pending })
    const dispatch = new Dispatch({ sinks: o.sinks, mark: this.mark, gate: this.gate, deadLetter: (e) => this.deadLettered(e), log: o.log, crashed: (err) => this.fail(err), finished: () => this.finished, settled: () => { if (this.source?.replayable !== false) this.checkpointer.soon() } })
    this.queues = dispatch.queues
    // idle events are timed on the time the source spent waiting for input; the Teleport join
    // keeps an undo journal so that its state is saved as of the checkpoint
    const teleport = o.pipeline.teleport === false ? false : { ...o.pipeline.teleport, journal: o.maxPendingEvents + o.pipeline.maxInFlight }
    const finished = (ev: AuditEventRecords): void => finishedEvent(this.mark, this.source?.replayable === true, ev)
    const fileOf = (gen: number): string | undefined => this.source?.replayable === true ? this.mark.fileOf(gen) : undefined // log.file.path: not on stdin
    this.pipeline = new Pipeline({ ...o.pipeline, wallClock: true, now: () => this.source?.waitedMs() ?? 0, teleport, fileOf }, {
      event: (doc, ev) => { dispatch.push(doc, ev); finished(ev) },
      filtered: (ev) => { finished(ev) },
      lineError: (err, source) => { this.deadLettered(badLine(err, source)) },
      invalid: (doc, issues, ev) => { o.log.error({ event: ev.key, issue: issues[0] }, 'event does not match the event schema: dead-lettered'); this.deadLettered(invalidEvent(doc, issues)); finished(ev) },
    })
    this.checkpointer = new Checkpointer({
      intervalMs: o.checkpointIntervalMs,
      soonMs: o.checkpointAfterDeliveryMs,
      state: () => checkpointState(this.mark, this.pipeline, o.sinks.map((s) => s.sink.name)),
      version: () => checkpointVersion(this.mark, this.pipeline),
      save: async (state) => await this.store.save(state), beforeSave: () => this.deadLetter.sync(),
      failed: () => this.failed,
      onError: (err, failingMs) => o.log.error({ err: err.message, failing_ms: failingMs }, 'cannot save the checkpoint; delivery goes on, will retry'),
      onRecovered: (failedMs) => o.log.warn({ failed_ms: failedMs }, 'the checkpoint is saved again'),
      saved: (state, ms) => o.log.debug({ path: state.position?.path, offset: state.position?.offset, ms }, 'checkpoint saved'),
    })
    this.status = new RunStatus({
      pipeline: this.pipeline, queues: this.queues, mark: this.mark, source: () => this.started ? this.source : undefined, deadLettered: () => this.stats.deadLettered,
      failed: () => this.failed, stopping: () => this.stopping, checkpoint: this.checkpointer, checkpointIntervalMs: o.checkpointIntervalMs, stateDir: o.stateDir,
    })
    this.statsLine = new StatsLine({ intervalSecs: o.statsIntervalSecs ?? 0, totals: async () => await this.status.totals(), log: o.log })
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

  /** Run until the source ends or stop(); `resume`: the checkpoint checked at start (run/start.ts), else loaded here. */
  async run (resume?: { checkpoint: Checkpoint | undefined }): Promise<void> {
    const loaded = resume === undefined ? await this.store.load() : { ok: true as const, ...resume }
    if (!loaded.ok) throw new AuditshipError(AppErrors.CHECKPOINT_INVALID, loaded.error)
    const cp = loaded.checkpoint
    try {
      this.pipeline.importState(cp?.teleport ?? null)
    } catch (err) {
      throw new AuditshipError(AppErrors.CHECKPOINT_INVALID, `${this.store.path}: the Teleport join state cannot be loaded: ${(err as Error).message}`)
    }
    this.checkpointer.start()
    this.idleTimer = setInterval(() => {
      if (this.stopping) return
      // e.g. the dead-letter file cannot be written: stop like a failure in the read loop
      try { this.pipeline.flushIdle(this.o.idleTimeoutMs) } catch (err) { this.fail(err as Error) }
    }, Math.max(50, this.o.idleTimeoutMs / 2))
    this.idleTimer.unref()
    const start = cp?.position ?? undefined
    resumeAt(this.mark, this.pipeline, cp, this.queues.map((q) => q.sink.name))
    const source = this.o.source(start)
    this.source = source
    await source.start()
    this.started = true
    if (source.replayable) logStart(this.o.log, source.position(), start !== undefined ? 'checkpoint' : this.o.readFrom ?? 'end')
    this.statsLine.start()
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
    this.stopAt = Date.now()
    this.abort.abort()
    this.gate.release()
    return true
  }

  async reopen (): Promise<void> {
    if (!this.finished) await reopenOutputs(this.queues.map((q) => q.sink), this.deadLetter, this.o.log, (err) => this.fail(err))
  }

  /**
   * After run(): deliver, checkpoint and close within the shutdown timeout of stop(); true when all
   * was delivered. After a failure (`saveCheckpoint` false) the checkpoint stays. Throws (after closing) if it cannot be saved.
   */
  async finish (saveCheckpoint = true): Promise<boolean> {
    this.checkpointer.stop()
    this.statsLine.stop()
    clearInterval(this.idleTimer)
    const budget = stopBudget(this.stopAt ?? Date.now(), this.o.shutdownTimeoutMs)
    const all = await drainQueues(this.queues, budget.drainUntil)
    try {
      await (saveCheckpoint && !this.failed ? this.checkpointer.save() : this.checkpointer.settled())
    } finally {
      await this.source?.close()
      await closeSinks(this.queues.map((q) => q.sink), budget.closeUntil - Date.now(), this.o.log)
      this.finished = true
      this.deadLetter.close()
    }
    return all
  }
}
