/**
 * The accounts a user-space record acts on, as go-libaudit's aucoalesce and Auditbeat map them
 * to ECS (setECSEntity, docs/sinks.md §4.2), and the summary's actor:
 *
 *   login / session records (USER_LOGIN, USER_AUTH, CRED_*, USER_START …)
 *       user = the audit user (auid), user.effective = the account acted as (acct=, else id=,
 *       else uid)
 *   account records (ADD_USER, USER_MGMT, USER_CHAUTHTOK …)
 *       user = auid, user.effective = uid, user.target = the account (acct=, id=),
 *       user.changes = its new name (new_user=, new_name=) when the record gives one
 *   group records (ADD_GROUP, GRP_MGMT …)
 *       user = auid, user.effective = uid, group = the group (id=, grp= or acct=)
 *   LOGIN (the login uid changes)
 *       user = the old auid, user.effective = the new auid
 *
 * An unset id (4294967295) leaves the id out; user.effective / target / changes equal to user
 * are left out. The actor is who acted (primary: auid, or the old auid of LOGIN; `unset` when
 * unset) and as whom (secondary: acct=, else id=, else uid), names from ENRICHED.
 */
import { UNSET_ID } from '../audit/ids.js'
import type { AuditshipEvent, Identity } from '../event/types.js'
import type { Draft } from './draft.js'

type Fields = Readonly<Record<string, string>>
type Role = 'auth' | 'account' | 'group' | 'login'

const ROLES = new Map<string, Role>([
  ['USER_LOGIN', 'auth'], ['USER_LOGOUT', 'auth'], ['USER_AUTH', 'auth'], ['USER_ACCT', 'auth'],
  ['CRED_ACQ', 'auth'], ['CRED_DISP', 'auth'], ['CRED_REFR', 'auth'], ['USER_START', 'auth'],
  ['USER_END', 'auth'], ['USER_ERR', 'auth'], ['ANOM_LOGIN_FAILURES', 'auth'], ['ANOM_LOGIN_SESSIONS', 'auth'],
  ['ADD_USER', 'account'], ['DEL_USER', 'account'], ['USER_MGMT', 'account'], ['USER_CHAUTHTOK', 'account'],
  ['ACCT_LOCK', 'account'], ['ACCT_UNLOCK', 'account'],
  ['ADD_GROUP', 'group'], ['DEL_GROUP', 'group'], ['GRP_MGMT', 'group'], ['GRP_CHAUTHTOK', 'group'],
  ['LOGIN', 'login'],
])

export interface Actor { primary: string, secondary?: string }

/** Fills user.* / group.* for the record that says who acted on whom; returns the actor. */
export function fillActors (d: Draft): Actor | undefined {
  const records = d.ev.records
  let at = -1
  let role: Role | undefined
  for (let i = 0; i < records.length; i++) {
    role = ROLES.get(records[i].type)
    if (role !== undefined) { at = i; break }
  }
  if (role === undefined) return actorOf(d.pf, d.pe, d.pf.auid, 'AUID')
  const f = d.parsed[at].fields
  const e = d.parsed[at].enriched
  const u = (d.doc.user ??= {})
  if (role === 'login') {
    setEntity(u, 'user', f['old-auid'], e?.['OLD-AUID'])
    setEntity(u, 'effective', f.auid, e?.AUID)
    removeRedundant(u)
    return actorOf(f, e, f['old-auid'], 'OLD-AUID')
  }
  setEntity(u, 'user', f.auid, e?.AUID)
  const acct = present(f.acct)
  const id = present(f.id)
  if (role === 'auth') {
    if (acct !== undefined) setEntity(u, 'effective', undefined, acct)
    else if (id !== undefined) setEntity(u, 'effective', id, e?.ID)
    else setEntity(u, 'effective', f.uid, e?.UID)
  } else {
    setEntity(u, 'effective', f.uid, e?.UID)
    if (role === 'account') {
      setEntity(u, 'target', id, acct ?? e?.ID)
      const renamed = present(f.new_user) ?? present(f.new_name)
      if (renamed !== undefined) setEntity(u, 'changes', undefined, renamed)
    } else {
      const group: NonNullable<AuditshipEvent['group']> = {}
      if (id !== undefined) group.id = id
      const name = present(f.grp) ?? acct ?? e?.ID
      if (name !== undefined) group.name = name
      if (group.id !== undefined || group.name !== undefined) d.doc.group = group
    }
  }
  removeRedundant(u)
  if (Object.keys(u).length === 0) d.doc.user = undefined
  return actorOf(f, e, f.auid, 'AUID')
}

function present (v: string | undefined): string | undefined {
  return v === undefined || v === '?' || v === '' || v === UNSET_ID ? undefined : v
}

type User = NonNullable<AuditshipEvent['user']>

/** Auditbeat's setECSEntity: the entity's id and name replace what was there. */
function setEntity (u: User, key: 'user' | 'effective' | 'target' | 'changes', id: string | undefined, name: string | undefined): void {
  if (id === undefined && name === undefined) return
  const cleanId = id === UNSET_ID ? undefined : id
  if (key === 'user') {
    if (cleanId === undefined) delete u.id; else u.id = cleanId
    if (name === undefined) delete u.name; else u.name = name
    return
  }
  const ent: Identity = {}
  if (cleanId !== undefined) ent.id = cleanId
  if (name !== undefined) ent.name = name
  if (ent.id === undefined && ent.name === undefined) delete u[key]; else u[key] = ent
}

function removeRedundant (u: User): void {
  if (u.id === undefined && u.name === undefined) return
  for (const key of ['effective', 'target', 'changes'] as const) {
    const ent = u[key]
    if (ent === undefined) continue
    if ((u.id === undefined || ent.id === u.id) && (u.name === undefined || ent.name === u.name)) delete u[key]
  }
}

function actorOf (f: Fields, e: Fields | undefined, primaryId: string | undefined, primaryKey: string): Actor | undefined {
  const primary = primaryId === undefined || primaryId === UNSET_ID ? undefined : (e?.[primaryKey] ?? primaryId)
  const acct = present(f.acct)
  const id = present(f.id)
  const secondary = acct ?? (id !== undefined ? (e?.ID ?? id) : f.uid === undefined ? undefined : (e?.UID ?? f.uid))
  if (primary === undefined && secondary === undefined && primaryId === undefined) return undefined
  return secondary === undefined ? { primary: primary ?? 'unset' } : { primary: primary ?? 'unset', secondary }
}
