/** NDJSON to stdout, respecting its backpressure: a batch is delivered when the write completes. */
import type { Writable } from 'node:stream'
import type { OutEvent, Sink } from '../../sink.js'
import { linesBuffer } from '../../http/body.js'

export class StdoutSink implements Sink {
  private failed: Error | undefined

  constructor (readonly name: string, private readonly stream: Writable = process.stdout) {
    // EPIPE and the like arrive as 'error' events: keep the error and fail the writes (the
    // queue retries, the checkpoint stays), instead of dying on an unhandled 'error'
    stream.on('error', (err: Error) => { this.failed = err })
  }

  async write (batch: OutEvent[]): Promise<void> {
    if (this.failed !== undefined) throw this.failed
    const text = linesBuffer(batch.length, undefined, (i) => batch[i].data)
    await new Promise<void>((resolve, reject) => {
      this.stream.write(text, (err) => (err == null ? resolve() : reject(err)))
    })
  }

  async close (): Promise<void> {}
}
