/**
 * The network: a SOCKADDR record (auditd.socket, then source or destination and
 * network.direction by the syscall), or the addr=/hostname= of a user-space record (source).
 */
import { isIP } from 'node:net'
import { decodeSaddr, type SockAddr } from '../parse/decode.js'
import type { Endpoint } from '../event/types.js'
import type { Draft } from './draft.js'
import { toInt } from './int.js'

const INGRESS_SYSCALLS = new Set(['accept', 'accept4', 'recvfrom', 'recvmsg', 'recvmmsg', 'bind', 'listen'])

/** Reads auditd.syscall, so runs after fillAction. */
export function fillNetwork (d: Draft): void {
  const { doc, pf } = d
  if (d.saddr >= 0) {
    const raw = d.parsed[d.saddr].fields.saddr
    const sa = raw === undefined ? undefined : decodeSaddr(raw)
    if (sa !== undefined) {
      doc.auditd.socket = sa
      const ep = sockEndpoint(sa)
      const sn = doc.auditd.syscall
      if (sn !== undefined && INGRESS_SYSCALLS.has(sn)) {
        doc.source = ep
        doc.network = { direction: 'ingress' }
      } else {
        doc.destination = ep
        if (sa.family === 'inet' || sa.family === 'inet6') doc.network = { direction: 'egress' }
      }
    }
  } else if (pf.addr !== undefined) {
    const ep = parseAddr(pf.addr)
    if (ep !== undefined) doc.source = ep
    const host = pf.hostname
    if (host !== undefined && host !== '?' && host !== pf.addr) {
      // sshd's USER_ERR names the client by its IP in hostname= only (addr=?)
      if (doc.source?.ip === undefined && isIP(host) !== 0) (doc.source ??= {}).ip = host
      else (doc.source ??= {}).domain = host
    }
  }
  // a user-space record's addr= is the remote client: inbound, as aucoalesce says
  if (d.sys < 0 && doc.source?.ip !== undefined) doc.network = { direction: 'ingress' }
}

/** A user-space `addr=`: an IP, `ip:port` (Teleport), `[v6]:port`, or a host name. */
export function parseAddr (addr: string): Endpoint | undefined {
  if (addr === '?' || addr === '' || addr === '(none)') return undefined
  if (isIP(addr) !== 0) return { ip: addr }
  if (addr.charCodeAt(0) === 91 /* [ */) {
    const close = addr.indexOf(']')
    if (close > 0) {
      const ip = addr.slice(1, close)
      const port = addr.charCodeAt(close + 1) === 58 ? toInt(addr.slice(close + 2)) : undefined
      if (isIP(ip) === 6) return port === undefined ? { ip } : { ip, port }
    }
    return undefined
  }
  const colon = addr.lastIndexOf(':')
  if (colon > 0 && addr.indexOf(':') === colon) {
    const ip = addr.slice(0, colon)
    const port = toInt(addr.slice(colon + 1))
    if (isIP(ip) === 4 && port !== undefined) return { ip, port }
  }
  return { domain: addr }
}

function sockEndpoint (sa: SockAddr): Endpoint {
  const e: Endpoint = {}
  if (sa.addr !== undefined) e.ip = sa.addr
  if (sa.port !== undefined) e.port = sa.port
  if (sa.path !== undefined) e.path = sa.path
  return e
}
