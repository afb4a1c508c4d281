/** NDJSON to stdout, respecting its backpressure: a batch is delivered when the write completes. */
import type { Writable } from 'node:stream'
import type { OutEvent, Sink } from './sink.js'

export class StdoutSink implements Sink {
  constructor (readonly name: string, private readonly stream: Writable = process.stdout) {}

  async write (batch: OutEvent[]): Promise<void> {
    let text = ''
    for (const e of batch) text += e.json + '\n'
    await new Promise<void>((resolve, reject) => {
      this.stream.write(text, (err) => (err == null ? resolve() : reject(err)))
    })
  }

  async close (): Promise<void> {}
}
