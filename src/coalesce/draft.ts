/**
 * The event under construction, shared by the steps of build.ts: each record's fields,
 * tokenised once; where the records the steps read are; the primary record; and the
 * document's skeleton (@timestamp, event.kind/module, auditd.sequence/complete/message_type/
 * records/node/closed_by/truncated/dropped), which the steps then fill.
 */
import type { AuditEventRecords } from '../correlate/reassembler.js'
import { parseFields, type RecordFields } from '../parse/fields.js'
import { T } from '../audit/record-types.js'
import type { AuditshipEvent, EventRecord } from '../event/types.js'
import { isoTimestamp } from './timestamp.js'

export interface Draft {
  readonly ev: AuditEventRecords
  readonly doc: AuditshipEvent
  /** fields of each record, in the order read */
  readonly parsed: readonly RecordFields[]
  /** index of the first record of each type the steps read; -1 when there is none */
  readonly sys: number
  readonly cwd: number
  readonly proctitle: number
  readonly saddr: number
  /** fields of every EXECVE record, in order */
  readonly execve: ReadonlyArray<Record<string, string>> | undefined
  /** indexes of the PATH records, in order */
  readonly paths: readonly number[] | undefined
  /** fields and ENRICHED part of the primary record: the SYSCALL, else the first */
  readonly pf: Readonly<Record<string, string>>
  readonly pe: Readonly<Record<string, string>> | undefined
  /** what a step could only do partly, for auditd.warnings */
  warnings: string[] | undefined
}

export function draft (ev: AuditEventRecords): Draft {
  const n = ev.records.length
  const records: EventRecord[] = new Array(n)
  const parsed: RecordFields[] = new Array(n)
  let sys = -1; let cwd = -1; let proctitle = -1; let saddr = -1
  let execve: Array<Record<string, string>> | undefined
  let paths: number[] | undefined

  for (let i = 0; i < n; i++) {
    const r = ev.records[i]
    const f = parseFields(r.body, r.typeNum, r.ascii)
    parsed[i] = f
    const out: EventRecord = { type: r.type, fields: f.fields }
    if (f.enriched !== undefined) out.enriched = f.enriched
    if (f.escaped !== undefined) out.escaped = f.escaped
    if (f.text !== undefined) out.text = f.text
    records[i] = out
    switch (r.typeNum) {
      case T.SYSCALL: if (sys < 0) sys = i; break
      case T.EXECVE: (execve ??= []).push(f.fields); break
      case T.PATH: (paths ??= []).push(i); break
      case T.CWD: if (cwd < 0) cwd = i; break
      case T.PROCTITLE: if (proctitle < 0) proctitle = i; break
      case T.SOCKADDR: if (saddr < 0) saddr = i; break
    }
  }

  const primaryIdx = sys >= 0 ? sys : 0
  const doc: AuditshipEvent = {
    '@timestamp': isoTimestamp(ev.sec, ev.ms),
    event: { kind: 'event', module: 'auditd' },
    auditd: {
      sequence: ev.serial,
      complete: ev.complete,
      message_type: ev.records[primaryIdx].type.toLowerCase(),
      records,
    },
  }
  if (ev.node !== undefined) doc.auditd.node = ev.node
  if (!ev.complete && ev.reason !== 'eoe' && ev.reason !== 'last-record') doc.auditd.closed_by = ev.reason
  if (ev.dropped !== undefined) {
    doc.auditd.truncated = true
    doc.auditd.dropped = { records: ev.dropped.records, bytes: ev.dropped.bytes }
  }

  return {
    ev,
    doc,
    parsed,
    sys,
    cwd,
    proctitle,
    saddr,
    execve,
    paths,
    pf: parsed[primaryIdx].fields,
    pe: parsed[primaryIdx].enriched,
    warnings: undefined,
  }
}
