/**
 * `type: http`: a generic NDJSON POST (one event per line) to a webhook or collector. Any 2xx
 * is delivered; the rest follows the shared status rules (ship/http/classify.ts): 429, 5xx,
 * 408 and network failures retried; 401/403 unhealthy and retried; 413 and 400 split down to
 * single events, which are then rejected; other 4xx rejected.
 */
import { requestDurations } from '../../../telemetry/request-durations.js'
import { HttpClient, type HttpClientOptions } from '../../http/client.js'
import { snippet, statusError } from '../../http/classify.js'
import { sendSplitting } from '../../http/split.js'
import { linesBuffer } from '../../http/body.js'
import type { OutEvent, Sink, SinkError, SinkHealth, WriteResult } from '../../sink.js'

export interface HttpSinkOptions {
  name: string
  http: Omit<HttpClientOptions, 'timings'>
  method: 'POST' | 'PUT'
  healthPath: string | null
}

export class HttpSink implements Sink {
  readonly name: string
  readonly timings = requestDurations()
  private readonly client: HttpClient

  constructor (private readonly o: HttpSinkOptions) {
    this.name = o.name
    // a webhook URL often carries its secret in the path: messages show the host only
    this.client = new HttpClient({ ...o.http, timings: this.timings, hidePath: true })
  }

  async write (batch: OutEvent[], signal?: AbortSignal): Promise<WriteResult> {
    return await sendSplitting(batch, async (events) => await this.post(events, signal))
  }

  private async post (events: OutEvent[], signal: AbortSignal | undefined): Promise<WriteResult | SinkError> {
    const { body, gzip } = await this.client.encode(linesBuffer(events.length, undefined, (i) => events[i].data))
    const res = await this.client.send({ method: this.o.method, path: '', body, gzip, contentType: 'application/x-ndjson', signal })
    if (res.status >= 200 && res.status < 300) return {}
    return statusError(res, `${this.o.method} ${this.client.label(res.endpoint)}`)
  }

  async health (): Promise<SinkHealth> {
    const path = this.o.healthPath
    if (path === null) return { ok: true, detail: 'no health_path configured: not checked' }
    const url = (i: number): URL => new URL(path, this.client.label(i))
    return await this.client.healthOfEach((i) => ({ method: 'GET', path: url(i).pathname + url(i).search, absolute: true }), (res, i) => {
      const where = `${url(i).origin}${url(i).pathname}`
      return res.status >= 200 && res.status < 300
        ? { ok: true, detail: `${where}: HTTP ${res.status}` }
        : { ok: false, detail: `${where}: HTTP ${res.status} ${snippet(res.body)}` }
    })
  }

  async close (): Promise<void> {
    await this.client.close()
  }
}
