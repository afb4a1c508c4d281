/**
 * The HTTP side of the network sinks (undici 7): a keep-alive Pool per endpoint, round-robin
 * over the endpoints with failover, gzip request bodies, TLS options, time limits, and the
 * duration of every request.
 *
 * MUST consume every response body (an unread body pins its connection).
 * MUST turn every transport failure into a SinkError with a bounded code: CONNECT (nothing
 *      was sent: the next endpoint is tried at once), TIMEOUT or NETWORK (the outcome is
 *      unknown: the caller resends).
 * MUST NOT put secrets in errors: endpoints carry no credentials (the config refuses them),
 *      and headers are never part of a message.
 * An endpoint that fails to connect or answers 5xx is skipped for a while (doubling from
 * 1 s up to 30 s) while another one works; when all are skipped, the least recently failed
 * is tried anyway.
 */
import { Pool, type Dispatcher } from 'undici'
import { gzip, constants } from 'node:zlib'
import { promisify } from 'node:util'
import { SinkErrors } from '../../errors.js'
import { SinkError, DurationHistogram } from '../sink.js'

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
  timings?: DurationHistogram
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
  downUntil: number
  failures: number
}

/** Undici/OS error codes that mean the request never reached the server. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER'])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

export class HttpClient {
  private readonly eps: Endpoint[]
  private next = 0
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
      return { label: `${url.origin}${path}`, basePath: url.pathname.replace(/\/+$/, ''), pool, downUntil: 0, failures: 0 }
    })
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

  /** Pick an endpoint: round-robin over those not skipped; if all are, the one skipped longest ago. */
  private pick (exclude: Set<number>): number {
    const now = Date.now()
    const n = this.eps.length
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n
      if (!exclude.has(i) && this.eps[i].downUntil <= now) { this.next = (i + 1) % n; return i }
    }
    let best = -1
    for (let i = 0; i < n; i++) if (!exclude.has(i) && (best < 0 || this.eps[i].downUntil < this.eps[best].downUntil)) best = i
    return best
  }

  private down (ep: Endpoint): void {
    ep.failures++
    ep.downUntil = Date.now() + Math.min(30_000, 1000 * 2 ** Math.min(ep.failures - 1, 5))
  }

  /**
   * Send one request (body already encoded by `encode` when `gzip`). Connection failures
   * fail over to the next endpoint at once; any answer, whatever its status, is returned.
   */
  async send (req: HttpRequest & { gzip?: boolean }): Promise<HttpResponse> {
    const tried = new Set<number>()
    let last: SinkError | undefined
    for (;;) {
      const i = req.endpoint ?? this.pick(tried)
      if (i < 0 || this.closed) throw last ?? new SinkError(SinkErrors.CONNECT, 'the sink is closed')
      tried.add(i)
      const ep = this.eps[i]
      try {
        const res = await this.once(ep, i, req)
        if (res.status >= 500) this.down(ep)
        else { ep.failures = 0; ep.downUntil = 0 }
        return res
      } catch (err) {
        const e = classify(err, `${req.method} ${ep.label}${this.o.hidePath === true ? '' : req.path}`)
        this.down(ep)
        if (e.code !== SinkErrors.CONNECT.code || req.endpoint !== undefined || tried.size >= this.eps.length) throw e
        last = e
      }
    }
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
      res = await ep.pool.request({ method: req.method, path: req.absolute === true ? req.path : (ep.basePath + req.path === '' ? '/' : ep.basePath + req.path), headers, body: req.body })
      // always read the body to the end: an unread body keeps the connection busy
      body = await readCapped(res.body, MAX_RESPONSE_BYTES)
    } finally {
      this.o.timings?.observe(Number(process.hrtime.bigint() - t0) / 1e9)
    }
    return { status: res.statusCode, headers: res.headers, body, endpoint: i, retryAfterMs: retryAfter(res.headers['retry-after']) }
  }

  /**
   * A sink's health: `request(i)` sent to every endpoint in turn, `judge` says what each
   * answer means; a failed request (or judge) is that endpoint's failure, with its message.
   */
  async healthOfEach (request: (i: number) => HttpRequest, judge: (res: HttpResponse, i: number) => { ok: boolean, detail: string }): Promise<{ ok: boolean, detail: string }> {
    const out: string[] = []
    let ok = true
    for (let i = 0; i < this.eps.length; i++) {
      try {
        const j = judge(await this.send({ ...request(i), endpoint: i }), i)
        ok &&= j.ok
        out.push(j.detail)
      } catch (err) {
        ok = false
        out.push((err as Error).message)
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

/** `Retry-After: <seconds>` or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfter (v: string | string[] | undefined): number | undefined {
  const s = Array.isArray(v) ? v[0] : v
  if (s === undefined || s === '') return undefined
  if (/^\d+$/.test(s.trim())) return Number(s.trim()) * 1000
  const t = Date.parse(s)
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now())
}

/** A transport failure as a SinkError (CONNECT: nothing sent; TIMEOUT/NETWORK: outcome unknown). */
export function classify (err: unknown, what: string): SinkError {
  if (err instanceof SinkError) return err
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException }
  const code = e.code ?? e.cause?.code ?? ''
  const msg = `${what}: ${e.message}${code !== '' && !e.message.includes(code) ? ` (${code})` : ''}`
  if (CONNECT_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) return new SinkError(SinkErrors.CONNECT, msg, { cause: err })
  // undici refused the request itself (a header it does not allow, a bad path): no retry fixes that
  if (code === 'UND_ERR_INVALID_ARG' || code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN') return new SinkError(SinkErrors.CONFIG, msg, { cause: err, unhealthy: true })
  if (TIMEOUT_CODES.has(code)) return new SinkError(SinkErrors.TIMEOUT, msg, { cause: err })
  return new SinkError(SinkErrors.NETWORK, msg, { cause: err })
}
