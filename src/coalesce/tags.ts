/** Audit rule keys (key=, several joined by 0x01) → tags. */
import type { Draft } from './draft.js'

export function fillTags (d: Draft): void {
  const key = d.pf.key
  if (key !== undefined && key !== '(null)' && key !== '') {
    d.doc.tags = key.indexOf('\x01') === -1 ? [key] : key.split('\x01')
  }
}
