/**
 * One raw audit line → one record, or one parse error value. Never throws.
 *
 * Only the header is read here (node=, type=, msg=audit(SEC.MS:SERIAL):); the body is kept
 * as text and tokenised later, when the event is built (docs/auditd-format.md §1.1).
 * Lines are latin1 strings: one char per byte, so offsets and lengths are byte counts and
 * no byte is lost before we know which values need UTF-8 decoding.
 */
import { ParseErrors, type ParseErrorDef } from '../errors.js'
import { recordTypeName, recordTypeNumber } from '../audit/record-types.js'
import { keyAt } from './intern.js'

export class AuditRecord {
  /** read-order number, set by the pipeline when tailing (delivery tracking) */
  seq = 0
  /** which file the line came from, in read order (delivery tracking) */
  gen = 0

  constructor (
    /** the type name as written (`SYSCALL`, `UNKNOWN[1420]`), or the name of a numeric type */
    readonly type: string,
    /** the type number, or -1 when the name is not in our table */
    readonly typeNum: number,
    readonly node: string | undefined,
    readonly sec: number,
    readonly ms: number,
    readonly serial: number,
    /** event identity: `[node ]SEC.MS:SERIAL` — records with and without node= never join */
    readonly key: string,
    /** everything after `msg=audit(…):`, including any 0x1D enrichment; leading space removed */
    readonly body: string,
    /** byte offset of the line in its source */
    readonly offset: number,
    /** true when the line had no byte ≥ 0x80 (so no UTF-8 re-decoding is needed) */
    readonly ascii: boolean,
  ) {}
}

export class LineError {
  constructor (
    readonly error: ParseErrorDef,
    /** the line (latin1), possibly shortened by the reader for over-long lines */
    readonly line: string,
    readonly offset: number,
    readonly detail?: string,
  ) {}
}

export type ParseResult = AuditRecord | LineError

const MAX_SERIAL = 4294967295

function digitsEnd (s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) break
    i++
  }
  return i
}

/** True when `s` consists of decimal digits only (numeric `type=1400` in printk-style lines). */
function isDigits (s: string): boolean {
  return s.length > 0 && digitsEnd(s, 0, s.length) === s.length
}

type TypeOf = readonly [name: string, num: number]
const MAX_TYPES = 4096
const MAX_TYPE_NAME = 32
/** type= values seen, by the text logged (bounded: a writer of records chooses it) */
const types = new Map<string, TypeOf>()

function typeOf (name: string): TypeOf {
  let t = types.get(name)
  if (t === undefined) {
    t = isDigits(name) ? [recordTypeName(Number(name)), Number(name)] : [name, recordTypeNumber(name) ?? -1]
    // a longer name may be a view into its line (parse/intern.ts): not kept
    if (types.size < MAX_TYPES && name.length <= MAX_TYPE_NAME) types.set(name, t)
  }
  return t
}

/** The number the digits s[i, end) write (at most 10 of them: exact in a double). */
function digitsValue (s: string, i: number, end: number): number {
  let n = 0
  for (; i < end; i++) n = n * 10 + (s.charCodeAt(i) - 48)
  return n
}

/**
 * Parse one line (without its `\n`; a trailing `\r` is ignored).
 * `ascii` tells whether the line is known to have only 7-bit bytes.
 */
export function parseLine (line: string, offset: number, ascii = true): ParseResult {
  let len = line.length
  if (len > 0 && line.charCodeAt(len - 1) === 13) len--
  if (len === 0) return new LineError(ParseErrors.EMPTY, line, offset)
  if (line.indexOf('\0') !== -1) return new LineError(ParseErrors.NUL_BYTE, line, offset)
  // audit.log lines start with `type=` or `node=`: one byte tells them from the rest
  const c0 = line.charCodeAt(0)
  if (c0 !== 116 /* t */ && c0 !== 110 /* n */) return parseRelayed(line, offset, ascii)
  return parseRecord(line, len, offset, ascii, false)
}

/**
 * A record relayed with a prefix (auditd-format.md §1.1): the kernel's printk form as syslog,
 * journald or dmesg show it (`Dec  4 10:00:00 host kernel: [   12.345678] audit: type=1400
 * audit(1700000000.123:45): …`, `[   12.345678] audit: type=1400 audit(…): …`), or auditd's
 * records as its syslog plugin writes them (`… audisp-syslog: type=SYSCALL msg=audit(…): …`).
 * The prefix is dropped; a line that is none of these is NO_TYPE, reported with all its bytes.
 */
function parseRelayed (line: string, offset: number, ascii: boolean): ParseResult {
  let start = -1
  let kernel = false
  if (line.startsWith('audit: type=')) {
    start = 7
    kernel = true
  } else {
    const k = line.indexOf(' audit: type=')
    if (k !== -1) {
      start = k + 8
      kernel = true
    } else {
      const colon = line.indexOf(': ')
      if (colon !== -1 && (line.startsWith('type=', colon + 2) || line.startsWith('node=', colon + 2))) start = colon + 2
    }
  }
  if (start === -1) return new LineError(ParseErrors.NO_TYPE, line, offset)
  const rest = line.slice(start)
  let len = rest.length
  if (len > 0 && rest.charCodeAt(len - 1) === 13) len--
  const r = parseRecord(rest, len, offset, ascii, kernel)
  return r instanceof LineError ? new LineError(r.error, line, offset, r.detail) : r
}

/**
 * `[node=… ]type=… msg=audit(SEC.MS:SERIAL): body`; with `kernel`, the printk form's bare
 * `audit(…)` is accepted in place of `msg=audit(…)`.
 */
function parseRecord (line: string, len: number, offset: number, ascii: boolean, kernel: boolean): ParseResult {
  let p = 0
  let node: string | undefined
  if (line.startsWith('node=')) {
    const sp = line.indexOf(' ', 5)
    if (sp < 0 || sp >= len) return new LineError(ParseErrors.NO_TYPE, line, offset)
    node = line.slice(5, sp)
    p = sp + 1
  }
  if (!line.startsWith('type=', p)) return new LineError(ParseErrors.NO_TYPE, line, offset)
  p += 5
  const sp = line.indexOf(' ', p)
  if (sp < 0 || sp >= len) return new LineError(ParseErrors.NO_HEADER, line, offset)
  if (sp === p) return new LineError(ParseErrors.BAD_TYPE, line, offset)
  const [type, typeNum] = typeOf(keyAt(line, p, sp))
  p = sp + 1
  if (line.startsWith('msg=audit(', p)) p += 10
  else if (kernel && line.startsWith('audit(', p)) p += 6
  else return new LineError(ParseErrors.NO_HEADER, line, offset)

  const secEnd = digitsEnd(line, p, len)
  if (secEnd === p || secEnd - p > 10 || line.charCodeAt(secEnd) !== 46 /* . */) {
    return new LineError(ParseErrors.BAD_TIMESTAMP, line, offset)
  }
  const idStart = p
  const sec = digitsValue(line, p, secEnd)
  p = secEnd + 1
  const msEnd = digitsEnd(line, p, len)
  if (msEnd - p !== 3 || line.charCodeAt(msEnd) !== 58 /* : */) {
    return new LineError(ParseErrors.BAD_TIMESTAMP, line, offset)
  }
  const ms = (line.charCodeAt(p) - 48) * 100 + (line.charCodeAt(p + 1) - 48) * 10 + (line.charCodeAt(p + 2) - 48)
  p = msEnd + 1
  const serEnd = digitsEnd(line, p, len)
  if (serEnd === p || serEnd - p > 10 || line.charCodeAt(serEnd) !== 41 /* ) */) {
    return new LineError(ParseErrors.BAD_SERIAL, line, offset)
  }
  const serial = digitsValue(line, p, serEnd)
  if (serial > MAX_SERIAL) return new LineError(ParseErrors.BAD_SERIAL, line, offset)
  p = serEnd + 1
  // "):" then a space; old DAEMON_* free text omits the colon (§1.2)
  if (p < len && line.charCodeAt(p) === 58) p++
  if (p < len && line.charCodeAt(p) === 32) p++
  const body = p === 0 && len === line.length ? line : line.slice(p, len)
  const id = line.slice(idStart, serEnd)
  const key = node === undefined ? id : node + ' ' + id
  return new AuditRecord(type, typeNum, node, sec, ms, serial, key, body, offset, ascii)
}
