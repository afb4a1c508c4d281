/**
 * `auditship search` criteria → a predicate over events. Pure; every criterion must match
 * (AND), like ausearch.
 */
import type { AuditshipEvent } from '../event/types.js'
import { KNOWN_RECORD_TYPES, recordTypeName } from '../audit/record-types.js'

export interface SearchCriteria {
  /** a Teleport user name, case ignored; `*` matches any run of characters */
  teleportUser?: string
  /** audit session id (ses=) or the Teleport-bound session */
  session?: string
  /** record types, upper case: the event matches when any of its records has one */
  types?: string[]
  /** uid or user name: matches user.id/name, user.audit, user.effective, user.target */
  uid?: string
  /** epoch ms, inclusive */
  start?: number
  /** epoch ms, inclusive */
  end?: number
}

function identityMatches (i: { id?: string, name?: string } | undefined, who: string): boolean {
  return i !== undefined && (i.id === who || i.name === who)
}

/** `alice@*` → a test of a name, case ignored, `*` any run of characters (none: equality). */
export function namePattern (pattern: string): (name: string | undefined) => boolean {
  if (!pattern.includes('*')) {
    const want = pattern.toLowerCase()
    return (name) => name !== undefined && name.toLowerCase() === want
  }
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'is')
  return (name) => name !== undefined && re.test(name)
}

/** Every record type name we know, for "did you mean". */
export const RECORD_TYPE_NAMES: readonly string[] = KNOWN_RECORD_TYPES.map(([n]) => n)
const KNOWN = new Set(RECORD_TYPE_NAMES)

/**
 * `--type` values → the record type names as logs write them, upper case: a known name, auditd's
 * `UNKNOWN[n]`, or a number (`1400` → `AVC`); or the first value that is none of these.
 */
export function recordTypes (list: readonly string[]): { ok: true, types: string[] } | { ok: false, unknown: string } {
  const types: string[] = []
  for (const raw of list) {
    const t = raw.toUpperCase()
    if (/^\d+$/.test(t)) types.push(recordTypeName(Number(t)))
    else if (KNOWN.has(t) || /^UNKNOWN\[\d+\]$/.test(t)) types.push(t)
    else return { ok: false, unknown: raw }
  }
  return { ok: true, types }
}

export function makeFilter (c: SearchCriteria): (doc: AuditshipEvent) => boolean {
  const types = c.types === undefined ? undefined : new Set(c.types.map((t) => t.toUpperCase()))
  const teleportUser = c.teleportUser === undefined ? undefined : namePattern(c.teleportUser)
  return (doc) => {
    if (teleportUser !== undefined && !teleportUser(doc.teleport?.user)) return false
    if (c.session !== undefined && doc.auditd.session !== c.session && doc.teleport?.session !== c.session) return false
    if (types !== undefined && !doc.auditd.records.some((r) => types.has(r.type))) return false
    if (c.uid !== undefined) {
      const u = doc.user
      if (u === undefined) return false
      if (!(identityMatches(u, c.uid) || identityMatches(u.audit, c.uid) || identityMatches(u.effective, c.uid) || identityMatches(u.target, c.uid))) return false
    }
    if (c.start !== undefined || c.end !== undefined) {
      const t = Date.parse(doc['@timestamp'])
      if (c.start !== undefined && t < c.start) return false
      if (c.end !== undefined && t > c.end) return false
    }
    return true
  }
}

/**
 * A point in time for --start/--end: ISO 8601 (`2023-11-15T09:20:00Z`, `2023-11-15 09:20:00`
 * taken as UTC unless it has an offset, `2023-11-15`), epoch seconds, or `now`, `recent`
 * (10 minutes ago), `today`, `yesterday`, `this-week` (UTC). Returns epoch ms or an error.
 */
export function parseTime (s: string, now: number = Date.now()): number | string {
  const day = 86_400_000
  const midnight = Math.floor(now / day) * day
  switch (s) {
    case 'now': return now
    case 'recent': return now - 600_000
    case 'today': return midnight
    case 'yesterday': return midnight - day
    case 'this-week': return midnight - ((new Date(midnight).getUTCDay() + 6) % 7) * day
  }
  if (/^\d{9,10}(\.\d{1,3})?$/.test(s)) return Math.round(Number(s) * 1000)
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?(Z|[+-]\d{2}:?\d{2})?$/.exec(s)
  if (m !== null) {
    const iso = `${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? 'Z'}`
    const t = Date.parse(iso)
    if (!Number.isNaN(t)) return t
  }
  return `cannot read "${s}" as a time (use ISO 8601 like 2023-11-15T09:20:00Z, epoch seconds, now, recent, today, yesterday or this-week)`
}
