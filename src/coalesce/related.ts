/**
 * related.user / related.ip / related.hosts (ECS): every user name, IP address and host name
 * the document mentions, once each, in the order met — for pivoting in a SIEM. Run last on the
 * built document, and again after names are resolved (enrich/names.ts).
 */
import type { AuditshipEvent, Identity } from '../event/types.js'

function add (list: string[] | undefined, v: string | undefined): string[] | undefined {
  if (v === undefined || v === '' || v === '?') return list
  if (list === undefined) return [v]
  if (!list.includes(v)) list.push(v)
  return list
}

function name (i: Identity | undefined): string | undefined {
  return i?.name
}

export function fillRelated (doc: AuditshipEvent): void {
  const u = doc.user
  let users: string[] | undefined
  if (u !== undefined) {
    users = add(users, u.name)
    users = add(users, name(u.audit))
    users = add(users, name(u.effective))
    users = add(users, name(u.target))
    users = add(users, name(u.changes))
  }
  let ips: string[] | undefined
  ips = add(ips, doc.source?.ip)
  ips = add(ips, doc.destination?.ip)
  let hosts: string[] | undefined
  hosts = add(hosts, doc.source?.domain)
  hosts = add(hosts, doc.destination?.domain)
  if (users === undefined && ips === undefined && hosts === undefined) {
    if (doc.related !== undefined) delete doc.related
    return
  }
  const r: NonNullable<AuditshipEvent['related']> = {}
  if (users !== undefined) r.user = users
  if (ips !== undefined) r.ip = ips
  if (hosts !== undefined) r.hosts = hosts
  doc.related = r
}
