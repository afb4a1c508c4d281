/**
 * What goes into the dead-letter file for each thing that cannot be shipped
 * (schemas/dead-letter.schema.json): a bad line, an event that does not match the event
 * schema, an event a sink refused for good. Pure: the runner writes them.
 */
import type { DeadLetterEntry } from '../delivery/dead-letter.js'
import type { LineError } from '../parse/record.js'
import { fromLatin1 } from '../parse/decode.js'
import type { ValidationIssue } from '../validate/validator.js'
import type { Rejected } from '../ship/sink.js'
import { redact } from '../telemetry/redact.js'

export type Entry = Omit<DeadLetterEntry, 'time'>

/** A line that is not an audit record, as read from `source`. */
export function badLine (err: LineError, source: string): Entry {
  return { source, offset: err.offset, code: err.error.code, reason: err.error.message + (err.detail === undefined ? '' : ` (${err.detail})`), line: fromLatin1(err.line).value }
}

/** An event that does not match schemas/event.schema.json. */
export function invalidEvent (event: object, issues: ValidationIssue[]): Entry {
  return { code: 'AS_SCHEMA_INVALID', reason: 'event does not match schemas/event.schema.json', issues, event }
}

/** An event `sink` refused for good (or that expired while retried); the reason quotes the peer: redacted. */
export function refusedEvent (sink: string, r: Rejected): Entry {
  return { sink, code: r.error.code, status: r.error.status, reason: redact(r.error.message), event: JSON.parse(r.event.data.toString('utf8')) as object }
}
