/**
 * The queue in front of one sink: batch → send → retry.
 *
 * MUST flush a batch on `maxEvents`, `maxBytes` or `flushIntervalMs`, whichever comes first.
 * MUST keep one batch in flight per sink (order is kept; a file sink appends in read order).
 * MUST retry a failed batch with exponential backoff and full jitter, without limit, and
 *      never drop it; every failure is counted and logged once per streak.
 * The upstream bound (how many events may wait here) is the runner's: it stops reading when
 * too many events are pending across all sinks.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { OutEvent, Sink } from './sink.js'

export interface QueueOptions {
  maxEvents: number
  maxBytes: number
  flushIntervalMs: number
  backoffInitialMs?: number
  backoffMaxMs?: number
}

export interface QueueEvents {
  delivered (batch: OutEvent[]): void
  failed (err: Error, attempt: number): void
  recovered (attempts: number): void
}

export class SinkQueue {
  private buf: OutEvent[] = []
  private bytes = 0
  private timer: NodeJS.Timeout | undefined
  private sending: Promise<void> | undefined
  private closing = false
  private readonly stopper = new AbortController()
  readonly stats = { batches: 0, events: 0, failures: 0, retries: 0 }
  healthy = true

  constructor (readonly sink: Sink, private readonly opts: QueueOptions, private readonly on: QueueEvents) {}

  /** Events accepted and not yet delivered (buffered or in flight). */
  get queued (): number {
    return this.buf.length + this.inFlight
  }

  private inFlight = 0

  push (e: OutEvent): void {
    this.buf.push(e)
    this.bytes += e.json.length + 1
    if (this.buf.length >= this.opts.maxEvents || this.bytes >= this.opts.maxBytes) this.kick()
    else if (this.timer === undefined) this.timer = setTimeout(() => { this.timer = undefined; this.kick() }, this.opts.flushIntervalMs)
  }

  /** Start sending what is buffered if nothing is in flight. */
  private kick (): void {
    if (this.sending !== undefined || this.buf.length === 0) return
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    const batch = this.buf
    this.buf = []
    this.bytes = 0
    this.inFlight = batch.length
    this.sending = this.send(batch).finally(() => {
      this.sending = undefined
      this.inFlight = 0
      if (this.buf.length >= this.opts.maxEvents || this.bytes >= this.opts.maxBytes || this.closing) this.kick()
      else if (this.buf.length > 0 && this.timer === undefined) this.timer = setTimeout(() => { this.timer = undefined; this.kick() }, this.opts.flushIntervalMs)
    })
  }

  private async send (batch: OutEvent[]): Promise<void> {
    const initial = this.opts.backoffInitialMs ?? 100
    const max = this.opts.backoffMaxMs ?? 30_000
    for (let attempt = 1; !this.stopper.signal.aborted; attempt++) {
      try {
        await this.sink.write(batch)
        if (attempt > 1) { this.healthy = true; this.on.recovered(attempt) }
        this.stats.batches++
        this.stats.events += batch.length
        this.on.delivered(batch)
        return
      } catch (err) {
        this.stats.failures++
        this.healthy = false
        this.on.failed(err as Error, attempt)
        this.stats.retries++
        const cap = Math.min(max, initial * 2 ** Math.min(attempt - 1, 20))
        await sleep(Math.random() * cap, undefined, { signal: this.stopper.signal }).catch(() => {})
      }
    }
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
      const s = this.sending
      if (s === undefined) break
      await Promise.race([s, sleep(Math.max(1, deadline - Date.now()))])
    }
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
    return this.queued === 0
  }
}
