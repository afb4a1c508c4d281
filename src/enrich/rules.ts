/**
 * filter and label rules (docs/design.md §3.5): the operator's cost control.
 *
 * A rule matches an event when every matcher it gives matches (a rule without one is refused
 * at config load); a matcher is a list and matches when any of its values does:
 * - record_type: a record of the event has that type;
 * - key: one of the event's audit rule keys (key=, the `tags` built from the records, before
 *   label rules add theirs);
 * - executable / uid / auid: a record of the event has exe= / uid= / auid= with that value, as
 *   logged (decoded; unset is 4294967295);
 * - success: event.outcome is success (true) or failure (false); unknown matches neither.
 * Session records are exempt: an event with a LOGIN, USER_LOGIN, USER_START, USER_END,
 * USER_ERR, USER_AUTH, USER_ACCT, USER_LOGOUT or CRED_* record (Teleport's own records and
 * every session's login among them) matches only a rule whose record_type names one of its
 * types: `uid: [0]` or `success: false` must not drop the login that attributes a session.
 *
 * MUST be pure over the document; the first filter rule that matches drops the event (the
 *      caller counts it by rule), every label rule that matches adds its tags.
 */
import type { AuditshipEvent } from '../event/types.js'

/** A filter rule as configured (schemas/config.schema.json, FilterRule); a label rule adds `tags`. */
export interface RuleSpec {
  readonly name: string
  readonly record_type?: readonly string[]
  readonly key?: readonly string[]
  readonly executable?: readonly string[]
  readonly uid?: ReadonlyArray<number | 'unset'>
  readonly auid?: ReadonlyArray<number | 'unset'>
  readonly success?: boolean
}
export interface LabelSpec extends RuleSpec { readonly tags: readonly string[] }

export const SESSION_TYPES: ReadonlySet<string> = new Set(['LOGIN', 'USER_LOGIN', 'USER_LOGOUT', 'USER_START', 'USER_END', 'USER_ERR', 'USER_AUTH', 'USER_ACCT', 'CRED_ACQ', 'CRED_DISP', 'CRED_REFR'])

const UNSET = '4294967295'

type Rule = RuleSpec

interface Compiled {
  name: string
  types?: ReadonlySet<string>
  /** record_type names a session type: the rule may match session events */
  namesSession: boolean
  keys?: ReadonlySet<string>
  exes?: ReadonlySet<string>
  uids?: ReadonlySet<string>
  auids?: ReadonlySet<string>
  success?: boolean
  tags?: readonly string[]
}

function ids (l: ReadonlyArray<number | 'unset'> | undefined): ReadonlySet<string> | undefined {
  return l === undefined ? undefined : new Set(l.map((v) => v === 'unset' ? UNSET : String(v)))
}

function compile (r: Rule, tags?: readonly string[]): Compiled {
  return {
    name: r.name,
    types: r.record_type === undefined ? undefined : new Set(r.record_type),
    namesSession: r.record_type?.some((t) => SESSION_TYPES.has(t)) ?? false,
    keys: r.key === undefined ? undefined : new Set(r.key),
    exes: r.executable === undefined ? undefined : new Set(r.executable),
    uids: ids(r.uid),
    auids: ids(r.auid),
    success: r.success,
    tags,
  }
}

/** True when the rule gives no matcher at all (refused at config load: it would match everything). */
export function hasNoMatcher (r: Rule): boolean {
  return r.record_type === undefined && r.key === undefined && r.executable === undefined && r.uid === undefined && r.auid === undefined && r.success === undefined
}

function anyField (doc: AuditshipEvent, name: string, set: ReadonlySet<string>): boolean {
  for (const rec of doc.auditd.records) {
    const v = rec.fields[name]
    if (v !== undefined && set.has(v)) return true
  }
  return false
}

function matches (c: Compiled, doc: AuditshipEvent, session: boolean): boolean {
  if (session && !c.namesSession) return false
  if (c.types !== undefined && !doc.auditd.records.some((r) => c.types?.has(r.type) === true)) return false
  if (c.keys !== undefined && !(doc.tags ?? []).some((k) => c.keys?.has(k) === true)) return false
  if (c.success !== undefined && doc.event.outcome !== (c.success ? 'success' : 'failure')) return false
  if (c.exes !== undefined && !anyField(doc, 'exe', c.exes)) return false
  if (c.uids !== undefined && !anyField(doc, 'uid', c.uids)) return false
  if (c.auids !== undefined && !anyField(doc, 'auid', c.auids)) return false
  return true
}

export class EventRules {
  private readonly filters: Compiled[]
  private readonly labels: Compiled[]
  /** events dropped, by rule name (bounded: the rules are fixed at start) */
  readonly filtered = new Map<string, number>()

  constructor (filter: readonly Rule[], label: readonly LabelSpec[]) {
    this.filters = filter.map((r) => compile(r))
    this.labels = label.map((r) => compile(r, r.tags))
  }

  get empty (): boolean {
    return this.filters.length === 0 && this.labels.length === 0
  }

  /** The name of the filter rule that drops the event (counted), else undefined after adding the label rules' tags. */
  apply (doc: AuditshipEvent): string | undefined {
    const session = doc.auditd.records.some((r) => SESSION_TYPES.has(r.type))
    for (const f of this.filters) {
      if (matches(f, doc, session)) {
        this.filtered.set(f.name, (this.filtered.get(f.name) ?? 0) + 1)
        return f.name
      }
    }
    let add: string[] | undefined
    for (const l of this.labels) if (matches(l, doc, session)) for (const t of l.tags ?? []) (add ??= []).push(t)
    if (add !== undefined) {
      const tags = doc.tags ?? []
      for (const t of add) if (!tags.includes(t)) tags.push(t)
      doc.tags = tags
    }
    return undefined
  }
}
