/**
 * The HTTP side of the network sinks (undici 7): a keep-alive Pool per endpoint, gzip request
 * bodies, TLS options, time limits, and the duration of every request. Which endpoint a
 * request goes to is endpoints.ts; what a failure means is classify.ts.
 *
 * MUST consume every response body (an unread body pins its connection).
 * MUST turn every transport failure into a SinkError with a bounded code (classify.ts):
 *      CONNECT (nothing was sent: the next endpoint is tried at once), TIMEOUT or NETWORK
 *      (the outcome is unknown: the caller resends).
 * MUST NOT put secrets in errors: endpoints carry no credentials (the config refuses them),
 *      and headers are never part of a message.
 * MUST report the duration of every request, answered or not, to `timings`.
 */
import { Pool, type Dispatcher } from 'undici'
import { gzip, constants } from 'node:zlib'
import { promisify } from 'node:util'
import { SinkErrors } from '../../errors.js'
import { SinkError } from '../sink.js'
import type { DurationObserver } from '../../telemetry/request-durations.js'
import { Endpoints } from './endpoints.js'
import { classify, nothingSent, retryAfter } from './classify.js'
import { redact } from '../../telemetry/redact.js'

const gzipAsync = promisify(gzip)

export interface TlsMaterial {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  servername?: string
  insecure: boolean
}

export interface HttpClientOptions {
  endpoints: readonly string[]
  tls: TlsMaterial
  connectTimeoutMs: number
  requestTimeoutMs: number
  gzip: boolean
  /** sent on every request (authentication, user agent) */
  headers: Record<string, string>
  /** connections per endpoint */
  connections: number
  /** show only scheme://host:port of the endpoints in messages (a webhook's path can be its secret) */
  hidePath?: boolean
  timings?: DurationObserver
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT'
  /** appended to the endpoint's path (or, with `absolute`, used as is) */
  path: string
  absolute?: boolean
  body?: Buffer
  contentType?: string
  headers?: Record<string, string>
  /** the endpoint to use (acks must go where the data went); default: the next one */
  endpoint?: number
  /** aborts the request (the attempt ran out of time) */
  signal?: AbortSignal
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  /** index of the endpoint that answered */
  endpoint: number
  /** Retry-After in ms, when the response has one */
  retryAfterMs: number | undefined
}

interface Endpoint {
  /** for messages: scheme://host:port/path */
  label: string
  basePath: string
  pool: Pool
}

export class HttpClient {
  private readonly eps: Endpoint[]
  private readonly endpoints: Endpoints
  private closed = false

  constructor (private readonly o: HttpClientOptions) {
    this.eps = o.endpoints.map((u) => {
      const url = new URL(u)
      const pool = new Pool(url.origin, {
        connections: o.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connectTimeout: o.connectTimeoutMs,
        headersTimeout: o.requestTimeoutMs,
        bodyTimeout: o.requestTimeoutMs,
        connect: url.protocol === 'https:'
          ? { ca: o.tls.ca, cert: o.tls.cert, key: o.tls.key, servername: o.tls.servername, rejectUnauthorized: !o.tls.insecure }
          : undefined,
      })
      const path = url.pathname === '/' ? '' : o.hidePath === true ? '/…' : url.pathname
      return { label: `${url.origin}${path}`, basePath: url.pathname.replace(/\/+$/, ''), pool }
    })
    this.endpoints = new Endpoints(this.eps.length)
  }

  /** The endpoint's URL (no credentials), for messages. */
  label (i: number): string {
    return this.eps[i].label
  }

  /** gzip level 1 (on the thread pool, off the event loop) when compression is on. */
  async encode (body: Buffer): Promise<{ body: Buffer, gzip: boolean }> {
    if (!this.o.gzip) return { body, gzip: false }
    // one output chunk for the whole body (level 1 compresses audit JSON ~10×): each chunk
    // costs a callback on the main thread
    return { body: await gzipAsync(body, { level: constants.Z_BEST_SPEED, chunkSize: Math.max(16 * 1024, body.length >> 2) }), gzip: true }
  }

  /**
   * Send one request (body already encoded by `encode` when `gzip`). Connection failures
   * fail over to the next endpoint at once; any answer, whatever its status, is returned.
   */
  async send (req: HttpRequest & { gzip?: boolean }): Promise<HttpResponse> {
    return await this.endpoints.send(req.endpoint, async (i) => await this.once(this.eps[i], i, req), {
      failed: (res) => res.status >= 500,
      retryElsewhere: nothingSent,
      refuse: () => this.closed ? new SinkError(SinkErrors.CONNECT, 'the sink is closed') : undefined,
    })
  }

  private async once (ep: Endpoint, i: number, req: HttpRequest & { gzip?: boolean }): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...this.o.headers, ...req.headers }
    if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json'
      if (req.gzip === true) headers['content-encoding'] = 'gzip'
    }
    const t0 = process.hrtime.bigint()
    let res: Dispatcher.ResponseData
    let body: string
    try {
      res = await ep.pool.request({ method: req.method, path: req.absolute === true ? req.path : (ep.basePath + req.path === '' ? '/' : ep.basePath + req.path), headers, body: req.body, signal: req.signal })
      // always read the body to the end: an unread body keeps the connection busy
      body = await readCapped(res.body, MAX_RESPONSE_BYTES)
    } catch (err) {
      throw classify(err, `${req.method} ${ep.label}${this.o.hidePath === true ? '' : req.path}`)
    } finally {
      this.o.timings?.observe(Number(process.hrtime.bigint() - t0) / 1e9)
    }
    return { status: res.statusCode, headers: res.headers, body, endpoint: i, retryAfterMs: retryAfter(res.headers['retry-after']) }
  }

  /**
   * A sink's health: `request(i)` sent to every endpoint in turn, `judge` says what each
   * answer means; a failed request (or judge) is that endpoint's failure, with its message.
   * Each detail is redacted: doctor prints them.
   */
  async healthOfEach (request: (i: number) => HttpRequest, judge: (res: HttpResponse, i: number) => { ok: boolean, detail: string }): Promise<{ ok: boolean, detail: string }> {
    const out: string[] = []
    let ok = true
    for (let i = 0; i < this.eps.length; i++) {
      try {
        const j = judge(await this.send({ ...request(i), endpoint: i }), i)
        ok &&= j.ok
        out.push(redact(j.detail))
      } catch (err) {
        ok = false
        // e.g. JSON.parse's message, which quotes the body
        out.push(redact((err as Error).message))
      }
    }
    return { ok, detail: out.join('; ') }
  }

  /** Close the connections; requests still running after `graceMs` are cut off. */
  async close (graceMs = 2000): Promise<void> {
    this.closed = true
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), graceMs) })
    const r = await Promise.race([Promise.all(this.eps.map(async (e) => await e.pool.close().catch(() => {}))), late])
    clearTimeout(timer)
    if (r === 'late') await this.destroy()
  }

  /** Close at once, failing requests in flight (shutdown after the drain timeout). */
  async destroy (): Promise<void> {
    this.closed = true
    await Promise.all(this.eps.map(async (e) => await e.pool.destroy().catch(() => {})))
  }
}

/** Answers larger than this are not the protocols': read and dropped, then a PROTOCOL error. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024

async function readCapped (body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of body) {
    size += (c as Buffer).length
    if (size <= max) chunks.push(c as Buffer)
  }
  if (size > max) throw new SinkError(SinkErrors.PROTOCOL, `the answer is larger than ${max} bytes (${size})`)
  return Buffer.concat(chunks).toString('utf8')
}
