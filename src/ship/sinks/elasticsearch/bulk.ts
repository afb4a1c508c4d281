/**
 * The Elasticsearch `_bulk` wire format, as pure functions: the deterministic document id,
 * the index name of an event, the NDJSON body, and what each item of the answer means.
 *
 * `_id` = base64url of the first 15 bytes of SHA-256 over
 * `<node>|<sec>.<ms>|<serial>|<first record type>`: 20 characters, like Elasticsearch's own
 * ids. node, time and serial identify an audit event; the first record type tells apart the
 * rare two events auparse's timeout rule makes of one (node, time, serial). `<node>` is the
 * record's `node=` name, else the shipper's host name. Sent with the `create` action, a
 * resend of the same event (after a retry, a crash, a replay) answers 409 and is kept once.
 */
import { hash } from 'node:crypto'
import { SinkErrors } from '../../../errors.js'
import { SinkError, type EventMeta, type OutEvent, type Rejected, type WriteResult } from '../../sink.js'
import { snippet } from '../../http/classify.js'
import { linesBuffer } from '../../http/body.js'

export function documentId (m: EventMeta, host: string): string {
  const ms = m.ms < 10 ? `00${m.ms}` : m.ms < 100 ? `0${m.ms}` : String(m.ms)
  // base64url of the whole digest: its first 20 characters are those of the first 15 bytes
  return hash('sha256', `${m.node ?? host}|${m.sec}.${ms}|${m.serial}|${m.firstType}`, 'base64url').slice(0, 20)
}

/** `pattern` with %Y, %m, %d (and %%) replaced by the UTC date of `sec`. */
export function formatIndex (pattern: string, sec: number): string {
  if (!pattern.includes('%')) return pattern
  const d = new Date(sec * 1000)
  const p2 = (n: number): string => (n < 10 ? `0${n}` : String(n))
  return pattern.replace(/%[Ymd%]/g, (t) => t === '%Y' ? String(d.getUTCFullYear()) : t === '%m' ? p2(d.getUTCMonth() + 1) : t === '%d' ? p2(d.getUTCDate()) : '%')
}

export interface BulkTarget {
  /** index name pattern (index mode) */
  index: string
  /** data stream name: the request goes to /<stream>/_bulk and items carry no _index */
  dataStream: string | null
  host: string
}

/** Builds bulk bodies; caches the index name of the last day seen. */
export class BulkEncoder {
  private day = -1
  private dayIndex = ''

  constructor (private readonly t: BulkTarget) {}

  private indexOf (sec: number): string {
    const day = Math.floor(sec / 86400)
    if (day !== this.day) { this.day = day; this.dayIndex = JSON.stringify(formatIndex(this.t.index, sec)) }
    return this.dayIndex
  }

  /** NDJSON: a `create` line and the event per event; every line ends in "\n", the last too. */
  encode (events: readonly OutEvent[]): Buffer {
    const ds = this.t.dataStream !== null
    return linesBuffer(events.length, (i) => {
      const e = events[i]
      const id = documentId(e.meta, this.t.host)
      return ds ? `{"create":{"_id":"${id}"}}\n` : `{"create":{"_index":${this.indexOf(e.meta.sec)},"_id":"${id}"}}\n`
    }, (i) => events[i].data)
  }
}

interface BulkItem { status?: number, error?: { type?: string, reason?: string } | string }

/**
 * The events of a 200 `_bulk` answer: 2xx and 409 (already there) delivered; 429 and 5xx
 * retried alone; any other status rejected with its error. An answer that does not line up
 * with the request is a protocol error: everything is retried.
 */
export function bulkOutcome (events: OutEvent[], body: string, what: string): WriteResult {
  let doc: { errors?: boolean, items?: Array<Record<string, BulkItem>> }
  try {
    doc = JSON.parse(body)
  } catch {
    return { retry: events, error: new SinkError(SinkErrors.PROTOCOL, `${what}: the answer is not JSON: ${snippet(body)}`) }
  }
  if (doc === null || typeof doc !== 'object') return { retry: events, error: new SinkError(SinkErrors.PROTOCOL, `${what}: the answer is not a JSON object`) }
  if (doc.errors === false) return {}
  const items = doc.items
  if (!Array.isArray(items) || items.length !== events.length) {
    return { retry: events, error: new SinkError(SinkErrors.PROTOCOL, `${what}: ${Array.isArray(items) ? `${items.length} items for ${events.length} actions` : 'no items array'} in the answer`) }
  }
  const retry: OutEvent[] = []
  const rejected: Rejected[] = []
  let error: SinkError | undefined
  for (let i = 0; i < items.length; i++) {
    const item = items[i] === null || typeof items[i] !== 'object' ? undefined : Object.values(items[i])[0]
    const status = item?.status
    if (typeof status !== 'number') {
      retry.push(events[i])
      error ??= new SinkError(SinkErrors.PROTOCOL, `${what}: item ${i} has no status`)
      continue
    }
    if ((status >= 200 && status < 300) || status === 409) continue
    const err = item?.error
    const why = typeof err === 'string' ? err : err === undefined ? '' : `${err.type ?? 'error'}: ${err.reason ?? ''}`
    const msg = `${what}: item status ${status}${why === '' ? '' : ` ${snippet(why)}`}`
    if (status === 429) { retry.push(events[i]); error ??= new SinkError(SinkErrors.THROTTLED, msg, { status }) } else if (status >= 500) { retry.push(events[i]); error ??= new SinkError(SinkErrors.SERVER, msg, { status }) } else rejected.push({ event: events[i], error: new SinkError(SinkErrors.REJECTED, msg, { status }) })
  }
  return { retry, rejected, error }
}
