/**
 * `--format text`: one readable line per event — time, Teleport user, login, action,
 * command line or object, outcome.
 */
import type { AuditshipEvent } from '../event/types.js'

function pad (s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length)
}

/** Quote an argument only when it needs it, so the line reads like a shell command. */
function shellWord (a: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`
}

export function what (doc: AuditshipEvent): string {
  const args = doc.process?.args
  if (args !== undefined && args.length > 0) return args.map(shellWord).join(' ')
  const o = doc.auditd.summary?.object
  if (o?.primary !== undefined) return o.secondary === undefined ? o.primary : `${o.primary} (${o.secondary})`
  return doc.process?.title ?? doc.process?.executable ?? ''
}

export const TIMELINE_HEADER = `${pad('TIME (UTC)', 24)} ${pad('TELEPORT USER', 22)} ${pad('LOGIN', 10)} ${pad('ACTION', 22)} ${pad('OUTCOME', 8)} WHAT\n`

export function renderTimeline (doc: AuditshipEvent): string {
  const t = doc.teleport
  const who = t === undefined ? '-' : t.user
  const login = t?.login ?? doc.user?.audit?.name ?? doc.user?.name ?? doc.user?.audit?.id ?? '-'
  const action = doc.event.action ?? doc.auditd.message_type
  const outcome = doc.event.outcome ?? '-'
  return `${pad(doc['@timestamp'], 24)} ${pad(who, 22)} ${pad(login, 10)} ${pad(action, 22)} ${pad(outcome, 8)} ${what(doc)}\n`
}
