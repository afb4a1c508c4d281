/**
 * An SELinux context `user:role:domain:level[:category]` (subj=, obj=) → its parts, as
 * go-libaudit's aucoalesce splits it. The level may itself hold a range (`s0-s0`); whatever
 * follows the fourth `:` is the category set (`c0.c1023`). An AppArmor label (`unconfined`,
 * `/usr/sbin/chronyd`) has no `:` and is the user alone.
 */
import type { SELinuxContext } from '../event/types.js'

const PARTS = ['user', 'role', 'domain', 'level'] as const

/** Contexts repeat (a host has a few dozen): split each once. Bounded; cleared when full. */
const cache = new Map<string, SELinuxContext>()
const CACHE_MAX = 1024

/** A fresh object each call (the document may be changed later); the split is cached. */
export function splitContext (v: string | undefined): SELinuxContext | undefined {
  if (v === undefined || v === '' || v === '?' || v === '(none)') return undefined
  let c = cache.get(v)
  if (c === undefined) {
    if (cache.size >= CACHE_MAX) cache.clear()
    c = split(v)
    cache.set(v, c)
  }
  return { ...c }
}

function split (v: string): SELinuxContext {
  const out: SELinuxContext = {}
  let start = 0
  for (let i = 0; i < PARTS.length; i++) {
    const end = v.indexOf(':', start)
    if (end < 0) {
      out[PARTS[i]] = v.slice(start)
      return out
    }
    out[PARTS[i]] = v.slice(start, end)
    start = end + 1
  }
  out.category = v.slice(start)
  return out
}
