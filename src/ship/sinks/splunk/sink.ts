/**
 * `type: splunk_hec`: events to Splunk's HTTP Event Collector, `/services/collector/event`,
 * envelopes concatenated (one per line), `Authorization: Splunk <token>`, one random channel
 * per sink.
 *
 * The HEC code table (docs/sinks.md §2.4): 200 code 0 delivered (with `ack: true`, only
 * when the ack comes; resent after ack_timeout_secs); 400 codes 6/12/13/15 with
 * `invalid-event-number` n: events before n were indexed, n is rejected, the rest resent
 * at once; codes 1–4 AUTH (unhealthy, data kept); 7, 10, 11, 14, 16 CONFIG (unhealthy, data
 * kept); 9 and 18–20 THROTTLED, 8 SERVER (retried); 413 split in halves.
 */
import { randomUUID } from 'node:crypto'
import { SinkErrors } from '../../../errors.js'
import { requestDurations } from '../../../telemetry/request-durations.js'
import { HttpClient, type HttpClientOptions, type HttpResponse } from '../../http/client.js'
import { snippet, statusError } from '../../http/classify.js'
import { isPermanent, merge, sendSplitting } from '../../http/split.js'
import { SinkError, type OutEvent, type Sink, type SinkHealth, type WriteResult } from '../../sink.js'
import { AckPoller } from './acks.js'
import { EnvelopeEncoder, type EnvelopeOptions } from './envelope.js'
import { hostName } from '../host.js'

export interface HecSinkOptions {
  name: string
  http: Omit<HttpClientOptions, 'timings'>
  /** the Authorization header, `Splunk <token>` (factory.ts) */
  authorization: string
  envelope: Omit<EnvelopeOptions, 'defaultHost'>
  ack: boolean
  ackTimeoutMs: number
  ackPollIntervalMs: number
  /** called once if the token turns out to have no useACK */
  warn?: (msg: string) => void
}

interface HecAnswer { text?: string, code?: number, ackId?: number, 'invalid-event-number'?: number }

const PER_EVENT = new Set([6, 12, 13, 15])
const AUTH = new Set([1, 2, 3, 4, 21, 22])
const CONFIG = new Set([7, 10, 11, 14, 16])
const BUSY = new Set([9, 18, 19, 20])

export class HecSink implements Sink {
  readonly name: string
  readonly timings = requestDurations()
  readonly channel = randomUUID()
  private readonly client: HttpClient
  private readonly encoder: EnvelopeEncoder
  private readonly headers: Record<string, string>
  private readonly acks: AckPoller | undefined
  private ackOn: boolean

  constructor (private readonly o: HecSinkOptions) {
    this.name = o.name
    this.client = new HttpClient({ ...o.http, timings: this.timings })
    this.encoder = new EnvelopeEncoder({ ...o.envelope, defaultHost: hostName() })
    this.headers = { authorization: o.authorization, 'x-splunk-request-channel': this.channel }
    this.ackOn = o.ack
    this.acks = o.ack
      ? new AckPoller({ client: this.client, channel: this.channel, headers: this.headers, intervalMs: o.ackPollIntervalMs, disabled: () => this.ackDisabled() })
      : undefined
  }

  private ackDisabled (): void {
    if (!this.ackOn) return
    this.ackOn = false
    this.o.warn?.('ack: true but the HEC token has no indexer acknowledgement (useACK): delivering on HTTP 200 instead')
  }

  async write (batch: OutEvent[], signal?: AbortSignal): Promise<WriteResult> {
    return await sendSplitting(batch, async (events) => await this.post(events, signal))
  }

  /** One request; on a bad event, what came before it is delivered and what follows is sent again at once. */
  private async post (events: OutEvent[], signal: AbortSignal | undefined): Promise<WriteResult | SinkError> {
    let todo = events
    let done: WriteResult = {}
    for (;;) {
      const { body, gzip } = await this.client.encode(this.encoder.encodeAll(todo))
      let res: HttpResponse
      try {
        res = await this.client.send({ method: 'POST', path: '/services/collector/event', body, gzip, contentType: 'application/json', headers: this.headers, signal })
      } catch (err) {
        // a transport failure after a partial success: keep what was settled
        if (done.rejected === undefined || !(err instanceof SinkError)) throw err
        return merge(done, { retry: todo, error: err })
      }
      const what = `POST ${this.client.label(res.endpoint)}/services/collector/event`
      const a = parseAnswer(res)
      if (res.status === 200 && (a === undefined || a.code === undefined || a.code === 0)) {
        if (a === undefined) return merge(done, { retry: todo, error: new SinkError(SinkErrors.PROTOCOL, `${what}: HTTP 200 without a JSON answer: ${snippet(res.body)}`) })
        return merge(done, await this.acked(todo, res, a, what))
      }
      const n = a?.['invalid-event-number']
      if (res.status === 400 && a?.code !== undefined && PER_EVENT.has(a.code) && Number.isInteger(n) && (n as number) >= 0 && (n as number) < todo.length) {
        // todo[0, n) indexed; todo[n] refused; todo(n, end] not indexed: send again
        const bad = todo[n as number]
        done = merge(done, { rejected: [{ event: bad, error: new SinkError(SinkErrors.REJECTED, `${what}: HEC code ${a.code} "${snippet(a.text ?? '')}" for this event`, { status: 400 }) }] })
        todo = todo.slice((n as number) + 1)
        if (todo.length === 0) return done
        continue
      }
      const err = hecError(res, a, what)
      if (done.rejected === undefined) return err
      // part of it went through before this failure
      return merge(done, isPermanent(err) ? await sendSplitting(todo, async (ev) => await this.post(ev, signal)) : { retry: todo, error: err })
    }
  }

  private async acked (events: OutEvent[], res: HttpResponse, a: HecAnswer, what: string): Promise<WriteResult> {
    if (!this.ackOn || this.acks === undefined) return {}
    if (typeof a.ackId !== 'number') { this.ackDisabled(); return {} }
    const ok = await this.acks.wait(res.endpoint, a.ackId, this.o.ackTimeoutMs)
    if (ok) return {}
    return { retry: events, error: new SinkError(SinkErrors.ACK_TIMEOUT, `${what}: ackId ${a.ackId} on channel ${this.channel} not acknowledged within ${Math.round(this.o.ackTimeoutMs / 1000)} s`) }
  }

  /** GET /services/collector/health on each endpoint: code 17 is healthy. */
  async health (): Promise<SinkHealth> {
    return await this.client.healthOfEach(() => ({ method: 'GET', path: '/services/collector/health' }), (res, i) =>
      res.status === 200 && parseAnswer(res)?.code === 17
        ? { ok: true, detail: `${this.client.label(i)}: HEC is healthy` }
        : { ok: false, detail: `${this.client.label(i)}: HTTP ${res.status} ${snippet(res.body)}` })
  }

  async close (): Promise<void> {
    this.acks?.close()
    await this.client.close()
  }
}

function parseAnswer (res: HttpResponse): HecAnswer | undefined {
  try {
    const v = JSON.parse(res.body) as unknown
    return v !== null && typeof v === 'object' ? v : undefined
  } catch {
    return undefined
  }
}

function hecError (res: HttpResponse, a: HecAnswer | undefined, what: string): SinkError {
  const code = a?.code
  if (code === undefined) return statusError(res, what)
  const msg = `${what}: HTTP ${res.status} HEC code ${code} "${snippet(a?.text ?? '')}"`
  const o = { status: res.status, retryAfterMs: res.retryAfterMs }
  if (AUTH.has(code)) return new SinkError(SinkErrors.AUTH, msg, o)
  if (CONFIG.has(code)) return new SinkError(SinkErrors.CONFIG, msg, o)
  if (BUSY.has(code)) return new SinkError(SinkErrors.THROTTLED, msg, o)
  if (code === 8) return new SinkError(SinkErrors.SERVER, msg, o)
  if (PER_EVENT.has(code)) return new SinkError(SinkErrors.REJECTED, `${msg} without a usable invalid-event-number`, o)
  return statusError(res, what)
}
