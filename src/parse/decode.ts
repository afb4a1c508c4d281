/**
 * Value decoding: hex-encoded untrusted strings, non-UTF-8 bytes, PROCTITLE, SOCKADDR.
 *
 * The kernel (and libaudit) hex-encode a string when any byte is `"`, < 0x21 or > 0x7e,
 * upper-case, two digits per byte, no prefix (docs/auditd-format.md §1.4). Decoded bytes that
 * are valid UTF-8 become a plain string. Bytes that are not valid UTF-8 are written as `%XX`
 * and, in such a value only, a literal `%` as `%25`, so the result is unambiguous; the caller
 * records which fields were escaped this way.
 */
import { isUtf8 } from 'node:buffer'
import type { SocketAddress } from '../event/types.js'

/** A decoded value and whether it needed percent-escaping. */
export interface Decoded {
  value: string
  escaped: boolean
}

function isHexCode (c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
}

/** True when `s` is a non-empty, even-length run of hex digits (as the kernel writes them). */
export function isHexString (s: string): boolean {
  const n = s.length
  if (n === 0 || (n & 1) === 1) return false
  for (let i = 0; i < n; i++) {
    if (!isHexCode(s.charCodeAt(i))) return false
  }
  return true
}

/** Bytes → string: UTF-8 when valid, else percent-escaped (see module comment). */
export function bytesToString (buf: Buffer): Decoded {
  if (isUtf8(buf)) return { value: buf.toString('utf8'), escaped: false }
  return { value: percentEscape(buf), escaped: true }
}

/** Length of the valid UTF-8 sequence starting at i, or 0 if the bytes there are not one. */
function utf8SeqLen (buf: Buffer, i: number): number {
  const b0 = buf[i]
  let n: number
  let min: number
  if (b0 >= 0xc2 && b0 <= 0xdf) { n = 2; min = 0x80 } else if (b0 >= 0xe0 && b0 <= 0xef) { n = 3; min = 0x800 } else if (b0 >= 0xf0 && b0 <= 0xf4) { n = 4; min = 0x10000 } else return 0
  if (i + n > buf.length) return 0
  let cp = b0 & (0xff >> (n + 1))
  for (let k = 1; k < n; k++) {
    const b = buf[i + k]
    if ((b & 0xc0) !== 0x80) return 0
    cp = (cp << 6) | (b & 0x3f)
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0
  return n
}

function hex2 (b: number): string {
  return (b < 16 ? '%0' : '%') + b.toString(16).toUpperCase()
}

/** Percent-escape `%` and every byte that is not part of a valid UTF-8 sequence. */
export function percentEscape (buf: Buffer): string {
  let out = ''
  let i = 0
  while (i < buf.length) {
    const b = buf[i]
    if (b < 0x80) {
      out += b === 0x25 ? '%25' : String.fromCharCode(b)
      i++
      continue
    }
    const n = utf8SeqLen(buf, i)
    if (n === 0) {
      out += hex2(b)
      i++
    } else {
      out += buf.toString('utf8', i, i + n)
      i += n
    }
  }
  return out
}

/** Decode a hex string (caller checked isHexString). */
export function decodeHex (hex: string): Decoded {
  return bytesToString(Buffer.from(hex, 'hex'))
}

/**
 * A value taken from a line that was read as latin1 (one char per byte) and contains chars
 * ≥ 0x80: re-interpret those bytes as UTF-8, escaping what is not valid.
 */
export function fromLatin1 (s: string): Decoded {
  return bytesToString(Buffer.from(s, 'latin1'))
}

/** True when some char of a latin1-read string is ≥ 0x80 (a raw non-ASCII byte). */
export function hasHighByte (s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return true
  }
  return false
}

/** A decoded socket address: the shape declared once, in schemas/event.schema.json. */
export type SockAddr = SocketAddress

const FAMILIES: Record<number, string> = {
  1: 'unix', 2: 'inet', 10: 'inet6', 16: 'netlink', 17: 'packet', 4: 'ipx', 5: 'appletalk', 9: 'x25', 40: 'vsock', 31: 'bluetooth', 38: 'alg',
}

function ipv6 (b: Buffer, o: number): string {
  const parts: string[] = []
  for (let i = 0; i < 8; i++) parts.push(b.readUInt16BE(o + i * 2).toString(16))
  // compress the longest run of zero groups (RFC 5952)
  let best = -1; let bestLen = 0
  for (let i = 0; i < 8;) {
    if (parts[i] !== '0') { i++; continue }
    let j = i
    while (j < 8 && parts[j] === '0') j++
    if (j - i > bestLen && j - i > 1) { best = i; bestLen = j - i }
    i = j
  }
  if (best < 0) return parts.join(':')
  return parts.slice(0, best).join(':') + '::' + parts.slice(best + bestLen).join(':')
}

/**
 * Decode SOCKADDR `saddr=` hex. `sa_family` is in host byte order: try little-endian first,
 * then big-endian (ppc64/s390x logs); ports and addresses are network order.
 */
export function decodeSaddr (hex: string): SockAddr | undefined {
  if (!isHexString(hex) || hex.length < 4) return undefined
  const b = Buffer.from(hex, 'hex')
  let fam = b.readUInt16LE(0)
  if (FAMILIES[fam] === undefined) {
    const be = b.readUInt16BE(0)
    if (FAMILIES[be] !== undefined) fam = be
  }
  const family = FAMILIES[fam] ?? `unknown(${fam})`
  switch (fam) {
    case 2:
      if (b.length < 8) return { family, note: 'sockaddr len too short' }
      return { family, port: b.readUInt16BE(2), addr: `${b[4]}.${b[5]}.${b[6]}.${b[7]}` }
    case 10:
      if (b.length < 24) return { family, note: 'sockaddr len too short' }
      return { family, port: b.readUInt16BE(2), addr: ipv6(b, 8) }
    case 1: {
      if (b.length <= 2) return { family, note: 'unnamed socket' }
      if (b[2] === 0) {
        // abstract name: leading NUL, then bytes up to the end (not NUL-terminated)
        let end = b.length
        while (end > 3 && b[end - 1] === 0) end--
        return { family, path: '@' + bytesToString(b.subarray(3, end)).value }
      }
      let end = b.indexOf(0, 2)
      if (end < 0) end = b.length
      return { family, path: bytesToString(b.subarray(2, end)).value }
    }
    case 16:
      if (b.length < 12) return { family, note: 'sockaddr len too short' }
      // nl_pid and nl_groups are host order, like the family
      if (b.readUInt16LE(0) === 16) return { family, pid: b.readUInt32LE(4), groups: b.readUInt32LE(8) }
      return { family, pid: b.readUInt32BE(4), groups: b.readUInt32BE(8) }
    default:
      return { family }
  }
}
