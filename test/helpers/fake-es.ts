/**
 * Fake Elasticsearch / OpenSearch `_bulk` server for integration tests of the Elasticsearch sink.
 *
 * Follows docs/sinks.md §1 and the §5.3 checklist (ES items 1–12); answers
 * (status codes, JSON bodies, error types and reasons) are copied from the real-server captures
 * quoted there. In-memory, on 127.0.0.1 with a random port, no per-request logging.
 *
 *   const es = await startFakeEs({ dataStreams: ['logs-*-*'], auth: { apiKey: 'a2V5' } })
 *   es.onItem(({ n, i }) => n === 0 && i === 3 ? { status: 429 } : undefined)
 *   es.onRequest((n) => n === 1 ? { reset: 'after' } : undefined)
 *   ... run the sink against es.url ...
 *   es.indices.get('logs-auditd-default')?.size; es.requests[k].status; await es.close()
 *
 * Order of checks for each request (as in ES: HTTP layer, then REST controller, then security,
 * then the bulk parser): scripted request fault → 413 (decompressed size) → 406 (content type)
 * → 401 (auth) → route → body parsing (whole request 400, nothing indexed) → items in order.
 *
 * Real semantics (when no fault is scripted): `create` on an existing `_id` → item 409 and the
 * document is left as it was; `index` → 201 created / 200 updated with `_version`+1; `delete`,
 * `update` (partial `doc`, `upsert`, `doc_as_upsert`) work on the stored documents; missing
 * `_id` → generated 20-char base64url id; data streams (glob patterns) accept only `create`,
 * need `@timestamp` and report the backing index `.ds-<name>-<yyyy.MM.dd>-000001`; `_id` (or
 * another metadata field) inside the source → item 400 `document_parsing_exception`;
 * `filter_path` (comma-separated, `*`/`**` wildcards); `require_alias=true` → item 404 (the fake
 * has no aliases). `PUT`/`GET _ilm/policy/NAME` (ES flavour) and `_index_template/NAME` store
 * and return what was put (ILM with ES's version and modified_date). Not modelled: mappings (no field type clashes), scripts, routing, versioning
 * parameters (`if_seq_no`, `version`), rollover, response compression.
 *
 * Faults: `onRequest` answers a whole `_bulk` request with a status (default realistic body,
 * nothing indexed), delays it (then handles it normally: the documents are indexed after the
 * delay even if the client gave up — an unknown outcome), or resets the socket before or after
 * indexing. `onItem` fails single actions; a faulted item is never indexed.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { gunzipSync, inflateSync } from 'node:zlib'

// ------------------------------------------------------------------------------------ API

export interface EsItemFault { status: number, type?: string, reason?: string }

export interface EsRequestFault {
  /** whole-request status (e.g. 413, 429, 503, 401, 403, 500, 502); nothing is indexed */
  status?: number
  /** default: the realistic body for that status (413 → empty; 429 → circuit_breaking_exception;
   * 502/504 → nginx HTML; 503 → ES JSON). A string is sent as is (text/html if it starts with
   * '<', application/json if with '{', else text/plain); an object is sent as JSON. */
  body?: string | object
  /** extra response headers, e.g. { 'retry-after': '1' } (also added to a normal answer) */
  headers?: Record<string, string>
  /** wait before answering (for client timeouts); without `status`/`reset` the request is then
   * handled normally (documents indexed even if the client has gone) */
  delayMs?: number
  /** destroy the socket (TCP RST) without answering: before indexing anything, or after
   * indexing the batch (unknown outcome). Recorded with status 0. */
  reset?: 'before' | 'after'
}

export interface FakeEsOptions {
  flavor?: 'elasticsearch' | 'opensearch'
  /** none given = no auth. `apiKey` is the encoded value sent after "ApiKey " (ES flavour only) */
  auth?: { basic?: { username: string, password: string }, apiKey?: string, bearer?: string }
  /** limit on the decompressed body in bytes (`http.max_content_length`); default 100 MiB */
  maxContentLength?: number
  /** data stream name patterns with `*`, e.g. ['logs-*-*'] */
  dataStreams?: string[]
  /** indices (patterns with `*` allowed) for which every item gets 403 security_exception */
  denyIndices?: string[]
  /** keep request bodies in `requests[k].body` (default true; false saves memory under load) */
  recordBodies?: boolean
  /** a server (or proxy) that quotes the request's headers, Authorization first, at the start
   * of every error it reports: each item error's reason, and every answer of status >= 400
   * (see withEcho) */
  echoHeaders?: boolean
  /** listen on this port (default: a random free one): a server started again on the port of
   * one closed is the same endpoint back after an outage */
  port?: number
}

/** One HTTP request as the fake saw it (shared with fake-hec.ts). */
export interface RecordedRequest {
  method: string
  /** path without the query string, not decoded */
  path: string
  /** query parameters (first value wins) */
  query: Record<string, string>
  /** request headers as sent (lower-case names) */
  headers: Record<string, string | string[] | undefined>
  /** decompressed body (the raw body if it could not be decompressed or was too large; empty
   * when `recordBodies` is false) */
  body: Buffer
  /** body length on the wire */
  rawLength: number
  /** Content-Encoding was gzip */
  gzip: boolean
  /** status answered; 0 = no answer (socket reset, or the server closed first) */
  status: number
}

export interface FakeEs {
  /** http://127.0.0.1:PORT */
  readonly url: string
  /** every request, in arrival order, with the status answered */
  readonly requests: RecordedRequest[]
  /** indexed documents: index name (data stream name for streams) → _id → source object */
  readonly indices: Map<string, Map<string, unknown>>
  /** ILM policies (`PUT _ilm/policy/NAME`, ES flavour): name → {version, modified_date, policy} */
  readonly ilmPolicies: Map<string, { version: number, modified_date: string, policy: unknown }>
  /** composable index templates (`PUT _index_template/NAME`): name → the body as sent */
  readonly indexTemplates: Map<string, unknown>
  /** number of stored documents over all indices */
  docCount (): number
  /** script whole-request faults: called for each _bulk request n (0-based count of _bulk
   * requests); return undefined for normal handling */
  onRequest (fn: ((n: number, req: RecordedRequest) => EsRequestFault | undefined) | undefined): void
  /** script per-item faults: called for each action of a normally handled _bulk request;
   * undefined = real semantics */
  onItem (fn: ((item: { n: number, i: number, action: string, index: string, id: string | undefined, source: unknown }) => EsItemFault | undefined) | undefined): void
  close (): Promise<void>
}

// ------------------------------------------------------ shared plumbing (also used by fake-hec)

const EMPTY = Buffer.alloc(0)
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']

/** @internal shared with fake-hec.ts: receives every request with its raw body (null = the
 * body was over the buffering limit and not read). It must answer or reset. */
export type RawHandler = (req: FastifyRequest, reply: FastifyReply, raw: Buffer | null) => Promise<void>

/** @internal shared with fake-hec.ts */
export interface RawServer {
  readonly url: string
  readonly closed: boolean
  /** a delay that close() cuts short (the handler then sees `closed`) */
  sleep (ms: number): Promise<void>
  close (): Promise<void>
}

/**
 * @internal shared with fake-hec.ts. A fastify server on 127.0.0.1:0 with one catch-all route.
 * Any Content-Type (even a syntactically invalid one) is read as a raw Buffer: the header is
 * replaced before fastify looks at it, the original stays in `req.raw.rawHeaders` (recordOf()).
 */
export async function startRawServer (bufferLimit: number, handle: RawHandler, port = 0): Promise<RawServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true, exposeHeadRoutes: false, bodyLimit: bufferLimit })
  let closed = false
  const timers = new Set<{ t: NodeJS.Timeout, resolve: () => void }>()
  app.addHook('onRequest', (req, _reply, done) => {
    req.raw.headers['content-type'] = 'application/octet-stream'
    done()
  })
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: bufferLimit }, (_req, body, done) => { done(null, body) })
  app.route({
    method: METHODS,
    url: '*',
    handler: async (req, reply) => {
      await handle(req, reply, Buffer.isBuffer(req.body) ? req.body : EMPTY)
      return reply
    }
  })
  app.setErrorHandler(async (err, req, reply) => {
    if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') await handle(req, reply, null)
    else reply.send(err)
    return reply
  })
  await app.listen({ host: '127.0.0.1', port })
  const bound = (app.server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${bound}`,
    get closed () { return closed },
    sleep (ms: number): Promise<void> {
      if (closed) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const e = { t: setTimeout(() => { timers.delete(e); resolve() }, ms), resolve }
        timers.add(e)
      })
    },
    async close (): Promise<void> {
      if (closed) return
      closed = true
      for (const e of timers) { clearTimeout(e.t); e.resolve() }
      timers.clear()
      await app.close()
    }
  }
}

/** @internal The request's metadata; `body` is left empty (set it after decoding). */
export function recordOf (req: FastifyRequest, raw: Buffer | null): RecordedRequest {
  const url = req.raw.url ?? '/'
  const q = url.indexOf('?')
  const path = q < 0 ? url : url.slice(0, q)
  const query: Record<string, string> = {}
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) if (!Object.hasOwn(query, k)) query[k] = v
  }
  const headers: Record<string, string | string[] | undefined> = { ...req.raw.headers }
  const ct = rawHeaderValues(req, 'content-type')
  if (ct.length === 0) delete headers['content-type']
  else headers['content-type'] = ct[0]
  const enc = contentEncoding(headers)
  const cl = Number(headers['content-length'] ?? 0)
  return { method: req.method, path, query, headers, body: EMPTY, rawLength: raw === null ? cl : raw.length, gzip: enc === 'gzip' || enc === 'x-gzip', status: 0 }
}

/** @internal every value of a request header as sent (duplicates kept) */
export function rawHeaderValues (req: FastifyRequest, name: string): string[] {
  const out: string[] = []
  const rh = req.raw.rawHeaders
  for (let k = 0; k < rh.length; k += 2) if (rh[k].length === name.length && rh[k].toLowerCase() === name) out.push(rh[k + 1])
  return out
}

/** @internal lower-cased Content-Encoding ('' when absent or identity) */
export function contentEncoding (headers: Record<string, string | string[] | undefined>): string {
  const v = headers['content-encoding']
  const s = (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().toLowerCase()
  return s === 'identity' ? '' : s
}

/**
 * @internal Decompress `raw` (gzip/x-gzip, and deflate when `deflate`) with the output capped at
 * `max` bytes. tooLarge = the decoded body exceeds `max`; bad = undecodable data.
 */
export function decodeBody (raw: Buffer, encoding: string, max: number, deflate: boolean): { body: Buffer, tooLarge: boolean, bad: boolean } {
  if (raw.length === 0) return { body: raw, tooLarge: false, bad: false }
  const gz = encoding === 'gzip' || encoding === 'x-gzip'
  const df = deflate && encoding === 'deflate'
  if (!gz && !df) return { body: raw, tooLarge: raw.length > max, bad: false }
  try {
    const maxOutputLength = Math.min(max + 1, 2 ** 32 - 1)
    const body = gz ? gunzipSync(raw, { maxOutputLength }) : inflateSync(raw, { maxOutputLength })
    return { body, tooLarge: body.length > max, bad: false }
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return { body: raw, tooLarge: true, bad: false }
    return { body: raw, tooLarge: false, bad: true }
  }
}

/** @internal the request headers as a misbehaving server quotes them: `name: value; …`, Authorization first */
export function echoOf (rec: RecordedRequest): string {
  const names = Object.keys(rec.headers).sort((a, b) => (a === 'authorization' ? -1 : b === 'authorization' ? 1 : 0))
  return `request headers: ${names.map((k) => `${k}: ${String(rec.headers[k])}`).join('; ')}`
}

/**
 * @internal `body` of an error answer with the request headers quoted at its start: in the
 * reason of an Elasticsearch error (`error.reason`, `root_cause[].reason`, or `error` when a
 * string), in an HEC answer's `text`, else as a first line before the text or HTML.
 */
export function withEcho (body: string | undefined, echo: string): string {
  if (body === undefined || body === '') return echo
  let v: unknown
  try { v = JSON.parse(body) } catch { return `${echo}\n${body}` }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${echo}\n${body}`
  const o = v as Record<string, unknown>
  const err = o.error
  if (typeof err === 'string') o.error = `${echo} ${err}`
  else if (typeof err === 'object' && err !== null) {
    const e = err as { reason?: unknown, root_cause?: Array<{ reason?: unknown }> }
    e.reason = `${echo} ${String(e.reason ?? '')}`
    for (const c of e.root_cause ?? []) c.reason = `${echo} ${String(c.reason ?? '')}`
  } else if (typeof o.text === 'string') o.text = `${echo} ${o.text}`
  else o.echo = echo
  return JSON.stringify(o)
}

/**
 * @internal answer and record the status; body undefined → empty with content-length 0; with
 * `echo`, an answer of status >= 400 quotes the request headers (withEcho)
 */
export function answer (reply: FastifyReply, rec: RecordedRequest, status: number, body: string | undefined, headers: Record<string, string | string[]>, echo = false): void {
  if (echo && status >= 400) body = withEcho(body, echoOf(rec))
  rec.status = status
  reply.code(status)
  for (const k in headers) reply.header(k, headers[k])
  if (body === undefined) {
    reply.header('content-length', '0')
    reply.send()
  } else {
    reply.send(body)
  }
}

/** @internal close the connection with a TCP RST, no answer */
export function resetSocket (reply: FastifyReply, rec: RecordedRequest): void {
  rec.status = 0
  reply.hijack()
  const s = reply.request.raw.socket
  if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy()
  else s.destroy()
}

/** @internal content type for a scripted string body */
export function sniffType (body: string): string {
  const c = body.trimStart().charAt(0)
  return c === '<' ? 'text/html' : c === '{' || c === '[' ? 'application/json' : 'text/plain; charset=utf-8'
}

/** @internal glob with `*` → RegExp */
export function globRe (patterns: string[]): RegExp | undefined {
  if (patterns.length === 0) return undefined
  const alt = patterns.map((p) => p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*'))
  return new RegExp(`^(?:${alt.join('|')})$`)
}

/** @internal nginx-style proxy error page */
export function htmlError (status: number, text: string): string {
  return `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
}

// ------------------------------------------------------------------------------ ES answers

const MiB = 1024 * 1024
const BULK_PATH = /^\/([^/]+)\/_bulk\/?$/
const ILM_PATH = /^\/_ilm\/policy\/([^/]+)$/
const TEMPLATE_PATH = /^\/_index_template\/([^/]+)$/
const ACTIONS = new Set(['index', 'create', 'update', 'delete'])
const META_PARAMS = new Set(['_index', '_id', 'routing', 'op_type', 'version', 'version_type', 'if_seq_no', 'if_primary_term', 'retry_on_conflict', 'pipeline', '_source', 'require_alias', 'require_data_stream', 'dynamic_templates', 'list_executed_pipelines'])
const METADATA_FIELDS = new Set(['_id', '_index', '_routing', '_source', '_seq_no', '_primary_term', '_version', '_ignored', '_field_names', '_tier', '_data_stream_timestamp'])
const SHARDS = { total: 2, successful: 1, failed: 0 }
const NEWLINE_REASON = 'The bulk request must be terminated by a newline [\n]'
const CIRCUIT_REASON = '[parent] Data too large, data for [<http_request>] would be [123848638/118.1mb], which is larger than the limit of [123273216/117.5mb], real usage: [120182112/114.6mb], new bytes reserved: [3666526/3.4mb]'
const REJECTED_REASON = 'rejected execution of org.elasticsearch.transport.TransportService$7@637a429f on EsThreadPoolExecutor[name = fake/write, queue capacity = 200, org.elasticsearch.common.util.concurrent.EsThreadPoolExecutor@1e2b4ae2[Running, pool size = 8, active threads = 8, queued tasks = 200, completed tasks = 31337]]'

/** `{"error":{"root_cause":[C],...C},"status":S}` with C = {type, reason, ...extra} */
function esError (type: string, reason: string, status: number, extra?: Record<string, unknown>): string {
  const cause = { type, reason, ...extra }
  return JSON.stringify({ error: { root_cause: [cause], ...cause }, status })
}

function contentTypeError (values: string[]): string {
  const error = values.length === 0 ? 'Content-Type header is missing' : `Content-Type header [${values.join(', ')}] is not supported`
  return JSON.stringify({ error, status: 406 })
}

function randomId (bytes: number): string {
  return randomBytes(bytes).toString('base64url')
}

function isPlainObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function utcDate (d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}.${p(d.getUTCMonth() + 1)}.${p(d.getUTCDate())}`
}

function deepMerge (target: Record<string, unknown>, src: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target }
  for (const k of Object.keys(src)) {
    const a = out[k]
    const b = src[k]
    out[k] = isPlainObject(a) && isPlainObject(b) ? deepMerge(a, b) : b
  }
  return out
}

// ---------------------------------------------------------------------------- filter_path

type FilterPath = string[]

function compileFilter (fp: string): FilterPath[] {
  return fp.split(',').map((p) => p.trim()).filter((p) => p.length > 0).map((p) => p.split('.'))
}

const segReCache = new Map<string, RegExp>()
function segMatch (seg: string, key: string): boolean {
  if (seg === '*') return true
  if (!seg.includes('*')) return seg === key
  let re = segReCache.get(seg)
  if (re === undefined) {
    re = globRe([seg])!
    segReCache.set(seg, re)
  }
  return re.test(key)
}

/** ES response filtering: keep what the paths select; arrays are transparent; empty → dropped */
function applyFilter (value: unknown, paths: FilterPath[]): unknown {
  for (const p of paths) if (p.length === 0) return value
  if (Array.isArray(value)) {
    const out: unknown[] = []
    for (const v of value) {
      const f = applyFilter(v, paths)
      if (f !== undefined) out.push(f)
    }
    return out.length > 0 ? out : undefined
  }
  if (!isPlainObject(value)) return undefined
  const out: Record<string, unknown> = {}
  let any = false
  for (const k of Object.keys(value)) {
    const sub: FilterPath[] = []
    for (const p of paths) {
      if (p[0] === '**') {
        sub.push(p)
        if (p.length > 1 && segMatch(p[1], k)) sub.push(p.slice(2))
      } else if (segMatch(p[0], k)) {
        sub.push(p.slice(1))
      }
    }
    if (sub.length === 0) continue
    const f = applyFilter(value[k], sub)
    if (f !== undefined) { out[k] = f; any = true }
  }
  return any ? out : undefined
}

// ----------------------------------------------------------------------------- the server

interface IndexMeta { uuid: string, seqNo: number, versions: Map<string, number>, concrete: string }

interface ParsedAction {
  action: string
  line: number
  index: string | undefined
  id: string | undefined
  meta: Record<string, unknown>
  /** the source line (without \r), undefined for delete */
  source: string | undefined
}

type ParseResult = { ok: true, actions: ParsedAction[] } | { ok: false, body: string }

/** Split and check the NDJSON like ES's BulkRequestParser; any problem = whole-request 400. */
function parseBulk (text: string, target: string | undefined): ParseResult {
  const actions: ParsedAction[] = []
  const bad = (reason: string, type = 'illegal_argument_exception'): ParseResult => ({ ok: false, body: esError(type, reason, 400) })
  let pos = 0
  let line = 0
  const n = text.length
  while (pos < n) {
    const nl = text.indexOf('\n', pos)
    if (nl < 0) return bad(NEWLINE_REASON)
    let l = text.slice(pos, nl)
    pos = nl + 1
    line++
    if (l.charCodeAt(l.length - 1) === 13) l = l.slice(0, -1)
    if (l.trim().length === 0) continue
    let obj: unknown
    try {
      obj = JSON.parse(l)
    } catch (e) {
      return bad(`[${line}:1] ${(e as Error).message}`, 'x_content_parse_exception')
    }
    if (!isPlainObject(obj)) return bad(`Malformed action/metadata line [${line}], expected START_OBJECT but found [${tokenName(obj)}]`)
    const keys = Object.keys(obj)
    if (keys.length === 0) return bad(`Malformed action/metadata line [${line}], expected FIELD_NAME but found [END_OBJECT]`)
    const action = keys[0]
    if (!ACTIONS.has(action)) return bad(`Malformed action/metadata line [${line}], expected field [create], [delete], [index] or [update] but found [${action}]`)
    const meta = obj[action]
    if (!isPlainObject(meta)) return bad(`Malformed action/metadata line [${line}], expected START_OBJECT but found [${tokenName(meta)}]`)
    if (keys.length > 1) return bad(`Malformed action/metadata line [${line}], expected END_OBJECT but found [FIELD_NAME]`)
    for (const k of Object.keys(meta)) {
      if (!META_PARAMS.has(k)) return bad(`Action/metadata line [${line}] contains an unknown parameter [${k}]`)
      const v = meta[k]
      if ((k === '_index' || k === '_id') && (typeof v === 'object' && v !== null)) return bad(`Malformed action/metadata line [${line}], expected a simple value for field [${k}] but found [${tokenName(v)}]`)
    }
    const index = meta._index === undefined || meta._index === null ? target : String(meta._index)
    const id = meta._id === undefined || meta._id === null ? undefined : String(meta._id)
    let source: string | undefined
    if (action !== 'delete') {
      if (pos >= n) break // ES drops a trailing action that has no source line
      const snl = text.indexOf('\n', pos)
      if (snl < 0) return bad(NEWLINE_REASON)
      source = text.slice(pos, snl)
      pos = snl + 1
      line++
      if (source.charCodeAt(source.length - 1) === 13) source = source.slice(0, -1)
    }
    actions.push({ action, line, index, id, meta, source })
  }
  const errors: string[] = []
  if (actions.length === 0) errors.push('no requests added')
  for (const a of actions) {
    if (a.index === undefined || a.index === '') errors.push('index is missing')
    if ((a.action === 'delete' || a.action === 'update') && a.id === undefined) errors.push('id is missing')
  }
  if (errors.length > 0) {
    return bad(`Validation Failed: ${errors.map((e, k) => `${k + 1}: ${e};`).join('')}`, 'action_request_validation_exception')
  }
  return { ok: true, actions }
}

function tokenName (v: unknown): string {
  if (Array.isArray(v)) return 'START_ARRAY'
  if (isPlainObject(v)) return 'START_OBJECT'
  if (typeof v === 'string') return 'VALUE_STRING'
  if (typeof v === 'number') return 'VALUE_NUMBER'
  if (typeof v === 'boolean') return 'VALUE_BOOLEAN'
  return 'VALUE_NULL'
}

export async function startFakeEs (opts: FakeEsOptions = {}): Promise<FakeEs> {
  const flavor = opts.flavor ?? 'elasticsearch'
  const isEs = flavor === 'elasticsearch'
  const max = opts.maxContentLength ?? 100 * MiB
  const recordBodies = opts.recordBodies ?? true
  const echo = opts.echoHeaders === true
  /** the quote of the request being answered, for item errors (echoHeaders) */
  let itemEcho: string | undefined
  const dsRe = globRe(opts.dataStreams ?? [])
  const denyRe = globRe(opts.denyIndices ?? [])
  const auth = opts.auth !== undefined && (opts.auth.basic !== undefined || opts.auth.apiKey !== undefined || opts.auth.bearer !== undefined) ? opts.auth : undefined

  const requests: RecordedRequest[] = []
  const indices = new Map<string, Map<string, unknown>>()
  const ilmPolicies = new Map<string, { version: number, modified_date: string, policy: unknown }>()
  const indexTemplates = new Map<string, unknown>()
  const metas = new Map<string, IndexMeta>()
  let bulkCount = 0
  let requestFn: ((n: number, req: RecordedRequest) => EsRequestFault | undefined) | undefined
  let itemFn: ((item: { n: number, i: number, action: string, index: string, id: string | undefined, source: unknown }) => EsItemFault | undefined) | undefined

  const jsonHeaders: Record<string, string> = isEs
    ? { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' }
    : { 'content-type': 'application/json; charset=UTF-8' }
  const wwwAuthenticate = isEs
    ? ['Basic realm="security" charset="UTF-8"', ...(auth?.bearer !== undefined ? ['Bearer realm="security"'] : []), 'ApiKey']
    : ['Basic realm="OpenSearch Security"']

  function metaOf (name: string): IndexMeta {
    let m = metas.get(name)
    if (m === undefined) {
      const concrete = dsRe?.test(name) === true ? `.ds-${name}-${utcDate(new Date())}-000001` : name
      m = { uuid: randomId(16).slice(0, 22), seqNo: 0, versions: new Map(), concrete }
      metas.set(name, m)
    }
    return m
  }

  function docsOf (name: string): Map<string, unknown> {
    let d = indices.get(name)
    if (d === undefined) {
      d = new Map()
      indices.set(name, d)
    }
    return d
  }

  // ---------------------------------------------------------------- auth

  type AuthResult = { ok: true, user: string } | { ok: false, reason: string }

  function authenticate (header: string | undefined, uri: string): AuthResult {
    if (auth === undefined) return { ok: true, user: '_anonymous' }
    const missing = { ok: false as const, reason: `missing authentication credentials for REST request [${uri}]` }
    if (header === undefined || header.trim() === '') return missing
    const sp = header.indexOf(' ')
    const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase()
    const cred = sp < 0 ? '' : header.slice(sp + 1).trim()
    const generic = { ok: false as const, reason: 'unable to authenticate with provided credentials and anonymous access is not allowed for this request' }
    if (scheme === 'basic') {
      const dec = Buffer.from(cred, 'base64').toString('utf8')
      const c = dec.indexOf(':')
      const user = c < 0 ? dec : dec.slice(0, c)
      const pass = c < 0 ? '' : dec.slice(c + 1)
      if (auth.basic !== undefined && user === auth.basic.username && pass === auth.basic.password) return { ok: true, user }
      return { ok: false, reason: `unable to authenticate user [${user}] for REST request [${uri}]` }
    }
    if (scheme === 'apikey' && isEs) {
      if (auth.apiKey !== undefined && cred === auth.apiKey) {
        const dec = Buffer.from(cred, 'base64').toString('utf8')
        return { ok: true, user: dec.split(':')[0] }
      }
      return generic
    }
    if (scheme === 'bearer') {
      if (auth.bearer !== undefined && cred === auth.bearer) return { ok: true, user: 'bearer' }
      return generic
    }
    return missing
  }

  function unauthorized (reason: string): { status: number, body: string, headers: Record<string, string | string[]> } {
    if (!isEs) return { status: 401, body: 'Unauthorized', headers: { 'content-type': 'text/plain; charset=UTF-8', 'www-authenticate': wwwAuthenticate } }
    const body = esError('security_exception', reason, 401, { header: { 'WWW-Authenticate': wwwAuthenticate } })
    return { status: 401, body, headers: { ...jsonHeaders, 'www-authenticate': wwwAuthenticate } }
  }

  function forbiddenReason (user: string, index: string, bulk: boolean): string {
    return `action [indices:data/write/bulk${bulk ? '[s]' : ''}] is unauthorized for user [${user}] with effective roles [fake_writer] on indices [${index}], this action is granted by the index privileges [create_doc,create,index,write,all]`
  }

  // ---------------------------------------------------------------- scripted whole-request answers

  function faultAnswer (status: number, body: string | object | undefined, rec: RecordedRequest): { body: string | undefined, headers: Record<string, string | string[]> } {
    if (body !== undefined) {
      if (typeof body === 'string') return { body, headers: { 'content-type': sniffType(body) } }
      return { body: JSON.stringify(body), headers: { ...jsonHeaders } }
    }
    const target = BULK_PATH.exec(rec.path)?.[1]
    switch (status) {
      case 413: return { body: undefined, headers: {} }
      case 401: {
        const u = unauthorized(`missing authentication credentials for REST request [${rec.path}]`)
        return { body: u.body, headers: u.headers }
      }
      case 403: return { body: esError('security_exception', forbiddenReason('fake', target !== undefined ? decodeURIComponent(target) : '*', false), 403), headers: { ...jsonHeaders } }
      case 406: return { body: contentTypeError(rawCt(rec)), headers: { ...jsonHeaders } }
      case 400: return { body: esError('illegal_argument_exception', NEWLINE_REASON, 400), headers: { ...jsonHeaders } }
      case 404: {
        const idx = target !== undefined ? decodeURIComponent(target) : 'fake'
        return { body: esError('index_not_found_exception', `no such index [${idx}]`, 404, { 'resource.type': 'index_or_alias', 'resource.id': idx, index_uuid: '_na_', index: idx }), headers: { ...jsonHeaders } }
      }
      case 429: return { body: esError('circuit_breaking_exception', CIRCUIT_REASON, 429, { bytes_wanted: 123848638, bytes_limit: 123273216, durability: 'TRANSIENT' }), headers: { ...jsonHeaders } }
      case 502: return { body: htmlError(502, 'Bad Gateway'), headers: { 'content-type': 'text/html' } }
      case 504: return { body: htmlError(504, 'Gateway Time-out'), headers: { 'content-type': 'text/html' } }
      case 503: return { body: esError('cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/2/no master];', 503), headers: { ...jsonHeaders } }
      case 500: return { body: esError('exception', 'fake internal server error', 500), headers: { ...jsonHeaders } }
      default: return { body: esError('exception', `fake error ${status}`, status), headers: { ...jsonHeaders } }
    }
  }

  function rawCt (rec: RecordedRequest): string[] {
    const v = rec.headers['content-type']
    return v === undefined ? [] : Array.isArray(v) ? v : [v]
  }

  // ---------------------------------------------------------------- content type

  function contentTypeOk (values: string[]): boolean {
    if (values.length !== 1) return false
    const parts = values[0].split(';').map((s) => s.trim().toLowerCase())
    const media = parts[0]
    if (media === 'application/x-ndjson' || media === 'application/json') return true
    if (!isEs) return false
    if (media !== 'application/vnd.elasticsearch+x-ndjson' && media !== 'application/vnd.elasticsearch+json') return false
    const cw = parts.slice(1).find((p) => p.replace(/\s+/g, '').startsWith('compatible-with='))
    const ver = cw?.replace(/\s+/g, '').slice('compatible-with='.length)
    return ver === '8' || ver === '9'
  }

  // ---------------------------------------------------------------- _bulk

  function itemFailure (status: number, index: string, concrete: string, id: string | undefined, user: string, type?: string, reason?: string, source?: string): Record<string, unknown> {
    const m = metaOf(index)
    const shardInfo = { index_uuid: m.uuid, shard: '0', index: concrete }
    let error: Record<string, unknown>
    switch (status) {
      case 409: error = { type: 'version_conflict_engine_exception', reason: `[${id ?? ''}]: version conflict, document already exists (current version [${m.versions.get(id ?? '') ?? 1}])`, ...shardInfo }; break
      case 429: error = { type: 'es_rejected_execution_exception', reason: REJECTED_REASON }; break
      case 503: error = { type: 'unavailable_shards_exception', reason: `[${concrete}][0] primary shard is not active Timeout: [1m], request: [BulkShardRequest [[${concrete}][0]] containing [1] requests]`, ...shardInfo }; break
      case 403: error = { type: 'security_exception', reason: forbiddenReason(user, index, true) }; break
      case 404: error = { type: 'index_not_found_exception', reason: `no such index [${index}]`, 'resource.type': 'index_expression', 'resource.id': index, index_uuid: '_na_', index }; break
      case 400: error = { type: 'document_parsing_exception', reason: `[1:${source?.length ?? 1}] failed to parse` }; break
      default: error = { type: 'exception', reason: `fake item failure ${status}`, ...shardInfo }
    }
    if (type !== undefined) error.type = type
    if (reason !== undefined) error.reason = reason
    if (itemEcho !== undefined) error.reason = `${itemEcho} ${String(error.reason)}`
    return { _index: concrete, _id: id ?? null, status, error }
  }

  function itemSuccess (index: string, id: string, version: number, result: string, status: number): Record<string, unknown> {
    const m = metaOf(index)
    return { _index: m.concrete, _id: id, _version: version, result, _shards: SHARDS, _seq_no: m.seqNo++, _primary_term: 1, status }
  }

  function bulk (n: number, text: string, target: string | undefined, query: Record<string, string>, user: string): { status: number, body: string } {
    const t0 = Date.now()
    const parsed = parseBulk(text, target)
    if (!parsed.ok) return { status: 400, body: parsed.body }
    const items: Array<Record<string, unknown>> = []
    let errors = false
    const requireAlias = query.require_alias === 'true'
    for (let i = 0; i < parsed.actions.length; i++) {
      const a = parsed.actions[i]
      const index = a.index as string
      let source: unknown
      let sourceOk = false
      if (a.source !== undefined) {
        try {
          source = JSON.parse(a.source)
          sourceOk = true
        } catch {}
      }
      const r = runAction(n, i, a, index, source, sourceOk, user, requireAlias || a.meta.require_alias === true)
      if (r.error !== undefined) errors = true
      items.push({ [a.action]: r })
    }
    let out: unknown = { took: Date.now() - t0, errors, items }
    const fp = query.filter_path
    if (fp !== undefined && fp !== '') out = applyFilter(out, compileFilter(fp)) ?? {}
    return { status: 200, body: JSON.stringify(out) }
  }

  function runAction (n: number, i: number, a: ParsedAction, index: string, source: unknown, sourceOk: boolean, user: string, requireAlias: boolean): Record<string, unknown> {
    const isDs = dsRe?.test(index) === true
    const concrete = isDs ? metaOf(index).concrete : index
    const fault = itemFn?.({ n, i, action: a.action, index, id: a.id, source })
    if (fault !== undefined) return itemFailure(fault.status, index, concrete, a.id, user, fault.type, fault.reason, a.source)
    if (denyRe?.test(index) === true) return itemFailure(403, index, concrete, a.id, user)
    if (index !== index.toLowerCase()) return itemFailure(400, index, index, a.id, user, 'invalid_index_name_exception', `Invalid index name [${index}], must be lowercase`)
    if (/^[_\-+]/.test(index)) return itemFailure(400, index, index, a.id, user, 'invalid_index_name_exception', `Invalid index name [${index}], must not start with '_', '-', or '+'`)
    if (requireAlias) return itemFailure(404, index, index, a.id, user, undefined, `no such index [${index}] and [require_alias] request flag is [true] and [${index}] is not an alias`)
    if (isDs && a.action !== 'create') return itemFailure(400, index, concrete, a.id, user, 'illegal_argument_exception', 'only write ops with an op_type of create are allowed in data streams')
    const m = metaOf(index)
    if (a.action === 'delete') {
      const id = a.id as string
      const docs = indices.get(index)
      const v = (m.versions.get(id) ?? 0) + 1
      if (docs?.has(id) === true) {
        docs.delete(id)
        m.versions.set(id, v)
        return itemSuccess(index, id, v, 'deleted', 200)
      }
      return itemSuccess(index, id, v, 'not_found', 404)
    }
    const src = a.source as string
    if (a.action === 'update') {
      const id = a.id as string
      if (!sourceOk || !isPlainObject(source)) return itemFailure(400, index, concrete, id, user, 'x_content_parse_exception', `[1:${src.length}] [UpdateRequest] failed to parse object`)
      if (source.script !== undefined) return itemFailure(400, index, concrete, id, user, 'illegal_argument_exception', 'scripts are not supported by the fake')
      const docs = docsOf(index)
      const cur = docs.get(id)
      if (cur === undefined) {
        const init = isPlainObject(source.upsert) ? source.upsert : source.doc_as_upsert === true && isPlainObject(source.doc) ? source.doc : undefined
        if (init === undefined) return itemFailure(404, index, concrete, id, user, 'document_missing_exception', `[${id}]: document missing`)
        const v = (m.versions.get(id) ?? 0) + 1
        docs.set(id, init)
        m.versions.set(id, v)
        return itemSuccess(index, id, v, 'created', 201)
      }
      const next = isPlainObject(source.doc) && isPlainObject(cur) ? deepMerge(cur, source.doc) : cur
      if (JSON.stringify(next) === JSON.stringify(cur)) return itemSuccess(index, id, m.versions.get(id) ?? 1, 'noop', 200)
      const v = (m.versions.get(id) ?? 1) + 1
      docs.set(id, next)
      m.versions.set(id, v)
      return itemSuccess(index, id, v, 'updated', 200)
    }
    // index / create
    const idForErr = a.id
    if (!sourceOk) return itemFailure(400, index, concrete, idForErr, user, 'document_parsing_exception', `[1:${Math.max(1, src.length)}] failed to parse`)
    if (!isPlainObject(source)) return itemFailure(400, index, concrete, idForErr, user, 'document_parsing_exception', `[1:${Math.max(1, src.length)}] failed to parse: root of the document must be an object`)
    const id = a.id ?? randomId(15)
    for (const k of Object.keys(source)) {
      if (METADATA_FIELDS.has(k)) {
        const pos = src.indexOf(`"${k}"`)
        const col = pos < 0 ? src.length : pos + k.length + 3 + JSON.stringify(source[k]).length
        const v = source[k]
        const preview = typeof v === 'string' ? v : JSON.stringify(v)
        const item = itemFailure(400, index, concrete, id, user, 'document_parsing_exception', `[1:${col}] failed to parse field [${k}] of type [${k}] in document with id '${id}'. Preview of field's value: '${preview}'`)
        return withCause(item, { type: 'document_parsing_exception', reason: `[1:${col}] Field [${k}] is a metadata field and cannot be added inside a document. Use the index API request parameters.` })
      }
    }
    if (isDs) {
      const ts = source['@timestamp']
      if (ts === undefined || ts === null) {
        return withCause(itemFailure(400, index, concrete, id, user, 'document_parsing_exception', `[1:${src.length}] failed to parse: data stream timestamp field [@timestamp] is missing`), { type: 'illegal_argument_exception', reason: 'data stream timestamp field [@timestamp] is missing' })
      }
      if (!((typeof ts === 'string' && !Number.isNaN(Date.parse(ts))) || typeof ts === 'number')) {
        return itemFailure(400, index, concrete, id, user, 'document_parsing_exception', `[1:${src.length}] failed to parse field [@timestamp] of type [date] in document with id '${id}'. Preview of field's value: '${String(typeof ts === 'object' ? JSON.stringify(ts) : ts)}'`)
      }
    }
    const docs = docsOf(index)
    if (docs.has(id)) {
      if (a.action === 'create') return itemFailure(409, index, concrete, id, user)
      const v = (m.versions.get(id) ?? 1) + 1
      docs.set(id, source)
      m.versions.set(id, v)
      return itemSuccess(index, id, v, 'updated', 200)
    }
    const v = (m.versions.get(id) ?? 0) + 1
    docs.set(id, source)
    m.versions.set(id, v)
    return itemSuccess(index, id, v, 'created', 201)
  }

  function withCause (item: Record<string, unknown>, cause: Record<string, unknown>): Record<string, unknown> {
    const error = item.error as Record<string, unknown>
    error.caused_by = cause
    return item
  }

  // ------------------------------------------------- ILM policies and index templates

  /** A JSON object body, or the 400 Elasticsearch answers for one that is not. */
  function jsonBody (body: Buffer): { ok: true, doc: Record<string, unknown> } | { ok: false, status: number, body: string } {
    if (body.length === 0) return { ok: false, status: 400, body: esError('parse_exception', 'request body is required', 400) }
    try {
      const doc = JSON.parse(body.toString('utf8')) as unknown
      if (isPlainObject(doc)) return { ok: true, doc }
    } catch {}
    return { ok: false, status: 400, body: esError('x_content_parse_exception', '[1:1] failed to parse the request body', 400) }
  }

  function ilmPolicy (method: string, name: string, body: Buffer): { status: number, body: string } {
    if (method === 'GET') {
      const p = ilmPolicies.get(name)
      if (p === undefined) return { status: 404, body: esError('resource_not_found_exception', `Lifecycle policy not found: ${name}`, 404) }
      return { status: 200, body: JSON.stringify({ [name]: { ...p, in_use_by: { indices: [], data_streams: [], composable_templates: [] } } }) }
    }
    const j = jsonBody(body)
    if (!j.ok) return j
    if (!isPlainObject(j.doc.policy) || Object.keys(j.doc).some((k) => k !== 'policy')) {
      return { status: 400, body: esError('x_content_parse_exception', '[1:2] [put_lifecycle_request] unknown field or missing [policy]', 400) }
    }
    if (!isPlainObject(j.doc.policy.phases)) return { status: 400, body: esError('x_content_parse_exception', '[policy] phases are required', 400) }
    const prev = ilmPolicies.get(name)
    ilmPolicies.set(name, { version: (prev?.version ?? 0) + 1, modified_date: new Date().toISOString(), policy: j.doc.policy })
    return { status: 200, body: JSON.stringify({ acknowledged: true }) }
  }

  function indexTemplate (method: string, name: string, body: Buffer): { status: number, body: string } {
    if (method === 'GET') {
      const t = indexTemplates.get(name)
      if (t === undefined) return { status: 404, body: esError('resource_not_found_exception', `index template matching [${name}] not found`, 404) }
      return { status: 200, body: JSON.stringify({ index_templates: [{ name, index_template: t }] }) }
    }
    const j = jsonBody(body)
    if (!j.ok) return j
    const patterns = j.doc.index_patterns
    if (!Array.isArray(patterns) || patterns.length === 0 || !patterns.every((p) => typeof p === 'string')) {
      return { status: 400, body: esError('action_request_validation_exception', 'Validation Failed: 1: index patterns are missing;', 400) }
    }
    indexTemplates.set(name, j.doc)
    return { status: 200, body: JSON.stringify({ acknowledged: true }) }
  }

  // ---------------------------------------------------------------- dispatch

  const server = await startRawServer(Math.min(2 * max + MiB, 2 ** 31 - 1), async (req, reply, raw) => {
    const rec = recordOf(req, raw)
    const enc = contentEncoding(rec.headers)
    const dec = raw === null ? { body: EMPTY, tooLarge: true, bad: false } : decodeBody(raw, enc, max, true)
    if (recordBodies) rec.body = dec.body
    requests.push(rec)
    const method = req.method
    const bulkPath = rec.path === '/_bulk' || rec.path === '/_bulk/' || BULK_PATH.test(rec.path)
    const isBulk = bulkPath && (method === 'POST' || method === 'PUT')

    let fault: EsRequestFault | undefined
    if (isBulk) {
      const n = bulkCount++
      fault = requestFn?.(n, rec)
      if (fault !== undefined) {
        if (fault.delayMs !== undefined && fault.delayMs > 0) await server.sleep(fault.delayMs)
        if (server.closed || fault.reset === 'before') { resetSocket(reply, rec); return }
        if (fault.status !== undefined) {
          const f = faultAnswer(fault.status, fault.body, rec)
          answer(reply, rec, fault.status, f.body, { ...f.headers, ...fault.headers }, echo)
          return
        }
      }
      await handleNormally(n)
      return
    }
    await handleNormally(-1)

    async function handleNormally (n: number): Promise<void> {
      const extra = fault?.headers ?? {}
      const send = (status: number, body: string | undefined, headers: Record<string, string | string[]>): void => {
        if (fault?.reset === 'after') { resetSocket(reply, rec); return }
        answer(reply, rec, status, body, { ...headers, ...extra }, echo)
      }
      if (dec.tooLarge) { send(413, undefined, {}); return }
      const hasBody = rec.rawLength > 0
      if (hasBody && method !== 'GET' && method !== 'HEAD') {
        const cts = rawHeaderValues(req, 'content-type')
        if (!contentTypeOk(cts)) { send(406, contentTypeError(cts), jsonHeaders); return }
      }
      const authz = authenticate(typeof rec.headers.authorization === 'string' ? rec.headers.authorization : undefined, req.raw.url ?? '/')
      if (!authz.ok) {
        const u = unauthorized(authz.reason)
        send(u.status, u.body, u.headers)
        return
      }
      if (dec.bad) { send(400, esError('parse_exception', 'failed to decompress the request body', 400), jsonHeaders); return }
      if (isBulk) {
        if (dec.body.length === 0) { send(400, esError('parse_exception', 'request body is required', 400), jsonHeaders); return }
        if (dec.body[dec.body.length - 1] !== 0x0a) { send(400, esError('illegal_argument_exception', NEWLINE_REASON, 400), jsonHeaders); return }
        const m = BULK_PATH.exec(rec.path)
        const target = m === null ? undefined : decodeURIComponent(m[1])
        itemEcho = echo ? echoOf(rec) : undefined
        const r = bulk(n, dec.body.toString('utf8'), target, rec.query, authz.user)
        itemEcho = undefined
        send(r.status, r.body, jsonHeaders)
        return
      }
      if (bulkPath) {
        send(405, JSON.stringify({ error: `Incorrect HTTP method for uri [${req.raw.url ?? '/'}] and method [${method}], allowed: [POST, PUT]`, status: 405 }), jsonHeaders)
        return
      }
      if (rec.path === '/' && (method === 'GET' || method === 'HEAD')) {
        const body = isEs
          ? { name: 'fake', cluster_name: 'fake', version: { number: '8.15.0', build_flavor: 'default' }, tagline: 'You Know, for Search' }
          : { name: 'fake', cluster_name: 'fake', version: { distribution: 'opensearch', number: '2.15.0', build_type: 'tar' }, tagline: 'The OpenSearch Project: https://opensearch.org/' }
        send(200, JSON.stringify(body), jsonHeaders)
        return
      }
      const ilm = ILM_PATH.exec(rec.path)
      if (ilm !== null && isEs && (method === 'GET' || method === 'PUT')) {
        const r = ilmPolicy(method, decodeURIComponent(ilm[1]), dec.body)
        send(r.status, r.body, jsonHeaders)
        return
      }
      const tpl = TEMPLATE_PATH.exec(rec.path)
      if (tpl !== null && (method === 'GET' || method === 'PUT')) {
        const r = indexTemplate(method, decodeURIComponent(tpl[1]), dec.body)
        send(r.status, r.body, jsonHeaders)
        return
      }
      if (rec.path === '/_cluster/health' && (method === 'GET' || method === 'HEAD')) {
        send(200, JSON.stringify({ cluster_name: 'fake', status: 'green' }), jsonHeaders)
        return
      }
      send(400, JSON.stringify({ error: `no handler found for uri [${req.raw.url ?? '/'}] and method [${method}]` }), jsonHeaders)
    }
  }, opts.port)

  return {
    url: server.url,
    requests,
    indices,
    ilmPolicies,
    indexTemplates,
    docCount (): number {
      let c = 0
      for (const d of indices.values()) c += d.size
      return c
    },
    onRequest (fn) { requestFn = fn },
    onItem (fn) { itemFn = fn },
    close: async () => { await server.close() }
  }
}
