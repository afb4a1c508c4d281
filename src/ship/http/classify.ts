/**
 * What an HTTP failure means for a batch, as pure functions: a transport error or a status
 * becomes a SinkError with a bounded code, whose kind (src/errors.ts) decides what happens
 * to the events. Each sink reads its protocol's bodies first (Elasticsearch items, HEC codes)
 * and falls back on these.
 *
 * MUST NOT put secrets in messages: callers pass what they may show (method, endpoint
 * without credentials); headers never appear; what the peer says is quoted through `snippet`
 * (redacted: a peer may echo our Authorization header).
 */
import { SinkErrors } from '../../errors.js'
import { SinkError } from '../sink.js'
import { redact } from '../../telemetry/redact.js'

/** Undici/OS error codes that mean the request never reached the server. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER'])
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])
/** undici refused the request itself (a header it does not allow, a bad path): no retry fixes that */
const REQUEST_CODES = new Set(['UND_ERR_INVALID_ARG', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN'])

/** A transport failure as a SinkError (CONNECT: nothing sent; TIMEOUT/NETWORK: outcome unknown; CONFIG: our request is wrong). */
export function classify (err: unknown, what: string): SinkError {
  if (err instanceof SinkError) return err
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException }
  const code = e.code ?? e.cause?.code ?? ''
  const msg = `${what}: ${e.message}${code !== '' && !e.message.includes(code) ? ` (${code})` : ''}`
  if (CONNECT_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) return new SinkError(SinkErrors.CONNECT, msg, { cause: err })
  if (REQUEST_CODES.has(code)) return new SinkError(SinkErrors.CONFIG, msg, { cause: err })
  if (TIMEOUT_CODES.has(code)) return new SinkError(SinkErrors.TIMEOUT, msg, { cause: err })
  return new SinkError(SinkErrors.NETWORK, msg, { cause: err })
}

/** Whether nothing of the request reached the server, so another endpoint may take it at once. */
export function nothingSent (e: unknown): boolean {
  return e instanceof SinkError && e.code === SinkErrors.CONNECT.code
}

/**
 * The error for a non-2xx answer: 401/403 AUTH (blocked), 408 TIMEOUT, 429 THROTTLED,
 * 5xx SERVER, 413 TOO_LARGE and 400/422 REJECTED (permanent, about this batch: split, then
 * dead-letter), any other 4xx or 3xx CONFIG (blocked; data kept: 404 wrong path, 407 proxy
 * auth, 415 no gzip … are the sink's settings, not the events).
 */
export function statusError (res: { status: number, body: string, retryAfterMs: number | undefined }, what: string): SinkError {
  const s = res.status
  const o = { status: s, retryAfterMs: res.retryAfterMs }
  const msg = `${what}: HTTP ${s}${res.body === '' ? '' : ` ${snippet(res.body)}`}`
  if (s === 401 || s === 403) return new SinkError(SinkErrors.AUTH, msg, o)
  if (s === 408) return new SinkError(SinkErrors.TIMEOUT, msg, o)
  if (s === 429) return new SinkError(SinkErrors.THROTTLED, msg, o)
  if (s >= 500) return new SinkError(SinkErrors.SERVER, msg, o)
  if (s === 413) return new SinkError(SinkErrors.TOO_LARGE, msg, o)
  if (s === 400 || s === 422) return new SinkError(SinkErrors.REJECTED, msg, o)
  return new SinkError(SinkErrors.CONFIG, msg, o)
}

/** `Retry-After: <seconds>` or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfter (v: string | string[] | undefined): number | undefined {
  const s = Array.isArray(v) ? v[0] : v
  if (s === undefined || s === '') return undefined
  if (/^\d+$/.test(s.trim())) return Number(s.trim()) * 1000
  const t = Date.parse(s)
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now())
}

/** At most this much of a response body goes into a message. */
const SNIPPET = 300

/** What the peer said, as it may be quoted: one line, credentials and our secrets removed, at most SNIPPET characters. */
export function snippet (body: string): string {
  return redact(body, SNIPPET)
}
