/**
 * Backpressure between reading and delivery (docs/design.md §2: the log on disk is the buffer).
 *
 * MUST make reading wait (wait()) while `maxEvents` events, or `maxBytes` bytes of JSON, wait
 *      for delivery, so that memory stays flat whatever the sinks do.
 * MUST let reading go on once delivery has brought both under half their bound (not one read
 *      per delivered batch), or at once on release() (stopping).
 * A pause here does not count as idle time for open events: they are closed on the idle clock
 *      (idle-clock.ts), which runs only while the reader waits for input.
 */
export interface BackpressureOptions {
  maxEvents: number
  maxBytes: number
  /** events waiting for delivery now */
  pending: () => number
}

export class Backpressure {
  private bytes = 0
  private resume: (() => void) | undefined

  constructor (private readonly o: BackpressureOptions) {}

  /** Bytes of JSON waiting for delivery. */
  get pendingBytes (): number {
    return this.bytes
  }

  /** Reading is waiting for delivery. */
  get waiting (): boolean {
    return this.resume !== undefined
  }

  /** An event of `bytes` bytes was queued for delivery. */
  added (bytes: number): void {
    this.bytes += bytes
  }

  /** Events of `bytes` bytes in all were settled by every sink: reading may go on. */
  freed (bytes: number): void {
    this.bytes -= bytes
    if (this.resume !== undefined && this.o.pending() <= this.o.maxEvents / 2 && this.bytes <= this.o.maxBytes / 2) this.release()
  }

  /** Resolves when reading may go on: at once while under both bounds. */
  async wait (): Promise<void> {
    if (this.o.pending() < this.o.maxEvents && this.bytes < this.o.maxBytes) return
    await new Promise<void>((resolve) => { this.resume = resolve })
  }

  /** Let a waiting reader go (stopping). */
  release (): void {
    const r = this.resume
    this.resume = undefined
    r?.()
  }
}
