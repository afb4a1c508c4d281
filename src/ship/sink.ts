/**
 * The sink interface every destination implements (file, stdout, blackhole, Elasticsearch,
 * Splunk HEC, HTTP). A sink receives a batch and says what became of each event:
 *
 * - resolving with nothing (or an empty result) means the whole batch is delivered (durable
 *   for a file: written and fsynced; indexed or acknowledged for a cluster);
 * - `retry` lists events to send again after a backoff, with the `error` that is the reason;
 * - `rejected` lists events refused for good, with the reason: they go to the dead-letter
 *   file and count as settled;
 * - throwing means nothing of the batch is known to be delivered: all of it is retried.
 *
 * A sink never drops an event silently: each one is delivered, retried, or rejected.
 */
import type { Ticket } from '../delivery/ack-tracker.js'
import { AuditshipError, SinkErrors, type SinkErrorDef } from '../errors.js'

export interface OutEvent {
  /**
   * The event as UTF-8 JSON, without a newline. A Buffer, not a string: thousands of events
   * wait for delivery, and off the V8 heap they cost the garbage collector nothing.
   */
  data: Buffer
  ticket: Ticket
  /** identity of the event: node, time and serial as written in the log */
  meta: EventMeta
  /** wall-clock ms when the event was queued (for retry.max_age_secs) */
  queuedAt: number
}

export interface EventMeta {
  node: string | undefined
  sec: number
  ms: number
  serial: number
  /** the type of the event's first record (tells apart two events with one key, see ship/event-id.ts) */
  firstType: number
}

export interface Rejected {
  event: OutEvent
  error: SinkError
}

export interface WriteResult {
  retry?: OutEvent[]
  rejected?: Rejected[]
  /** why `retry` is not empty */
  error?: SinkError
}

export interface SinkHealth {
  ok: boolean
  detail: string
}

export interface Sink {
  readonly name: string
  write (batch: OutEvent[]): Promise<WriteResult | undefined | void>
  close (): Promise<void>
  /** ask the endpoint whether it is up (doctor); sinks without a health call omit it */
  health? (): Promise<SinkHealth>
  /** request durations, for the metrics endpoint */
  readonly timings?: DurationHistogram
}

/** A delivery failure with its bounded code (src/errors.ts, SinkErrors). */
export class SinkError extends AuditshipError {
  /** the peer's `Retry-After`, in ms */
  retryAfterMs: number | undefined
  /** the failure says the sink is misconfigured (credentials, token): not ready until it works */
  readonly unhealthy: boolean
  /** HTTP status, when there was one */
  readonly status: number | undefined

  constructor (d: SinkErrorDef, detail: string, o: { status?: number, retryAfterMs?: number, unhealthy?: boolean, cause?: unknown } = {}) {
    super(d, detail, { cause: o.cause })
    this.name = 'SinkError'
    this.status = o.status
    this.retryAfterMs = o.retryAfterMs
    this.unhealthy = o.unhealthy ?? d === SinkErrors.AUTH
  }
}

/** Cumulative request-duration buckets (seconds), read by the metrics endpoint. */
export class DurationHistogram {
  static readonly BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
  readonly counts = new Array<number>(DurationHistogram.BUCKETS.length).fill(0)
  count = 0
  sum = 0

  observe (seconds: number): void {
    const b = DurationHistogram.BUCKETS
    for (let i = b.length - 1; i >= 0 && seconds <= b[i]; i--) this.counts[i]++
    this.count++
    this.sum += seconds
  }
}
