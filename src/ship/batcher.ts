/**
 * The batcher: the first link of the sender chain. Events wait in a buffer and leave in batches.
 *
 * MUST flush a batch on `maxEvents`, `maxBytes` or `flushIntervalMs`, whichever comes first.
 * MUST cut batches of at most `maxEvents` events and about `maxBytes` bytes (at least one
 *      event, however large), in the order pushed.
 * MUST keep at most `maxInFlight` batches in flight (1 keeps read order: a file sink appends
 *      in read order; clusters do not keep order anyway, `@timestamp` does).
 * The upstream bound (how many events may wait here) is the runner's: it stops reading when
 * too many events are pending across all sinks, so push() never has to refuse.
 */
import type { OutEvent } from './sink.js'

export interface BatchOptions {
  maxEvents: number
  maxBytes: number
  flushIntervalMs: number
  /** batches in flight at once; default 1 */
  maxInFlight?: number
}

/** Bytes an event takes in a batch (its JSON and a newline). */
const sizeOf = (e: OutEvent): number => e.data.length + 1

export class Batcher {
  private buf: OutEvent[] = []
  private bytes = 0
  private timer: NodeJS.Timeout | undefined
  private readonly sending = new Set<Promise<void>>()
  /** flush whatever is buffered, full batches or not (drain) */
  private closing = false
  private stopped = false

  /** `send` must not reject: it resolves when the batch is done with (ship/queue.ts). */
  constructor (private readonly o: BatchOptions, private readonly send: (batch: OutEvent[]) => Promise<void>) {}

  /** Events buffered, not yet in a batch. */
  get buffered (): number {
    return this.buf.length
  }

  push (e: OutEvent): void {
    this.buf.push(e)
    this.bytes += sizeOf(e)
    if (this.full()) this.kick()
    else this.arm()
  }

  private full (): boolean {
    return this.buf.length >= this.o.maxEvents || this.bytes >= this.o.maxBytes
  }

  /** Flush after flushIntervalMs unless something flushes before. */
  private arm (): void {
    if (this.timer === undefined && this.buf.length > 0) this.timer = setTimeout(() => { this.timer = undefined; this.kick() }, this.o.flushIntervalMs)
  }

  private disarm (): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined }
  }

  /** Send what is buffered while a send slot is free. */
  private kick (): void {
    const slots = this.o.maxInFlight ?? 1
    while (this.sending.size < slots && this.buf.length > 0 && !this.stopped) {
      this.disarm()
      const batch = this.cut()
      const p: Promise<void> = this.send(batch).then(() => {
        this.sending.delete(p)
        if (this.full() || this.closing) this.kick()
        else this.arm()
      })
      this.sending.add(p)
    }
  }

  /** Take the next batch off the buffer: at most maxEvents and about maxBytes (at least one event). */
  private cut (): OutEvent[] {
    const buf = this.buf
    let n = 0
    let size = 0
    while (n < buf.length && n < this.o.maxEvents && (n === 0 || size + sizeOf(buf[n]) <= this.o.maxBytes)) size += sizeOf(buf[n++])
    this.bytes -= size
    if (n === buf.length) { this.buf = []; return buf }
    this.buf = buf.slice(n)
    return buf.slice(0, n)
  }

  /**
   * Send everything buffered, full batches or not, and wait until `pending()` (events not yet
   * handed back, counted by the owner) is 0, nothing is being sent, or `timeoutMs` has passed.
   */
  async drain (timeoutMs: number, pending: () => number): Promise<void> {
    this.closing = true
    const deadline = Date.now() + timeoutMs
    while (pending() > 0 && Date.now() < deadline) {
      this.kick()
      if (this.sending.size === 0) break
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.max(1, deadline - Date.now())) })
      await Promise.race([...this.sending, late])
      clearTimeout(timer)
    }
    this.disarm()
  }

  /** Send no more batches (what is in flight goes on until its sender stops). */
  stop (): void {
    this.stopped = true
    this.disarm()
  }
}
