/**
 * The queue in front of one sink: batch → send → retry what failed.
 *
 * MUST flush a batch on `maxEvents`, `maxBytes` or `flushIntervalMs`, whichever comes first.
 * MUST keep at most `maxInFlight` batches in flight (1 keeps read order: a file sink appends
 *      in read order; clusters do not keep order anyway, `@timestamp` does).
 * MUST resend what the sink says is retryable, with exponential backoff and full jitter,
 *      honouring the peer's Retry-After, without an attempt limit; an event that has been
 *      failing longer than `maxAgeMs` is rejected as AS_SINK_EXPIRED (dead-lettered).
 * MUST hand every event back exactly once: `delivered` or `rejected`. Nothing is dropped.
 * The upstream bound (how many events may wait here) is the runner's: it stops reading when
 * too many events are pending across all sinks, so push() never has to refuse.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { SinkErrors } from '../errors.js'
import { SinkError, type OutEvent, type Rejected, type Sink, type WriteResult } from './sink.js'

export interface QueueOptions {
  maxEvents: number
  maxBytes: number
  flushIntervalMs: number
  maxInFlight?: number
  backoffInitialMs?: number
  backoffMaxMs?: number
  /** reject (dead-letter) an event still failing this long after it was queued; default never */
  maxAgeMs?: number
}

export interface QueueEvents {
  /** may throw (e.g. the dead-letter file cannot be written): the queue then stops */
  delivered (batch: OutEvent[]): void
  rejected (events: Rejected[]): void
  /** a callback threw: the queue has stopped; what was not handed back stays unsettled */
  crashed? (err: Error): void
  failed (err: Error, attempt: number): void
  recovered (attempts: number): void
}

/** The longest wait a Retry-After may ask for. */
const RETRY_AFTER_CAP_MS = 5 * 60_000
/** Consecutive failed attempts after which the sink counts as unhealthy (readiness). */
const UNHEALTHY_AFTER = 3

export class SinkQueue {
  private buf: OutEvent[] = []
  private bytes = 0
  private timer: NodeJS.Timeout | undefined
  private readonly sending = new Set<Promise<void>>()
  private closing = false
  private readonly stopper = new AbortController()
  private inFlight = 0
  private streak = 0
  private authFailing = false
  readonly stats = { batches: 0, events: 0, failures: 0, retries: 0, rejected: 0, failuresByCode: new Map<string, number>() }
  /** the last delivery error, for readiness and logs (cleared on success) */
  lastError: string | undefined

  constructor (readonly sink: Sink, private readonly opts: QueueOptions, private readonly on: QueueEvents) {}

  /** Healthy: the last attempt worked, or it is retrying a transient failure within its budget. */
  get healthy (): boolean {
    return !this.authFailing && this.streak < UNHEALTHY_AFTER
  }

  /** Events accepted and not yet delivered (buffered or in flight). */
  get queued (): number {
    return this.buf.length + this.inFlight
  }

  push (e: OutEvent): void {
    this.buf.push(e)
    this.bytes += e.data.length + 1
    if (this.buf.length >= this.opts.maxEvents || this.bytes >= this.opts.maxBytes) this.kick()
    else if (this.timer === undefined) this.timer = setTimeout(() => { this.timer = undefined; this.kick() }, this.opts.flushIntervalMs)
  }

  /** Start sending what is buffered while a send slot is free. */
  private kick (): void {
    const slots = this.opts.maxInFlight ?? 1
    while (this.sending.size < slots && this.buf.length > 0 && !this.stopper.signal.aborted) {
      if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
      // at most maxEvents and about maxBytes (at least one event) per batch
      let n = 0
      let size = 0
      while (n < this.buf.length && n < this.opts.maxEvents && (n === 0 || size + this.buf[n].data.length + 1 <= this.opts.maxBytes)) size += this.buf[n++].data.length + 1
      const batch = n === this.buf.length ? this.buf : this.buf.slice(0, n)
      this.buf = batch === this.buf ? [] : this.buf.slice(n)
      this.bytes -= size
      this.inFlight += batch.length
      const p: Promise<void> = this.sendSafely(batch).then((left) => {
        this.sending.delete(p)
        this.inFlight -= left
        if (this.buf.length >= this.opts.maxEvents || this.bytes >= this.opts.maxBytes || this.closing) this.kick()
        else if (this.buf.length > 0 && this.timer === undefined) this.timer = setTimeout(() => { this.timer = undefined; this.kick() }, this.opts.flushIntervalMs)
      })
      this.sending.add(p)
    }
  }

  /** send(), but a throwing callback stops the queue instead of leaving the slot taken. */
  private async sendSafely (batch: OutEvent[]): Promise<number> {
    try {
      return await this.send(batch)
    } catch (err) {
      this.stop()
      this.on.crashed?.(err as Error)
      // what was not handed back stays counted (queued > 0: drain() says not all delivered)
      return 0
    }
  }

  /** Send until every event is handed back; resolves with how many were not (stopped). */
  private async send (batch: OutEvent[]): Promise<number> {
    const initial = this.opts.backoffInitialMs ?? 100
    const max = this.opts.backoffMaxMs ?? 30_000
    let todo = batch
    let failedAttempts = 0
    for (let attempt = 1; todo.length > 0 && !this.stopper.signal.aborted; attempt++) {
      let result: WriteResult | undefined
      try {
        result = (await this.sink.write(todo)) ?? undefined
      } catch (err) {
        const e = err instanceof SinkError ? err : new SinkError(SinkErrors.WRITE, (err as Error).message, { cause: err })
        result = { retry: todo, error: e }
      }
      const retry = result?.retry ?? []
      const rejected = result?.rejected ?? []
      if (rejected.length > 0) this.reject(rejected)
      this.inFlight -= todo.length - retry.length
      const done = retry.length + rejected.length === 0 ? todo : without(todo, retry, rejected)
      if (done.length > 0) {
        this.stats.batches++
        this.stats.events += done.length
        this.on.delivered(done)
      }
      if (retry.length === 0) {
        if (failedAttempts > 0) this.on.recovered(attempt)
        this.streak = 0
        this.authFailing = false
        this.lastError = undefined
        return 0
      }
      const error = result?.error ?? new SinkError(SinkErrors.PROTOCOL, 'the sink asked for a retry without a reason')
      failedAttempts++
      this.streak++
      this.authFailing = error.unhealthy
      this.lastError = `${error.code}: ${error.message}`
      this.stats.failures++
      this.stats.failuresByCode.set(error.code, (this.stats.failuresByCode.get(error.code) ?? 0) + 1)
      this.on.failed(error, failedAttempts)
      todo = this.expire(retry, error)
      this.inFlight -= retry.length - todo.length
      if (todo.length === 0) return 0
      this.stats.retries++
      const cap = Math.min(max, initial * 2 ** Math.min(failedAttempts - 1, 30))
      let wait = Math.random() * cap
      if (error.retryAfterMs !== undefined) wait = Math.min(RETRY_AFTER_CAP_MS, Math.max(wait, error.retryAfterMs))
      await sleep(wait, undefined, { signal: this.stopper.signal }).catch(() => {})
    }
    return todo.length
  }

  /** Events past maxAgeMs are rejected with the last error as the reason; the rest go on. */
  private expire (retry: OutEvent[], last: SinkError): OutEvent[] {
    const maxAge = this.opts.maxAgeMs
    if (maxAge === undefined) return retry
    const limit = Date.now() - maxAge
    if (!retry.some((e) => e.queuedAt <= limit)) return retry
    const keep: OutEvent[] = []
    const old: Rejected[] = []
    for (const e of retry) {
      if (e.queuedAt > limit) keep.push(e)
      else old.push({ event: e, error: new SinkError(SinkErrors.EXPIRED, `not delivered after ${Math.round((Date.now() - e.queuedAt) / 1000)} s; last error ${last.code}: ${last.message}`, { status: last.status }) })
    }
    this.reject(old)
    return keep
  }

  private reject (rejected: Rejected[]): void {
    this.stats.rejected += rejected.length
    this.on.rejected(rejected)
  }

  /**
   * Give up retrying (shutdown after the drain timeout): what is not delivered stays
   * unsettled, so the checkpoint does not pass it and it is read again on the next start.
   */
  stop (): void {
    this.stopper.abort()
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
  }

  /** Send everything buffered and wait for it, up to `timeoutMs`. True when all was delivered. */
  async drain (timeoutMs: number): Promise<boolean> {
    this.closing = true
    const deadline = Date.now() + timeoutMs
    while (this.queued > 0 && Date.now() < deadline) {
      this.kick()
      if (this.sending.size === 0) break
      await Promise.race([...this.sending, sleep(Math.max(1, deadline - Date.now()))])
    }
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    return this.queued === 0
  }
}

/** `all` minus the events in `a` and in `b` (by identity). */
function without (all: OutEvent[], a: OutEvent[], b: Rejected[]): OutEvent[] {
  const out = new Set<OutEvent>(all)
  for (const e of a) out.delete(e)
  for (const r of b) out.delete(r.event)
  return [...out]
}
