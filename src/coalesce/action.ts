/**
 * What happened: the syscall (auditd.arch, auditd.syscall, auditd.exit), the ECS
 * categorization (event.action, event.category, event.type) and the outcome (event.outcome,
 * auditd.result).
 */
import { archName, syscallName } from '../audit/arch.js'
import { categorizeSyscall, categorizeType, type Categorization } from './ecs.js'
import type { Draft } from './draft.js'

/** Fills the fields above; returns what the event acts on (for the summary), if known. */
export function fillAction (d: Draft): string | undefined {
  const bySyscall = fillSyscall(d)
  const cat = typeCategory(d) ?? bySyscall
  const event = d.doc.event
  if (cat !== undefined) {
    if (cat.action !== '') event.action = cat.action
    event.category = cat.category as string[]
    event.type = cat.type as string[]
  }
  const outcome = outcomeOf(d.pf.success ?? d.pf.res ?? d.pf.result)
  if (outcome !== undefined) {
    event.outcome = outcome
    d.doc.auditd.result = outcome === 'success' ? 'success' : 'fail'
  }
  return cat?.objectType
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
 * wins.
 */
function typeCategory (d: Draft): Categorization | undefined {
  const records = d.ev.records
  for (let i = 0; i < records.length; i++) {
    if (i === d.sys) continue
    const c = categorizeType(records[i].type)
    if (c !== undefined) return c
  }
  return undefined
}

function outcomeOf (v: string | undefined): 'success' | 'failure' | undefined {
  if (v === undefined) return undefined
  switch (v) {
    case 'yes': case 'success': case '1': return 'success'
    case 'no': case 'failed': case 'fail': case '0': return 'failure'
    default: return undefined
  }
}
