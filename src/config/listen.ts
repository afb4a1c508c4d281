/** `server.listen`: `host:port` or `[ipv6]:port`. A pure parser that says what is wrong. */
import { isIP } from 'node:net'

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** `host:port` or `[ipv6]:port` (port 1-65535) → its parts, or why not. */
export function parseListen (s: string): { host: string, port: number } | string {
  let host: string
  let portText: string
  if (s.startsWith('[')) {
    const close = s.indexOf(']')
    if (close < 0 || s[close + 1] !== ':') return `"${s}" is not [ipv6]:port, e.g. [::1]:9477`
    host = s.slice(1, close)
    if (isIP(host) !== 6) return `"${host}" is not an IPv6 address`
    portText = s.slice(close + 2)
  } else {
    const colon = s.lastIndexOf(':')
    if (colon < 0) return `"${s}" is not host:port, e.g. 127.0.0.1:9477`
    host = s.slice(0, colon)
    portText = s.slice(colon + 1)
    if (host === '') return `"${s}" has no host: use host:port, e.g. 127.0.0.1:9477 (0.0.0.0 for every interface)`
    if (host.includes(':')) return `"${s}": an IPv6 address goes in brackets, e.g. [::1]:9477`
    if (isIP(host) !== 4 && !HOST_NAME.test(host)) return `"${host}" is not a host name or IPv4 address`
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return `port must be 1-65535 (got "${portText}")`
  return { host, port: Number(portText) }
}
