/**
 * Short strings read again and again (field keys, record type names) without allocating them
 * again: a small cache of recently read ones, by a hash of their characters. A slot holds the
 * last string that hashed to it, so the cache stays bounded whatever the log holds.
 *
 * What it keeps and hands out is a copy, never a slice of the line: V8 makes a slice of 13
 * characters or more a view that keeps its whole line alive, and a line can be 64 KB. Kept in
 * the cache or in the shape trie (shape.ts), such views would let anyone who can write audit
 * records pin megabytes of the daemon's small heap with a few hundred distinct long lines.
 * A string longer than KEY_MAX is handed out as a plain slice and kept nowhere (the trie
 * leaves such keys out).
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
  const key = copyOf(s.slice(i, j))
  keyCache[slot] = key
  return key
}

/** SLICE_MIN: V8's shortest sliced string; a shorter slice is already a copy. */
const SLICE_MIN = 13

/**
 * A string with the characters of `s` that keeps nothing else alive: a slice of a longer
 * string is a view into it. Joining a character makes a new string, and slicing that one
 * flattens it into a fresh copy, the only thing the result keeps.
 */
export function copyOf (s: string): string {
  return s.length < SLICE_MIN ? s : (s + ' ').slice(0, -1)
}
