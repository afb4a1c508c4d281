/**
 * Events out to every sink queue, and their answers back into delivery tracking.
 *
 * MUST open each event in the low-water mark for every sink before any queue sees it; after a
 *      restart, an event a sink had before its own position is not sent to it (LowWaterMark.openFor).
 * MUST settle an event for a sink only when that sink delivered it, or refused it for good
 *      after it was written to the dead-letter file (with the reason and the whole event).
 * A refusal that comes after finish() is ignored: the checkpoint is taken, the event is read
 *      again on the next start.
 */
import type { Logger } from '../telemetry/logger.js'
import type { PipelineOutput } from '../pipeline/pipeline.js'
import { SinkQueue, type QueueOptions } from '../ship/queue.js'
import type { OutEvent, Rejected, Sink } from '../ship/sink.js'
import type { LowWaterMark } from '../delivery/low-water-mark.js'
import { MAX_SKIPPABLE_SINKS } from '../delivery/sink-marks.js'
import type { Backpressure } from './backpressure.js'
import { refusedEvent, type Entry } from './dead-letters.js'

export interface DispatchOptions {
  sinks: Array<{ sink: Sink, queue: QueueOptions }>
  mark: LowWaterMark
  gate: Backpressure
  deadLetter: (entry: Entry) => void
  log: Logger
  /** a queue cannot go on (one of these callbacks threw, e.g. the dead-letter file cannot be written) */
  crashed: (err: Error) => void
  /** finish() is done: late answers are ignored */
  finished: () => boolean
  /**
   * a batch was settled (the checkpoint may move: save it soon, so that a crash resends little;
   * the runner does not on a feed (stdin): nothing is read again after a restart there, the
   * checkpoint holds only the Teleport join state, and its interval saves that; those soon
   * saves were ~15 % of the daemon's CPU at 1,000 events/s, measured)
   */
  settled?: () => void
}

export class Dispatch {
  readonly queues: SinkQueue[]

  constructor (private readonly o: DispatchOptions) {
    this.queues = o.sinks.map(({ sink, queue }, i) => new SinkQueue(sink, queue, {
      delivered: (batch) => { this.delivered(i, batch); this.debugBatch(sink.name, batch) },
      rejected: (events) => this.rejected(i, sink.name, events),
      crashed: (err) => { o.log.error({ sink: sink.name, err: err.message }, 'cannot go on with this sink: stopping without moving the checkpoint'); o.crashed(err) },
      failed: (err, attempt) => { if (attempt === 1) o.log.error({ sink: sink.name, err: err.message }, 'sink write failed; retrying with backoff (data kept)') },
      recovered: (attempts) => o.log.info({ sink: sink.name, attempts }, 'sink healthy again'),
    }))
  }

  /** A finished event (PipelineOutput.event) to every sink. */
  push (...[doc, ev]: Parameters<PipelineOutput['event']>): void {
    const first = ev.records[0]
    const ticket = this.o.mark.openFor(first)
    if (ticket === undefined) return // every sink had it before the restart
    const out: OutEvent = { data: Buffer.from(JSON.stringify(doc), 'utf8'), ticket, meta: { node: ev.node, sec: ev.sec, ms: ev.ms, serial: ev.serial, firstType: first.typeNum }, queuedAt: Date.now() }
    this.o.gate.added(out.data.length)
    const skip = ticket.skip
    for (let i = 0; i < this.queues.length; i++) if (skip === 0 || i >= MAX_SKIPPABLE_SINKS || (skip & (1 << i)) === 0) this.queues[i].push(out)
  }

  private delivered (sink: number, batch: OutEvent[]): void {
    let freed = 0
    for (const e of batch) if (this.o.mark.settle(e.ticket, sink)) freed += e.data.length
    this.o.gate.freed(freed)
    this.o.settled?.()
  }

  /** debug: one line per batch delivered (sink, events, bytes, ms since its oldest event was queued). */
  private debugBatch (sink: string, batch: OutEvent[]): void {
    if (!this.o.log.isLevelEnabled('debug') || batch.length === 0) return
    let bytes = 0
    let queuedAt = Infinity
    for (const e of batch) { bytes += e.data.length; queuedAt = Math.min(queuedAt, e.queuedAt) }
    this.o.log.debug({ sink, events: batch.length, bytes, ms: Date.now() - queuedAt }, 'batch delivered')
  }

  /** A sink refused events for good: dead-letter each whole event with the reason, then settle it for that sink. */
  private rejected (index: number, sink: string, events: Rejected[]): void {
    // a late answer after finish(): the checkpoint is taken, leave them to be read again
    if (this.o.finished()) return
    for (const r of events) this.o.deadLetter(refusedEvent(sink, r))
    this.o.log.error({ sink, events: events.length, code: events[0].error.code, reason: events[0].error.message }, 'sink refused events: dead-lettered')
    this.delivered(index, events.map((r) => r.event))
  }
}
