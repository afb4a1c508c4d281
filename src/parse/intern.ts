/**
 * Short strings read again and again (field keys, record type names) without allocating them
 * again: a small cache of recently read ones, by a hash of their characters. A slot holds the
 * last string that hashed to it, so the cache stays bounded whatever the log holds.
 */

const KEY_SLOTS = 1024
const KEY_MAX = 32
const keyCache: string[] = new Array<string>(KEY_SLOTS).fill('')

/** s[i, j) as a string: the cached one when it has the same characters. */
export function keyAt (s: string, i: number, j: number): string {
  const n = j - i
  if (n > KEY_MAX || n <= 0) return s.slice(i, j)
  let h = n
  for (let k = i; k < j; k++) h = (Math.imul(h, 31) + s.charCodeAt(k)) | 0
  const slot = (h ^ (h >>> 10)) & (KEY_SLOTS - 1)
  const c = keyCache[slot]
  if (c.length === n && s.startsWith(c, i)) return c
  const key = s.slice(i, j)
  keyCache[slot] = key
  return key
}
