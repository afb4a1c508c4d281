/**
 * What an HTTP status means for a batch, shared by the network sinks (each handles its own
 * protocol's bodies first: Elasticsearch items, HEC codes).
 */
import { SinkErrors } from '../../errors.js'
import { SinkError, type OutEvent, type WriteResult } from '../sink.js'
import type { HttpResponse } from './client.js'

/** At most this much of a response body goes into a message. */
const SNIPPET = 300

export function snippet (body: string): string {
  const s = body.replace(/\s+/g, ' ').trim()
  return s.length > SNIPPET ? `${s.slice(0, SNIPPET)}…` : s
}

/**
 * The error for a non-2xx answer: 401/403 AUTH (unhealthy), 408 TIMEOUT, 429 THROTTLED,
 * 5xx SERVER, 413 TOO_LARGE and 400/422 REJECTED (about this batch: split, then dead-letter),
 * any other 4xx or 3xx CONFIG (unhealthy; data kept: 404 wrong path, 407 proxy auth, 415 no
 * gzip … are the sink's settings, not the events).
 */
export function statusError (res: HttpResponse, what: string): SinkError {
  const s = res.status
  const o = { status: s, retryAfterMs: res.retryAfterMs }
  const msg = `${what}: HTTP ${s}${res.body === '' ? '' : ` ${snippet(res.body)}`}`
  if (s === 401 || s === 403) return new SinkError(SinkErrors.AUTH, msg, o)
  if (s === 408) return new SinkError(SinkErrors.TIMEOUT, msg, o)
  if (s === 429) return new SinkError(SinkErrors.THROTTLED, msg, o)
  if (s >= 500) return new SinkError(SinkErrors.SERVER, msg, o)
  if (s === 413) return new SinkError(SinkErrors.TOO_LARGE, msg, o)
  if (s === 400 || s === 422) return new SinkError(SinkErrors.REJECTED, msg, o)
  return new SinkError(SinkErrors.CONFIG, msg, { ...o, unhealthy: true })
}

/** Whether the error is about this batch itself, so halves may fare better (413, 400). */
export function isPermanent (e: SinkError): boolean {
  return e.code === SinkErrors.REJECTED.code || e.code === SinkErrors.TOO_LARGE.code
}

/**
 * Send `events` with `post` (which may throw a SinkError for a transport failure); a permanent failure of the whole request (413 too large, 400
 * bad request) splits the batch in halves and tries each, down to single events, which
 * are then rejected with the error. Everything else is `post`'s answer.
 */
export async function sendSplitting (events: OutEvent[], post: (events: OutEvent[]) => Promise<WriteResult | SinkError>): Promise<WriteResult> {
  let r: WriteResult | SinkError
  try {
    r = await post(events)
  } catch (err) {
    // a transport failure: this part is retried, what other parts got stays got
    if (!(err instanceof SinkError)) throw err
    return { retry: events, error: err }
  }
  if (!(r instanceof SinkError)) return r
  if (!isPermanent(r)) return { retry: events, error: r }
  if (events.length === 1) return { rejected: [{ event: events[0], error: r }] }
  const mid = events.length >> 1
  const a = await sendSplitting(events.slice(0, mid), post)
  const b = await sendSplitting(events.slice(mid), post)
  return merge(a, b)
}

export function merge (a: WriteResult, b: WriteResult): WriteResult {
  const retry = [...(a.retry ?? []), ...(b.retry ?? [])]
  const rejected = [...(a.rejected ?? []), ...(b.rejected ?? [])]
  return { retry, rejected, error: a.error ?? b.error }
}
