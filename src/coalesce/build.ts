/**
 * Records of one event → the shipped document (schemas/event.schema.json, design §3), after
 * go-libaudit's aucoalesce: small steps, each filling its part of the document.
 *
 * MUST be pure: the same records always give the same document (and the same key order).
 *      Host-dependent enrichment (passwd lookups) and the Teleport join are applied by later
 *      stages (enrich/) on the built document.
 * MUST NOT throw on odd field values: a value that cannot be read is left out, and what could be
 *      done only in part is said in auditd.warnings.
 * SHOULD read each record's body once (draft.ts) and let the steps share that reading.
 */
import type { AuditEventRecords } from '../correlate/reassembler.js'
import type { AuditshipEvent } from '../event/types.js'
import { draft } from './draft.js'
import { fillAction } from './action.js'
import { fillUser } from './user.js'
import { fillProcess } from './process.js'
import { fillFile } from './file.js'
import { fillNetwork } from './network.js'
import { fillTags } from './tags.js'
import { fillOriginal } from './original.js'
import { summarize } from './summary.js'
import { fillRelated } from './related.js'

export interface BuildOptions {
  /** keep each record's raw text in event.original */
  includeOriginal?: boolean
}

export function buildEvent (ev: AuditEventRecords, opts: BuildOptions = {}): AuditshipEvent {
  const d = draft(ev)
  const { objectType, at } = fillAction(d)
  const actor = fillUser(d)
  fillProcess(d)
  fillFile(d)
  fillNetwork(d)
  fillTags(d)
  if (opts.includeOriginal === true) fillOriginal(d)
  const { doc } = d
  const summary = summarize(doc, objectType, actor, at >= 0 ? d.parsed[at].fields : d.pf)
  if (summary !== undefined) doc.auditd.summary = summary
  if (d.warnings !== undefined) doc.auditd.warnings = d.warnings
  fillRelated(doc)
  return doc
}
