/**
 * Fake Splunk HTTP Event Collector for integration tests of the Splunk HEC sink.
 *
 * Follows docs/sinks.md §2.4–2.8 and the §5.3 checklist (HEC items 1–10); answers
 * (`{"text":…,"code":N}`, HTTP statuses, `invalid-event-number`) are copied from the code table
 * and the Splunk Enterprise 10.4.3 probe quoted there. In-memory, on 127.0.0.1 with a random
 * port, no per-request logging.
 *
 *   const hec = await startFakeHec({ tokens: [{ token: T, useACK: true, allowedIndexes: ['os'] }] })
 *   hec.onEvent(({ n, i }) => n === 0 && i === 5 ? 12 : undefined)   // 400, events 0–4 indexed
 *   hec.onAck(({ ackId }) => ackId === 1 ? 'never' : undefined)      // lost ack
 *   ... run the sink against hec.url ...
 *   hec.events.length; hec.requests[k].status; await hec.close()
 *
 * Routes: POST /services/collector, /services/collector/event, /event/1.0 (concatenated JSON
 * objects), /services/collector/raw, /raw/1.0 (one event per non-blank line, metadata from the
 * query string), /services/collector/ack (/ack/1.0); GET /services/collector/health
 * (/health/1.0, no token check). Unknown path → 404, wrong method → 405 (same body), OPTIONS → 200.
 *
 * Order of checks on data requests: scripted request fault → 413 (decompressed size) → token
 * (codes 2, 3, 4, 1, 16) → Content-Encoding (only gzip; deflate and others → 415) → health
 * 18/20 ("queues full": data requests get 503 code 9) → channel (11, 10) → events in order.
 *
 * Per-object rules (/event), on the first failing object i: 400 with its code and
 * "invalid-event-number": i; objects before i are indexed, i and after are not — syntax error,
 * non-object, `event` null/false or bad `time` → 6; no `event` → 12; blank string `event` → 13;
 * `fields` not flat → 15; `index` not allowed for the token → 7. An object with a key outside
 * the envelope (time, host, source, sourcetype, index, event, fields) stops processing
 * silently: the answer is still 200 Success but that object and the rest are not indexed (the
 * probe's observed "silent loss"). Defaults per object from the token (index → defaultIndex or
 * 'main', sourcetype → defaultSourcetype or 'httpevent'); nothing carries over between objects.
 *
 * Acks (useACK tokens): a request answered 200 gets `ackId` n (from 0 per channel); its events
 * are in `events` at once. The id polls true after `ackDelayMs` (or what `onAck` says; 'never'
 * = lost) and is forgotten once answered true. Events of a 400 partial request are indexed but
 * get no ackId, as in Splunk.
 */
import {
  answer, contentEncoding, decodeBody, htmlError, recordOf, resetSocket, sniffType, startRawServer,
  type RecordedRequest
} from './fake-es.js'

export type { RecordedRequest }

// ------------------------------------------------------------------------------------ API

export interface HecToken {
  token: string
  disabled?: boolean
  useACK?: boolean
  /** indexes an event may name; none/empty = any */
  allowedIndexes?: string[]
  /** index for events that name none (default 'main') */
  defaultIndex?: string
  /** sourcetype for events that name none (default 'httpevent') */
  defaultSourcetype?: string
  /** accept `?token=` in the query string */
  allowQueryString?: boolean
}

export interface HecRequestFault {
  /** whole-request status; nothing indexed. Default body: 503 → code 9 "Server is busy",
   * 500 → code 8 "Internal server error", 400 → code 6, 401 → code 2, 403 → code 4,
   * 413/415 → Splunk HTML page, 502/504 → nginx HTML. A string body is sent as is. */
  status?: number
  body?: string | object
  /** extra response headers, e.g. { 'retry-after': '1' } (also added to a normal answer) */
  headers?: Record<string, string>
  /** wait before answering; without `status`/`reset` the request is then handled normally */
  delayMs?: number
  /** destroy the socket (TCP RST) without answering: before indexing anything, or after
   * indexing (and assigning an ackId the client never learns). Recorded with status 0. */
  reset?: 'before' | 'after'
}

export interface FakeHecOptions {
  tokens: HecToken[]
  /** limit on the decompressed body in bytes; default 800 MiB */
  maxContentLength?: number
  /** time after indexing before an ackId polls true (default 0) */
  ackDelayMs?: number
  health?: 'healthy' | 18 | 19 | 20
  /** keep request bodies in `requests[k].body` (default true; false saves memory under load) */
  recordBodies?: boolean
  /** a server (or proxy) that quotes the request's headers, Authorization first, at the start
   * of the `text` (or page) of every answer of status >= 400 (fake-es.ts withEcho) */
  echoHeaders?: boolean
  /** listen on this port (default: a random free one): the same endpoint back after an outage */
  port?: number
}

export interface HecEvent {
  token: string
  channel: string | undefined
  /** epoch seconds (13-digit ms and 19-digit ns inputs converted); undefined = not given */
  time?: number
  host?: string
  source?: string
  sourcetype?: string
  index?: string
  fields?: Record<string, unknown>
  event: unknown
  /** the data request (0-based count of event/raw requests) that delivered it */
  requestNo: number
}

export interface FakeHec {
  /** http://127.0.0.1:PORT */
  readonly url: string
  /** every request, in arrival order, with the status answered */
  readonly requests: RecordedRequest[]
  /** every indexed event, in order, duplicates included */
  readonly events: HecEvent[]
  /** whole-request faults for data requests (event/raw endpoints), n = 0-based count of data requests */
  onRequest (fn: ((n: number, req: RecordedRequest) => HecRequestFault | undefined) | undefined): void
  /** per-event faults: return an HEC error code (6, 12, 13, 15, 7) to make event i of request n
   * invalid; the server then answers 400 with that code and "invalid-event-number": i, indexing
   * only events before i (as real Splunk does). For /raw, obj is the line. */
  onEvent (fn: ((e: { n: number, i: number, obj: unknown }) => number | undefined) | undefined): void
  /** ack control for useACK tokens: return 'never' to make an ackId never become true (lost),
   * or a delay in ms before it becomes true; undefined = ackDelayMs */
  onAck (fn: ((e: { channel: string, ackId: number, n: number }) => 'never' | number | undefined) | undefined): void
  /** health endpoint answer; 18 and 20 (queues full) also make data requests 503 code 9 */
  setHealth (h: 'healthy' | 18 | 19 | 20): void
  close (): Promise<void>
}

// ------------------------------------------------------------------------------ answers

const MiB = 1024 * 1024
const CODES: Record<number, [number, string]> = {
  0: [200, 'Success'],
  1: [403, 'Token disabled'],
  2: [401, 'Token is required'],
  3: [401, 'Invalid authorization'],
  4: [403, 'Invalid token'],
  5: [400, 'No data'],
  6: [400, 'Invalid data format'],
  7: [400, 'Incorrect index'],
  8: [500, 'Internal server error'],
  9: [503, 'Server is busy'],
  10: [400, 'Data channel is missing'],
  11: [400, 'Invalid data channel'],
  12: [400, 'Event field is required'],
  13: [400, 'Event field cannot be blank'],
  14: [400, 'ACK is disabled'],
  15: [400, 'Error in handling indexed fields'],
  16: [400, 'Query string authorization is not enabled'],
  17: [200, 'HEC is healthy'],
  18: [503, 'HEC is unhealthy, queues are full'],
  19: [503, 'HEC is unhealthy, ack service unavailable'],
  20: [503, 'HEC is unhealthy, queues are full, ack service unavailable']
}
const JSON_HEADERS = { 'content-type': 'application/json; charset=UTF-8', server: 'Splunkd', 'x-content-type-options': 'nosniff', vary: 'Authorization' }
const HTML_HEADERS = { 'content-type': 'text/html; charset=UTF-8', server: 'Splunkd' }
const NOT_FOUND = JSON.stringify({ text: 'The requested URL was not found on this server.', code: 404 })
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/
const ENVELOPE = new Set(['time', 'host', 'source', 'sourcetype', 'index', 'event', 'fields'])

type Kind = 'event' | 'raw' | 'ack' | 'health'
const ROUTES = new Map<string, Kind>([
  ['/services/collector', 'event'],
  ['/services/collector/event', 'event'],
  ['/services/collector/event/1.0', 'event'],
  ['/services/collector/raw', 'raw'],
  ['/services/collector/raw/1.0', 'raw'],
  ['/services/collector/ack', 'ack'],
  ['/services/collector/ack/1.0', 'ack'],
  ['/services/collector/health', 'health'],
  ['/services/collector/health/1.0', 'health']
])

function hecBody (code: number, extra?: Record<string, unknown>): string {
  return JSON.stringify({ text: CODES[code]?.[1] ?? 'Internal server error', code, ...extra })
}

function hecStatus (code: number): number {
  return CODES[code]?.[0] ?? 400
}

/** Splunkd's HTML error page (shape from memory, unverified) */
function splunkHtml (status: number, title: string, message: string): string {
  return `<!doctype html><html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8"><title>${status} ${title}</title></head><body><h1>${title}</h1><p>${message}</p></body></html>`
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * The next JSON object in concatenated-JSON text from `pos`: skips JSON whitespace, expects
 * `{`, and finds the matching `}` counting braces outside strings (escapes honoured).
 * Returns [start, end) or -1 (not an object / unterminated), or null at the end of the text.
 */
export function nextObject (s: string, pos: number): [number, number] | -1 | null {
  const n = s.length
  let i = pos
  while (i < n) {
    const c = s.charCodeAt(i)
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) i++
    else break
  }
  if (i >= n) return null
  if (s.charCodeAt(i) !== 0x7b) return -1
  let depth = 0
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j)
    if (c === 0x22) {
      // inside a string: jump to the closing quote, skipping escaped characters
      j++
      while (j < n) {
        const d = s.charCodeAt(j)
        if (d === 0x5c) j += 2
        else if (d === 0x22) break
        else j++
      }
      if (j >= n) return -1
    } else if (c === 0x7b) {
      depth++
    } else if (c === 0x7d) {
      if (--depth === 0) return [i, j + 1]
    }
  }
  return -1
}

/** HEC `time`: number or numeric string, seconds with fraction; 13 digits = ms, 19 = ns */
function parseTime (v: unknown): number | undefined | 'bad' {
  if (v === undefined || v === null) return undefined
  let s: string
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return 'bad'
    s = Number.isInteger(v) ? BigInt(v).toString() : String(v)
  } else if (typeof v === 'string') {
    s = v.trim()
    if (!/^\d+(\.\d*)?$/.test(s)) return 'bad'
  } else {
    return 'bad'
  }
  const intDigits = s.indexOf('.') < 0 ? s.length : s.indexOf('.')
  const x = Number(s)
  if (intDigits === 13) return x / 1e3
  if (intDigits === 19) return x / 1e9
  return x
}

function flatFields (f: unknown): boolean {
  if (!isPlainObject(f)) return false
  for (const k of Object.keys(f)) {
    const v = f[k]
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) return false
    } else if (typeof v === 'object' && v !== null) {
      return false
    }
  }
  return true
}

function optString (v: unknown): string | undefined | 'bad' {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return 'bad'
}

// ----------------------------------------------------------------------------- the server

interface Channel { next: number, pending: Map<number, number> }

export async function startFakeHec (opts: FakeHecOptions): Promise<FakeHec> {
  const max = opts.maxContentLength ?? 800 * MiB
  const ackDelayMs = opts.ackDelayMs ?? 0
  const recordBodies = opts.recordBodies ?? true
  const echo = opts.echoHeaders === true
  const tokens = new Map<string, HecToken>()
  for (const t of opts.tokens) tokens.set(t.token, t)
  let health: 'healthy' | 18 | 19 | 20 = opts.health ?? 'healthy'

  const requests: RecordedRequest[] = []
  const events: HecEvent[] = []
  const channels = new Map<string, Channel>()
  let dataCount = 0
  let requestFn: ((n: number, req: RecordedRequest) => HecRequestFault | undefined) | undefined
  let eventFn: ((e: { n: number, i: number, obj: unknown }) => number | undefined) | undefined
  let ackFn: ((e: { channel: string, ackId: number, n: number }) => 'never' | number | undefined) | undefined

  function allowedIndex (tok: HecToken, index: string): boolean {
    return tok.allowedIndexes === undefined || tok.allowedIndexes.length === 0 || tok.allowedIndexes.includes(index)
  }

  type TokenResult = { ok: true, tok: HecToken } | { ok: false, code: number }

  function authenticate (rec: RecordedRequest): TokenResult {
    const h = rec.headers.authorization
    let value: string
    let viaQuery = false
    if (typeof h === 'string' && h.trim() !== '') {
      const v = h.trim()
      const sp = v.indexOf(' ')
      if (sp < 0) return { ok: false, code: 3 }
      const scheme = v.slice(0, sp).toLowerCase()
      const cred = v.slice(sp + 1).trim()
      if (scheme === 'splunk') {
        value = cred
      } else if (scheme === 'basic') {
        const dec = Buffer.from(cred, 'base64').toString('utf8')
        const c = dec.indexOf(':')
        if (c < 0) return { ok: false, code: 3 }
        value = dec.slice(c + 1)
      } else {
        return { ok: false, code: 3 }
      }
      if (value === '') return { ok: false, code: 2 }
    } else if (rec.query.token !== undefined && rec.query.token !== '') {
      value = rec.query.token
      viaQuery = true
    } else {
      return { ok: false, code: 2 }
    }
    const tok = tokens.get(value)
    if (tok === undefined) return { ok: false, code: 4 }
    if (tok.disabled === true) return { ok: false, code: 1 }
    if (viaQuery && tok.allowQueryString !== true) return { ok: false, code: 16 }
    return { ok: true, tok }
  }

  function channelOf (rec: RecordedRequest): string | undefined {
    const h = rec.headers['x-splunk-request-channel']
    const v = typeof h === 'string' && h !== '' ? h : rec.query.channel
    return v === '' ? undefined : v
  }

  function assignAck (channel: string, n: number): number {
    const key = channel.toLowerCase()
    let ch = channels.get(key)
    if (ch === undefined) {
      ch = { next: 0, pending: new Map() }
      channels.set(key, ch)
    }
    const ackId = ch.next++
    const d = ackFn?.({ channel, ackId, n })
    ch.pending.set(ackId, d === 'never' ? Infinity : Date.now() + (d ?? ackDelayMs))
    return ackId
  }

  type Parsed = { ok: HecEvent[], code?: number, at?: number }

  function parseEventBody (text: string, tok: HecToken, channel: string | undefined, n: number): Parsed {
    const ok: HecEvent[] = []
    let pos = 0
    for (let i = 0; ; i++) {
      const r = nextObject(text, pos)
      if (r === null) {
        if (i === 0) return { ok, code: 5 }
        return { ok }
      }
      if (r === -1) return { ok, code: 6, at: i }
      pos = r[1]
      let obj: unknown
      try {
        obj = JSON.parse(text.slice(r[0], r[1]))
      } catch {
        return { ok, code: 6, at: i }
      }
      const fault = eventFn?.({ n, i, obj })
      if (fault !== undefined) return { ok, code: fault, at: i }
      if (!isPlainObject(obj)) return { ok, code: 6, at: i }
      if (!Object.hasOwn(obj, 'event')) return { ok, code: 12, at: i }
      const ev = obj.event
      if (ev === null || ev === false) return { ok, code: 6, at: i }
      if (typeof ev === 'string' && ev.trim() === '') return { ok, code: 13, at: i }
      const time = parseTime(obj.time)
      if (time === 'bad') return { ok, code: 6, at: i }
      if (obj.fields !== undefined && !flatFields(obj.fields)) return { ok, code: 15, at: i }
      const index = optString(obj.index)
      if (index === 'bad' || (index !== undefined && !allowedIndex(tok, index))) return { ok, code: 7, at: i }
      const host = optString(obj.host)
      const source = optString(obj.source)
      const sourcetype = optString(obj.sourcetype)
      if (host === 'bad' || source === 'bad' || sourcetype === 'bad') return { ok, code: 6, at: i }
      for (const k of Object.keys(obj)) if (!ENVELOPE.has(k)) return { ok } // silent loss (probe 10.4.3)
      ok.push({
        token: tok.token,
        channel,
        time,
        host,
        source,
        sourcetype: sourcetype ?? tok.defaultSourcetype ?? 'httpevent',
        index: index ?? tok.defaultIndex ?? 'main',
        fields: obj.fields as Record<string, unknown> | undefined,
        event: ev,
        requestNo: n
      })
    }
  }

  function parseRawBody (text: string, rec: RecordedRequest, tok: HecToken, channel: string | undefined, n: number): Parsed {
    const ok: HecEvent[] = []
    const q = rec.query
    const index = q.index
    if (index !== undefined && !allowedIndex(tok, index)) return { ok, code: 7 }
    const time = parseTime(q.time)
    if (time === 'bad') return { ok, code: 6 }
    const lines = text.split('\n')
    let i = 0
    for (let l of lines) {
      if (l.charCodeAt(l.length - 1) === 13) l = l.slice(0, -1)
      if (l.trim() === '') continue
      const fault = eventFn?.({ n, i, obj: l })
      if (fault !== undefined) return { ok, code: fault, at: i }
      ok.push({
        token: tok.token,
        channel,
        time,
        host: q.host,
        source: q.source,
        sourcetype: q.sourcetype ?? tok.defaultSourcetype ?? 'httpevent',
        index: index ?? tok.defaultIndex ?? 'main',
        event: l,
        requestNo: n
      })
      i++
    }
    if (i === 0) return { ok, code: 5 }
    return { ok }
  }

  function faultAnswer (status: number, body: string | object | undefined): { body: string, headers: Record<string, string> } {
    if (body !== undefined) {
      if (typeof body === 'string') return { body, headers: { 'content-type': sniffType(body) } }
      return { body: JSON.stringify(body), headers: JSON_HEADERS }
    }
    switch (status) {
      case 503: case 429: return { body: hecBody(9), headers: JSON_HEADERS }
      case 500: return { body: hecBody(8), headers: JSON_HEADERS }
      case 400: return { body: hecBody(6), headers: JSON_HEADERS }
      case 401: return { body: hecBody(2), headers: JSON_HEADERS }
      case 403: return { body: hecBody(4), headers: JSON_HEADERS }
      case 404: case 405: return { body: NOT_FOUND, headers: JSON_HEADERS }
      case 413: return { body: splunkHtml(413, 'Content-Length too large', 'The request your client sent was too large.'), headers: HTML_HEADERS }
      case 415: return { body: splunkHtml(415, 'Unsupported Media Type', 'Unsupported Content-Encoding.'), headers: HTML_HEADERS }
      case 502: return { body: htmlError(502, 'Bad Gateway'), headers: { 'content-type': 'text/html' } }
      case 504: return { body: htmlError(504, 'Gateway Time-out'), headers: { 'content-type': 'text/html' } }
      default: return { body: JSON.stringify({ text: `fake error ${status}`, code: 8 }), headers: JSON_HEADERS }
    }
  }

  const server = await startRawServer(Math.min(2 * max + MiB, 2 ** 31 - 1), async (req, reply, raw) => {
    const rec = recordOf(req, raw)
    const enc = contentEncoding(rec.headers)
    const gz = enc === '' || enc === 'gzip' || enc === 'x-gzip'
    const dec = raw === null
      ? { body: Buffer.alloc(0), tooLarge: true, bad: false }
      : gz ? decodeBody(raw, enc, max, false) : { body: raw, tooLarge: raw.length > max, bad: false }
    if (recordBodies) rec.body = dec.body
    requests.push(rec)
    const method = req.method
    const kind = ROUTES.get(rec.path)

    if (method === 'OPTIONS') { answer(reply, rec, 200, undefined, {}, echo); return }
    if (kind === undefined) { answer(reply, rec, 404, NOT_FOUND, JSON_HEADERS, echo); return }
    if (kind === 'health') {
      if (method !== 'GET' && method !== 'HEAD') { answer(reply, rec, 405, NOT_FOUND, JSON_HEADERS, echo); return }
      const code = health === 'healthy' ? 17 : health
      answer(reply, rec, hecStatus(code), hecBody(code), JSON_HEADERS, echo)
      return
    }
    if (method !== 'POST') { answer(reply, rec, 405, NOT_FOUND, JSON_HEADERS, echo); return }

    let fault: HecRequestFault | undefined
    let n = -1
    if (kind !== 'ack') {
      n = dataCount++
      fault = requestFn?.(n, rec)
      if (fault !== undefined) {
        if (fault.delayMs !== undefined && fault.delayMs > 0) await server.sleep(fault.delayMs)
        if (server.closed || fault.reset === 'before') { resetSocket(reply, rec); return }
        if (fault.status !== undefined) {
          const f = faultAnswer(fault.status, fault.body)
          answer(reply, rec, fault.status, f.body, { ...f.headers, ...fault.headers }, echo)
          return
        }
      }
    }
    const extra = fault?.headers ?? {}
    const send = (status: number, body: string | undefined, headers: Record<string, string>): void => {
      if (fault?.reset === 'after') { resetSocket(reply, rec); return }
      answer(reply, rec, status, body, { ...headers, ...extra }, echo)
    }
    const sendCode = (code: number, more?: Record<string, unknown>): void => { send(hecStatus(code), hecBody(code, more), JSON_HEADERS) }

    if (dec.tooLarge) {
      const size = raw === null ? rec.rawLength : dec.body.length
      send(413, splunkHtml(413, `Content-Length of ${size} too large (maximum is ${max})`, 'The request your client sent was too large.'), HTML_HEADERS)
      return
    }
    const a = authenticate(rec)
    if (!a.ok) { sendCode(a.code); return }
    const tok = a.tok
    if (kind === 'ack' && tok.useACK !== true) { sendCode(14); return }
    if (!gz) { send(415, splunkHtml(415, 'Unsupported Media Type', `Content-Encoding '${enc}' is not supported.`), HTML_HEADERS); return }
    if (dec.bad) { sendCode(6); return }
    if (kind !== 'ack' && (health === 18 || health === 20)) { sendCode(9); return }
    const channel = channelOf(rec)
    if (channel !== undefined && !GUID.test(channel)) { sendCode(11); return }
    if (channel === undefined && tok.useACK === true) { sendCode(10); return }

    const text = dec.body.toString('utf8')
    if (kind === 'ack') {
      if (text.trim() === '') { sendCode(5); return }
      let q: unknown
      try { q = JSON.parse(text) } catch { sendCode(6); return }
      const ids = isPlainObject(q) ? q.acks : undefined
      if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x) && x >= 0)) { sendCode(6); return }
      const ch = channels.get((channel as string).toLowerCase())
      const now = Date.now()
      const acks: Record<string, boolean> = {}
      for (const id of ids as number[]) {
        const at = ch?.pending.get(id)
        if (at !== undefined && at <= now) {
          acks[id] = true
          ch?.pending.delete(id)
        } else {
          acks[id] = false
        }
      }
      send(200, JSON.stringify({ acks }), JSON_HEADERS)
      return
    }

    const p = kind === 'event' ? parseEventBody(text, tok, channel, n) : parseRawBody(text, rec, tok, channel, n)
    for (const e of p.ok) events.push(e)
    if (p.code !== undefined) {
      sendCode(p.code, p.at !== undefined && p.code !== 5 ? { 'invalid-event-number': p.at } : undefined)
      return
    }
    if (tok.useACK === true) {
      send(200, hecBody(0, { ackId: assignAck(channel as string, n) }), JSON_HEADERS)
      return
    }
    sendCode(0)
  }, opts.port)

  return {
    url: server.url,
    requests,
    events,
    onRequest (fn) { requestFn = fn },
    onEvent (fn) { eventFn = fn },
    onAck (fn) { ackFn = fn },
    setHealth (h) { health = h },
    close: async () => { await server.close() }
  }
}
