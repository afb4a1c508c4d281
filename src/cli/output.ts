/**
 * Buffered writes to a stream that respect its backpressure: callers append strings
 * synchronously and await flush() between input chunks.
 */
import { once } from 'node:events'
import type { Writable } from 'node:stream'

const FLUSH_AT = 256 << 10

export class BufferedOutput {
  private parts: string[] = []
  private size = 0

  constructor (private readonly stream: Writable) {}

  write (s: string): void {
    this.parts.push(s)
    this.size += s.length
  }

  get buffered (): number {
    return this.size
  }

  /** Write what is buffered when there is enough of it (or `force`), and wait for drain. */
  async flush (force = false): Promise<void> {
    if (this.size === 0 || (!force && this.size < FLUSH_AT)) return
    const text = this.parts.length === 1 ? this.parts[0] : this.parts.join('')
    this.parts = []
    this.size = 0
    if (!this.stream.write(text)) await once(this.stream, 'drain')
  }

  async end (): Promise<void> {
    await this.flush(true)
    if (this.stream === process.stdout || this.stream === process.stderr) return
    await new Promise<void>((resolve, reject) => this.stream.end((err?: Error | null) => (err == null ? resolve() : reject(err))))
  }
}
