/**
 * `type: elasticsearch`: events to Elasticsearch or OpenSearch with `_bulk`.
 *
 * - `create` with a deterministic `_id` (bulk.ts): a resend never makes a second document;
 *   409 counts as delivered.
 * - 200 with item errors: 429/5xx items are retried alone, other 4xx items rejected
 *   (dead-lettered with the item's error).
 * - 413, 400 for the whole request: split in halves down to single events.
 * - 401/403: data kept, sink unhealthy, retried with backoff; 429/5xx/network: retried.
 */
import { SinkErrors } from '../../../errors.js'
import { requestDurations } from '../../../telemetry/request-durations.js'
import { HttpClient, type HttpClientOptions } from '../../http/client.js'
import { snippet, statusError } from '../../http/classify.js'
import { sendSplitting } from '../../http/split.js'
import { BulkEncoder, bulkOutcome } from './bulk.js'
import { SinkError, type OutEvent, type Sink, type SinkHealth, type WriteResult } from '../../sink.js'

export interface ElasticsearchSinkOptions {
  name: string
  http: Omit<HttpClientOptions, 'timings'>
  index: string
  dataStream: string | null
  pipeline: string | null
  /** the node name used in `_id` for records without node= */
  host: string
}

export class ElasticsearchSink implements Sink {
  readonly name: string
  readonly timings = requestDurations()
  private readonly client: HttpClient
  private readonly encoder: BulkEncoder
  private readonly path: string

  constructor (o: ElasticsearchSinkOptions) {
    this.name = o.name
    this.client = new HttpClient({ ...o.http, timings: this.timings })
    this.encoder = new BulkEncoder({ index: o.index, dataStream: o.dataStream, host: o.host })
    const q = 'filter_path=errors,items.*.error,items.*.status' + (o.pipeline === null ? '' : `&pipeline=${encodeURIComponent(o.pipeline)}`)
    this.path = `${o.dataStream === null ? '' : `/${encodeURIComponent(o.dataStream)}`}/_bulk?${q}`
  }

  async write (batch: OutEvent[], signal?: AbortSignal): Promise<WriteResult> {
    return await sendSplitting(batch, async (events) => await this.post(events, signal))
  }

  private async post (events: OutEvent[], signal: AbortSignal | undefined): Promise<WriteResult | SinkError> {
    const { body, gzip } = await this.client.encode(this.encoder.encode(events))
    const res = await this.client.send({ method: 'POST', path: this.path, body, gzip, contentType: 'application/x-ndjson', signal })
    const what = `POST ${this.client.label(res.endpoint)}/_bulk`
    if (res.status === 200) return bulkOutcome(events, res.body, what)
    if (res.status >= 200 && res.status < 300) return {}
    // a circuit breaker that says the same request will trip it again: make it smaller
    if (res.status === 429 && /"durability"\s*:\s*"PERMANENT"/.test(res.body)) return new SinkError(SinkErrors.TOO_LARGE, `${what}: HTTP 429 circuit_breaking_exception (PERMANENT): the request is too large for the cluster's memory`, { status: 429 })
    return statusError(res, what)
  }

  /** GET / : the cluster answers with its name and version. */
  async health (): Promise<SinkHealth> {
    return await this.client.healthOfEach(() => ({ method: 'GET', path: '/' }), (res, i) => {
      if (res.status !== 200) return { ok: false, detail: statusError(res, `GET ${this.client.label(i)}/`).message }
      const v = JSON.parse(res.body) as { version?: { number?: string, distribution?: string } }
      return { ok: true, detail: `${this.client.label(i)}: ${v.version?.distribution === 'opensearch' ? 'OpenSearch' : 'Elasticsearch'} ${snippet(String(v.version?.number ?? '(no version)'))}` }
    })
  }

  async close (): Promise<void> {
    await this.client.close()
  }
}
