/**
 * What happened: the syscall (auditd.arch, auditd.syscall, auditd.exit), the ECS
 * categorization (event.action, event.category, event.type) and the outcome (event.outcome,
 * auditd.result).
 */
import { archName, syscallName } from '../audit/arch.js'
import { APPARMOR_AVC, OTHER_SYSCALL, categorizeSyscall, categorizeType, type Categorization } from './ecs.js'
import { T } from '../audit/record-types.js'
import type { Draft } from './draft.js'

/**
 * Fills the fields above; returns what the event acts on (for the summary), if known, and the
 * index of the describing record (-1: none). As
 * aucoalesce: a record that describes the syscall gives the action and auditd.message_type;
 * the category and type are its own, plus process/info when the syscall has no entry; an
 * AVC gives only the action (the category and type are the syscall's, when there is one).
 */
export function fillAction (d: Draft): { objectType: string | undefined, at: number } {
  const bySyscall = fillSyscall(d)
  const at = describingRecord(d)
  const cat = at < 0 ? bySyscall : typeCategory(d, at)
  const event = d.doc.event
  if (at >= 0) d.doc.auditd.message_type = d.ev.records[at].type.toLowerCase()
  if (cat !== undefined) {
    let category = cat.category as string[]
    let type = cat.type as string[]
    if (at >= 0 && bySyscall !== undefined) {
      if (d.ev.records[at].typeNum === T.AVC) {
        category = bySyscall.category as string[]
        type = bySyscall.type as string[]
      } else if (bySyscall === OTHER_SYSCALL) {
        category = union(category, OTHER_SYSCALL.category)
        type = union(type, OTHER_SYSCALL.type)
      }
    }
    if (cat.action !== '') event.action = cat.action
    if (cat.kind !== undefined) event.kind = cat.kind
    event.category = category
    event.type = type
  }
  const outcome = outcomeOf(d.pf.success ?? d.pf.res ?? d.pf.result)
  if (outcome !== undefined) {
    event.outcome = outcome
    d.doc.auditd.result = outcome === 'success' ? 'success' : 'fail'
  }
  return { objectType: cat?.objectType, at }
}

/** Names the syscall in auditd.*; returns the event's categorization by that name. */
function fillSyscall (d: Draft): Categorization | undefined {
  if (d.sys < 0) return undefined
  const { pf, pe } = d
  const auditd = d.doc.auditd
  const arch = pf.arch
  const nr = pf.syscall
  let cat: Categorization | undefined
  if (arch !== undefined) {
    const an = pe?.ARCH ?? archName(arch)
    if (an !== undefined) auditd.arch = an
  }
  if (nr !== undefined) {
    const sn = pe?.SYSCALL ?? (arch === undefined ? undefined : syscallName(arch, nr))
    auditd.syscall = sn ?? `unknown-syscall(${nr})`
    cat = sn === undefined ? undefined : categorizeSyscall(sn)
  }
  if (pf.exit !== undefined) auditd.exit = pf.exit
  return cat
}

/**
 * A record that says what the syscall did (LOGIN, AVC, CONFIG_CHANGE, ANOM_*, a user message
 * sent during it …) describes the event better than the syscall's name: the first such record
 * wins. -1 when there is none.
 */
function describingRecord (d: Draft): number {
  const records = d.ev.records
  for (let i = 0; i < records.length; i++) {
    if (i === d.sys) continue
    if (categorizeType(records[i].type) !== undefined) return i
  }
  return -1
}

function typeCategory (d: Draft, at: number): Categorization | undefined {
  if (d.ev.records[at].typeNum === T.AVC && d.parsed[at].fields.apparmor !== undefined) return APPARMOR_AVC
  return categorizeType(d.ev.records[at].type)
}

function union (a: readonly string[], b: readonly string[]): string[] {
  const out = a.slice()
  for (const x of b) if (!out.includes(x)) out.push(x)
  return out
}

function outcomeOf (v: string | undefined): 'success' | 'failure' | undefined {
  if (v === undefined) return undefined
  switch (v) {
    case 'yes': case 'success': case '1': return 'success'
    case 'no': case 'failed': case 'fail': case '0': return 'failure'
    default: return undefined
  }
}
