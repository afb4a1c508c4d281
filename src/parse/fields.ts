/**
 * Tokenise a record body into decoded fields (docs/auditd-format.md §1.2–1.4, 1.6, 1.7, 7.4).
 *
 * A small state machine over the latin1 body, no regular expressions:
 *   key="…"   quoted, taken to the next `"` (the kernel never writes a `"` inside)
 *   key='…'   a user-space payload, taken to the last `'`, tokenised in turn (an explicit
 *             stack of segments, not recursion: nesting depth is the writer's to choose)
 *   key={ … } braces (enriched SADDR={ … })
 *   key=…     bare, to the next space
 *   word      no `=`: AVC's `avc: denied { read write } for`, RHEL 6 `old auid=`, old free
 *             text; kept in `text` unless it has a meaning of its own
 * Everything after the first 0x1D byte is the ENRICHED part, kept apart in `enriched`.
 * Values are decoded by key: unquoted hex of untrusted strings, PROCTITLE (NUL → space),
 * TTY data, `acct` only when unquoted and all hex. Teleport payloads are parsed positionally
 * and never hex-decoded (§7.4).
 */
import { objectFrom } from './shape.js'
import { Builder, K_BARE, K_BRACED, K_QUOTED } from './field-builder.js'
import { keyAt } from './intern.js'
import { T } from '../audit/record-types.js'

export interface RecordFields {
  fields: Record<string, string>
  enriched: Record<string, string> | undefined
  /** keys (in `fields` or `enriched`) whose values are percent-escaped non-UTF-8 bytes */
  escaped: string[] | undefined
  /** words of the body that are not key=value pairs */
  text: string | undefined
  /** keys whose value was hex-decoded */
  hex: Set<string> | undefined
}

/** Strip the punctuation old PAM payloads glue to bare values: `(hostname=?,` `res=success)`. */
function trimBare (v: string): string {
  let n = v.length
  if (n > 1 && v.charCodeAt(n - 1) === 44 /* , */) n--
  if (n > 1 && v.charCodeAt(n - 1) === 41 /* ) */ && v.indexOf('(') === -1) n--
  return n === v.length ? v : v.slice(0, n)
}

/** Index of the next space at or after i, or end. */
function spaceOrEnd (s: string, i: number, end: number): number {
  const e = s.indexOf(' ', i)
  return e === -1 || e > end ? end : e
}

/** Segment kinds on the work stack: plain, plain without decoding, Teleport's user value. */
const SEG_PLAIN = 0
const SEG_NO_DECODE = 1
const SEG_TP_USER = 2

/**
 * Segments still to tokenise, as (start, end, kind) triples, last first. Module-level and
 * reused: tokenising is synchronous and never re-entered.
 */
const todo: number[] = []

/** Tokenise s[start, end) and every payload nested in it, in order, without recursion. */
function tokenize (b: Builder, s: string, start: number, end: number, enrich: boolean, noDecode: boolean): void {
  todo.length = 0
  todo.push(start, end, noDecode ? SEG_NO_DECODE : SEG_PLAIN)
  while (todo.length > 0) {
    const kind = todo.pop() as number
    const e = todo.pop() as number
    const i = todo.pop() as number
    if (kind === SEG_TP_USER) b.value('teleportUser', s.slice(i, e), K_QUOTED, false, true)
    else scan(b, s, i, e, enrich, kind === SEG_NO_DECODE)
  }
}

/**
 * Tokenise s[start, end) until its end or its first payload: a payload pushes the rest of
 * this segment, then the payload's own segments on top, and returns.
 */
function scan (b: Builder, s: string, start: number, end: number, enrich: boolean, noDecode: boolean): void {
  const avc = b.typeNum === T.AVC || b.typeNum === T.USER_AVC
  let avcState = 0 // 1: after "avc:", expecting the result word
  let prefix = '' // RHEL 6 LOGIN: "old auid=…" → old-auid
  let i = start
  while (i < end) {
    let c = s.charCodeAt(i)
    if (c === 32) { i++; continue }
    // scan a word up to '=' or ' '
    let j = i
    while (j < end) {
      c = s.charCodeAt(j)
      if (c === 61 || c === 32) break
      j++
    }
    if (j >= end || c === 32) {
      const w = s.slice(i, j)
      i = j
      if (avc) {
        if (w === 'avc:') { avcState = 1; continue }
        if (avcState === 1) { b.value('seresult', w, K_BARE, enrich, true); avcState = 0; continue }
        if (w === '{') {
          const close = s.indexOf('}', i)
          const stop = close === -1 || close > end ? end : close
          b.value('seperms', s.slice(i, stop).trim().split(' ').filter(Boolean).join(','), K_BARE, enrich, true)
          i = stop + 1
          continue
        }
        if (w === 'for') continue
      }
      if (w === 'old' || w === 'new') { prefix = w; continue }
      b.word(w)
      continue
    }
    let key = keyAt(s, s.charCodeAt(i) === 40 /* ( */ ? i + 1 : i, j)
    if (prefix !== '') { if (prefix === 'old') key = 'old-' + key; prefix = '' }
    const v = j + 1
    if (v >= end) { b.value(key, '', K_QUOTED, enrich, noDecode); i = v; continue }
    c = s.charCodeAt(v)
    if (c === 34 /* " */) {
      const close = s.indexOf('"', v + 1)
      const stop = close === -1 || close > end ? end : close
      b.value(key, s.slice(v + 1, stop), K_QUOTED, enrich, noDecode)
      i = stop + 1
    } else if (c === 39 /* ' */ && !enrich) {
      let close = s.lastIndexOf("'", end - 1)
      if (close <= v) close = end
      if (close + 1 < end) todo.push(close + 1, end, noDecode ? SEG_NO_DECODE : SEG_PLAIN)
      payload(b, s, v + 1, close)
      return
    } else if (c === 123 /* { */) {
      const close = s.indexOf('}', v + 1)
      const stop = close === -1 || close > end ? end : close
      b.value(key, s.slice(v + 1, stop).trim(), K_BRACED, enrich, noDecode)
      i = stop + 1
    } else {
      let e = spaceOrEnd(s, v, end)
      if (key === 'op' && !enrich) {
        // user-space op values may contain spaces: "op=adding group to /etc/group acct=…"
        while (e < end) {
          let n = e + 1
          while (n < end && s.charCodeAt(n) === 32) n++
          const ne = spaceOrEnd(s, n, end)
          const eq = s.indexOf('=', n)
          if (n >= end || (eq !== -1 && eq < ne)) break
          e = ne
        }
      }
      b.value(key, trimBare(s.slice(v, e)), K_BARE, enrich, noDecode)
      i = e
    }
  }
}

const TP_USER = ' teleportUser='
const TP_RES = ' res='

/** True when a USER_LOGIN/USER_END/USER_ERR payload was written by Teleport (§7.1). */
function isTeleportPayload (s: string, start: number, end: number): boolean {
  const t = s.indexOf(TP_USER, start)
  if (t !== -1 && t < end) return true
  // no teleportUser (empty Teleport user): recognise by the executable, quoted or not
  const x = s.indexOf(' exe=', start)
  if (x === -1 || x >= end) return false
  const h = s.indexOf(' hostname=', x)
  if (h === -1 || h > end) return false
  let stop = h
  if (s.charCodeAt(stop - 1) === 34) stop--
  return s.endsWith('teleport', stop)
}

/**
 * msg='…' of a user-space record: nested key=values, or Teleport's positional layout. Pushes
 * its segments on the work stack (last first) for tokenize() to take in order.
 */
function payload (b: Builder, s: string, start: number, end: number): void {
  const t = b.typeNum
  if ((t === T.USER_LOGIN || t === T.USER_END || t === T.USER_ERR) && isTeleportPayload(s, start, end)) {
    const u = s.indexOf(TP_USER, start)
    const r = s.lastIndexOf(TP_RES, end - 1)
    if (u !== -1 && u < end && r > u) {
      todo.push(r + 1, end, SEG_NO_DECODE, u + TP_USER.length, r, SEG_TP_USER, start, u, SEG_NO_DECODE)
    } else {
      todo.push(start, end, SEG_NO_DECODE)
    }
    return
  }
  todo.push(start, end, SEG_PLAIN)
}

const b = new Builder()

/** Tokenise and decode a record body. */
export function parseFields (body: string, typeNum: number, ascii: boolean): RecordFields {
  b.reset(typeNum, ascii)
  let end = body.indexOf('\x1d')
  if (end === -1) end = body.length
  tokenize(b, body, 0, end, false, false)
  if (end < body.length) tokenize(b, body, end + 1, body.length, true, false)
  return {
    fields: objectFrom(b.keys, b.values, b.n, b.shape),
    enriched: b.en === 0 ? undefined : objectFrom(b.ekeys, b.evalues, b.en, b.eshape),
    escaped: b.escaped,
    text: b.words === undefined ? undefined : b.words.join(' '),
    hex: b.hex,
  }
}
