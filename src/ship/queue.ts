/**
 * The queue in front of one sink: the sender chain batcher → retry → timeout → sink
 * (batcher.ts, retry.ts, timeout.ts, sender.ts), with its status (sink-status.ts).
 *
 * MUST flush a batch on `maxEvents`, `maxBytes` or `flushIntervalMs`, whichever comes first,
 *      with at most `maxInFlight` batches in flight (batcher.ts).
 * MUST resend what the sink says is retryable, with the backoff of backoff.ts (exponential,
 *      full jitter, at least the peer's Retry-After), without an attempt limit; an event that
 *      has been failing longer than `maxAgeMs` is rejected as AS_SINK_EXPIRED (dead-lettered);
 *      the error's kind decides (retry.ts).
 * MUST hand every event back exactly once: `delivered` or `rejected`. Nothing is dropped.
 * A callback that throws (e.g. the dead-letter file cannot be written) stops the queue; what
 * was not handed back stays unsettled and counted in `queued`.
 */
import { Batcher } from './batcher.js'
import { RetrySender } from './retry.js'
import { withTimeout } from './timeout.js'
import { sinkSender } from './sender.js'
import { SinkStatus, type SinkStats } from './sink-status.js'
import type { OutEvent, Rejected, Sink, SinkError } from './sink.js'

export interface QueueOptions {
  maxEvents: number
  maxBytes: number
  flushIntervalMs: number
  maxInFlight?: number
  backoffInitialMs?: number
  backoffMaxMs?: number
  /** reject (dead-letter) an event still failing this long after it was queued; default never */
  maxAgeMs?: number
  /** bound each attempt (timeout.ts); default: only the sink's own request timeouts */
  attemptTimeoutMs?: number
}

export interface QueueEvents {
  /** may throw (e.g. the dead-letter file cannot be written): the queue then stops */
  delivered (batch: OutEvent[]): void
  rejected (events: Rejected[]): void
  /** a callback threw: the queue has stopped; what was not handed back stays unsettled */
  crashed? (err: Error): void
  /** an attempt failed: `err` says why (its code and kind), `attempt` counts the failures in a row of this batch */
  failed (err: SinkError, attempt: number): void
  recovered (attempts: number): void
}

export class SinkQueue {
  private readonly status = new SinkStatus()
  readonly stats: SinkStats = this.status.stats
  private readonly batcher: Batcher
  private readonly retry: RetrySender
  private readonly stopper = new AbortController()
  /** events in batches being sent and not yet handed back */
  private inFlight = 0

  constructor (readonly sink: Sink, opts: QueueOptions, private readonly on: QueueEvents) {
    const s = this.status
    this.retry = new RetrySender(withTimeout(sinkSender(sink), opts.attemptTimeoutMs), {
      initialMs: opts.backoffInitialMs ?? 100,
      maxMs: opts.backoffMaxMs ?? 30_000,
      maxAgeMs: opts.maxAgeMs,
    }, {
      // counted as handed back only once the owner took them (a throwing callback keeps them)
      rejected: (events) => { s.rejected(events.length); on.rejected(events); this.inFlight -= events.length },
      delivered: (events) => { s.delivered(events.length); on.delivered(events); this.inFlight -= events.length },
      failed: (error, failures) => { s.failed(error); on.failed(error, failures) },
      retrying: () => s.retrying(),
      succeeded: (attempts, failures) => {
        if (failures > 0) on.recovered(attempts)
        s.succeeded()
      },
    })
    this.batcher = new Batcher(opts, async (batch) => await this.send(batch))
  }

  /** Healthy: the last attempt worked, or it is retrying a transient failure within its budget. */
  get healthy (): boolean {
    return this.status.healthy
  }

  /** The last delivery error, for readiness and logs (cleared on success). */
  get lastError (): string | undefined {
    return this.status.lastError
  }

  /** Events accepted and not yet delivered (buffered or in flight). */
  get queued (): number {
    return this.batcher.buffered + this.inFlight
  }

  push (e: OutEvent): void {
    this.batcher.push(e)
  }

  /** One batch through retry → timeout → sink; a throwing callback stops the queue instead of leaving the slot taken. */
  private async send (batch: OutEvent[]): Promise<void> {
    this.inFlight += batch.length
    try {
      const left = await this.retry.send(batch, this.stopper.signal)
      // stopped: what was not handed back is no longer in flight (it is read again after a restart)
      this.inFlight -= left.length
    } catch (err) {
      this.stop()
      this.on.crashed?.(err as Error)
    }
  }

  /**
   * Give up retrying (shutdown after the drain timeout): what is not delivered stays
   * unsettled, so the checkpoint does not pass it and it is read again on the next start.
   */
  stop (): void {
    this.stopper.abort()
    this.batcher.stop()
  }

  /** Send everything buffered and wait for it, up to `timeoutMs`. True when all was delivered. */
  async drain (timeoutMs: number): Promise<boolean> {
    await this.batcher.drain(timeoutMs, () => this.queued)
    return this.queued === 0
  }
}
