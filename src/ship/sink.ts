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
import { AuditshipError, type SinkErrorDef } from '../errors.js'
import type { RequestDurations } from '../telemetry/request-durations.js'
import { redact } from '../telemetry/redact.js'

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
  /** the type of the event's first record (tells apart two events with one key, see sinks/elasticsearch/bulk.ts) */
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
  /** `signal` aborts when the attempt has run out of time (ship/timeout.ts): stop what is under way */
  write (batch: OutEvent[], signal?: AbortSignal): Promise<WriteResult | undefined | void>
  close (): Promise<void>
  /** SIGHUP: reopen the output file (after the operator rotated it); resolves with its path */
  reopen? (): Promise<string>
  /** ask the endpoint whether it is up (doctor); sinks without a health call omit it */
  health? (): Promise<SinkHealth>
  /** request durations, for the metrics endpoint */
  readonly timings?: RequestDurations
}

/**
 * A delivery failure with its bounded code and kind (src/errors.ts, SinkErrors). Its message
 * is redacted (telemetry/redact.ts): it often quotes the peer, and it goes to the log,
 * /readyz and the dead-letter file.
 */
export class SinkError extends AuditshipError {
  /** the peer's `Retry-After`, in ms */
  retryAfterMs: number | undefined
  /** HTTP status, when there was one */
  readonly status: number | undefined

  constructor (d: SinkErrorDef, detail: string, o: { status?: number, retryAfterMs?: number, cause?: unknown } = {}) {
    super(d, redact(detail), { cause: o.cause })
    this.name = 'SinkError'
    this.status = o.status
    this.retryAfterMs = o.retryAfterMs
  }

  /** the sink is misconfigured (credentials, token, path): not ready until it works (kind `blocked`) */
  get unhealthy (): boolean {
    return this.kind === 'blocked'
  }
}
