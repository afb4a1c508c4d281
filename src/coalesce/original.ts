/** The raw records, rebuilt from what was parsed, in event.original (include_original). */
import type { Draft } from './draft.js'

export function fillOriginal (d: Draft): void {
  d.doc.event.original = d.ev.records.map((r) => (r.node === undefined ? '' : `node=${r.node} `) + `type=${r.type} msg=audit(${r.sec}.${String(r.ms).padStart(3, '0')}:${r.serial}): ${r.body}`)
}
