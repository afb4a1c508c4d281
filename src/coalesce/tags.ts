/**
 * Audit rule keys (key=, several joined by 0x01) → tags. Older kernels write a CONFIG_CHANGE
 * key as `key="key=NAME"`: the inner `key=` is dropped, as go-libaudit does.
 */
import type { Draft } from './draft.js'

export function fillTags (d: Draft): void {
  let key = d.pf.key
  if (key !== undefined && key.startsWith('key=')) key = key.slice(4)
  if (key !== undefined && key !== '(null)' && key !== '') {
    d.doc.tags = key.indexOf('\x01') === -1 ? [key] : key.split('\x01')
  }
}
