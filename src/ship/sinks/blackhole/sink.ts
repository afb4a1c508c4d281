/**
 * Discard events after an optional delay: for benchmarks, and to test that a slow sink slows
 * reading down instead of growing memory.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { OutEvent, Sink } from '../../sink.js'

export class BlackholeSink implements Sink {
  delivered = 0
  constructor (readonly name: string, private readonly delayMs: number) {}

  async write (batch: OutEvent[]): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs)
    this.delivered += batch.length
  }

  async close (): Promise<void> {}
}
