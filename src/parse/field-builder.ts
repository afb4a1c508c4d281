/**
 * A record's fields as the tokenizer (fields.ts) reads them: each value decoded by its key and
 * form (hex of untrusted strings, PROCTITLE's NULs, non-UTF-8 bytes; docs/auditd-format.md
 * §1.3–1.4), and gathered with the record's shape (shape.ts).
 */
import { decodeHex, fromLatin1, hasHighByte, isHexString, type Decoded } from './decode.js'
import { Shape } from './shape.js'
import { T } from '../audit/record-types.js'

/** Kernel and libaudit fields that hold an untrusted string: quoted or bare hex. */
const HEX_KEYS = new Set([
  'comm', 'exe', 'cwd', 'name', 'key', 'proctitle', 'ocomm', 'path', 'file', 'watch', 'cmd', 'dir',
  'vm', 'new', 'old', 'data', 'acct', 'old_name', 'new_name', 'sauid_name', 'root_dir', 'grp', 'new_group',
  'old_group', 'new_user', 'old_user', 'id_name',
])

/**
 * Records whose old= / new= are numbers (a backlog limit, a time adjustment, a feature flag),
 * never hex: `old=64` is 64, not "d".
 */
const NUMERIC_OLD_NEW = new Set<number>([T.CONFIG_CHANGE, T.FEATURE_CHANGE, T.TIME_INJOFFSET, T.TIME_ADJNTPVAL])

function numericOldNew (typeNum: number, key: string): boolean {
  return (key === 'old' || key === 'new') && NUMERIC_OLD_NEW.has(typeNum)
}

export const K_QUOTED = 1
export const K_BARE = 2
export const K_BRACED = 3

function isExecveArgKey (key: string): boolean {
  // a0, a12 — not a1_len, not a1[0]
  if (key.charCodeAt(0) !== 97 || key.length < 2) return false
  for (let i = 1; i < key.length; i++) {
    const c = key.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/** Past this many keys a record's arrays are not kept for the next record (no big arrays held). */
const REUSE_MAX_KEYS = 256

function clear (keys: string[], values: string[], n: number): void {
  for (let i = 0; i < n; i++) { keys[i] = ''; values[i] = '' }
}

/**
 * A record's keys and values as they are read. One instance, reused record after record
 * (parseFields is synchronous and never re-entered): its arrays keep their capacity, and the
 * shape (shape.ts) is followed key by key; only what a record keeps (its objects, `escaped`,
 * `words`, `hex`) is allocated per record.
 */
export class Builder {
  typeNum = 0
  ascii = true
  keys: string[] = []
  values: string[] = []
  n = 0
  shape: Shape | undefined = Shape.root
  ekeys: string[] = []
  evalues: string[] = []
  en = 0
  eshape: Shape | undefined = Shape.root
  escaped: string[] | undefined = undefined
  words: string[] | undefined = undefined
  hex: Set<string> | undefined = undefined

  reset (typeNum: number, ascii: boolean): void {
    this.typeNum = typeNum
    this.ascii = ascii
    // the previous record's strings are dropped (they may be views into its line): only the
    // arrays' capacity is kept
    if (this.n > REUSE_MAX_KEYS) { this.keys = []; this.values = [] } else clear(this.keys, this.values, this.n)
    if (this.en > REUSE_MAX_KEYS) { this.ekeys = []; this.evalues = [] } else clear(this.ekeys, this.evalues, this.en)
    this.n = 0
    this.en = 0
    this.shape = Shape.root
    this.eshape = Shape.root
    this.escaped = undefined
    this.words = undefined
    this.hex = undefined
  }

  word (w: string): void {
    (this.words ??= []).push(w)
  }

  /** Decode one value by key and form, and store it. */
  value (key: string, raw: string, kind: number, enrich: boolean, noDecode: boolean): void {
    let v = raw
    let d: Decoded | undefined
    if (kind === K_BARE && !noDecode) {
      if (enrich) {
        // UID/GID names go through audit_encode_nv_string: quoted, or hex when they need it
        if (key.endsWith('ID') && isHexString(v)) d = decodeHex(v)
      } else if (HEX_KEYS.has(key) || (this.typeNum === T.EXECVE && isExecveArgKey(key))) {
        if (isHexString(v) && !numericOldNew(this.typeNum, key)) {
          d = decodeHex(v)
          if (key === 'proctitle') d.value = d.value.replaceAll('\0', ' ')
        }
      }
    }
    if (d !== undefined) {
      (this.hex ??= new Set()).add(key)
    } else if (!this.ascii && hasHighByte(v)) {
      d = fromLatin1(v)
    }
    if (d !== undefined) {
      v = d.value
      if (d.escaped) (this.escaped ??= []).push(key)
    }
    if (enrich) {
      this.ekeys[this.en] = key
      this.evalues[this.en++] = v
      this.eshape = this.eshape?.child(key)
    } else {
      this.keys[this.n] = key
      this.values[this.n++] = v
      this.shape = this.shape?.child(key)
    }
  }
}
