/**
 * Who, from the primary record's ids: the audit session (auditd.session) and user.id/name,
 * user.audit, user.effective (only when the effective uid differs, with egid), user.group,
 * user.saved (suid/sgid), user.filesystem (fsuid/fsgid) and user.selinux (subj=), as
 * Auditbeat's addUser; names from the record's ENRICHED part when auditd wrote one. What a
 * user-space record says about the accounts it acts on is actors.ts.
 */
import { UNSET_ID } from '../audit/ids.js'
import type { AuditshipEvent, Identity } from '../event/types.js'
import type { Draft } from './draft.js'
import { splitContext } from './selinux.js'
import { fillActors, type Actor } from './actors.js'

type User = NonNullable<AuditshipEvent['user']>
type Fields = Readonly<Record<string, string>>

/** Returns the summary's actor (actors.ts). */
export function fillUser (d: Draft): Actor | undefined {
  const { pf, doc } = d
  const ses = pf.ses
  if (ses !== undefined && ses !== UNSET_ID) doc.auditd.session = ses
  const user = usersOf(pf, d.pe)
  if (user !== undefined) doc.user = user
  return fillActors(d)
}

/** An id pair (uid-like, gid-like) with the names ENRICHED gives them (under UK, GK). */
function identity (pf: Fields, pe: Fields | undefined, uk: string, gk: string, UK: string, GK: string): Identity | undefined {
  const id = pf[uk]
  const gid = pf[gk]
  if (id === undefined && gid === undefined) return undefined
  const out: Identity = {}
  if (id !== undefined) {
    out.id = id
    const n = pe?.[UK]
    if (n !== undefined) out.name = n
  }
  if (gid !== undefined) {
    out.group = { id: gid }
    const gn = pe?.[GK]
    if (gn !== undefined) out.group.name = gn
  }
  return out
}

function usersOf (pf: Fields, pe: Fields | undefined): User | undefined {
  const user: User = {}
  let any = false
  const uid = pf.uid
  if (uid !== undefined) {
    user.id = uid
    const un = pe?.UID
    if (un !== undefined) user.name = un
    any = true
  }
  const auid = pf.auid
  if (auid !== undefined && auid !== UNSET_ID) {
    user.audit = { id: auid }
    const an = pe?.AUID
    if (an !== undefined) user.audit.name = an
    any = true
  }
  const euid = pf.euid
  if (euid !== undefined && euid !== uid) {
    user.effective = identity(pf, pe, 'euid', 'egid', 'EUID', 'EGID')
    any = true
  }
  const gid = pf.gid
  if (gid !== undefined) {
    user.group = { id: gid }
    const gn = pe?.GID
    if (gn !== undefined) user.group.name = gn
    any = true
  }
  const saved = identity(pf, pe, 'suid', 'sgid', 'SUID', 'SGID')
  if (saved !== undefined) { user.saved = saved; any = true }
  const fs = identity(pf, pe, 'fsuid', 'fsgid', 'FSUID', 'FSGID')
  if (fs !== undefined) { user.filesystem = fs; any = true }
  const sel = splitContext(pf.subj)
  if (sel !== undefined) { user.selinux = sel; any = true }
  return any ? user : undefined
}
