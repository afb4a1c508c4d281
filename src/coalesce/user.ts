/**
 * Who: the audit session (auditd.session) and the users of the primary record (user.id/name,
 * user.audit, user.effective, user.group), names from its ENRICHED part when auditd wrote
 * one; and, for a user-space record, the account it acts on (user.target).
 */
import { UNSET_ID } from '../audit/ids.js'
import type { AuditshipEvent } from '../event/types.js'
import type { Draft } from './draft.js'

type User = NonNullable<AuditshipEvent['user']>

export function fillUser (d: Draft): void {
  const { pf, doc } = d
  const ses = pf.ses
  if (ses !== undefined && ses !== UNSET_ID) doc.auditd.session = ses
  const user = usersOf(pf, d.pe)
  if (user !== undefined) doc.user = user
  const acct = pf.acct
  if (acct !== undefined && d.sys < 0) {
    // the account a user-space record acts on (login, su target, new user …)
    const u = (doc.user ??= {})
    u.target = { name: acct }
    if (pf.id !== undefined && pf.id !== UNSET_ID) u.target.id = pf.id
  }
}

function usersOf (pf: Readonly<Record<string, string>>, pe: Readonly<Record<string, string>> | undefined): User | undefined {
  const uid = pf.uid
  if (uid === undefined) return undefined
  const user: User = { id: uid }
  const un = pe?.UID
  if (un !== undefined) user.name = un
  const auid = pf.auid
  if (auid !== undefined && auid !== UNSET_ID) {
    user.audit = { id: auid }
    const an = pe?.AUID
    if (an !== undefined) user.audit.name = an
  }
  const euid = pf.euid
  if (euid !== undefined && euid !== uid) {
    user.effective = { id: euid }
    const en = pe?.EUID
    if (en !== undefined) user.effective.name = en
  }
  const gid = pf.gid
  if (gid !== undefined) {
    user.group = { id: gid }
    const gn = pe?.GID
    if (gn !== undefined) user.group.name = gn
  }
  return user
}
