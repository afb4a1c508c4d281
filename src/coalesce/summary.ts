/**
 * Actor / action / object / how: a one-line reading of an event, after go-libaudit's
 * aucoalesce (docs/sinks.md §4.1). Pure; reads the built document, the primary record's
 * fields and the actor of actors.ts.
 */
import type { AuditshipEvent, Summary } from '../event/types.js'
import type { Actor } from './actors.js'

type Fields = Readonly<Record<string, string>>

/** CONFIG_CHANGE: the first of these the record has is what changed */
const AUDIT_CONFIG_KEYS = ['op', 'key', 'audit_enabled', 'audit_pid', 'audit_backlog_limit', 'audit_backlog_wait_time', 'audit_rate_limit', 'audit_failure']

/** Interpreters whose executable says less than the process name (the script's) */
const INTERPRETERS = ['python', 'perl', 'ruby', 'php', 'node', 'java']

function firstOf (f: Fields, keys: readonly string[]): string | undefined {
  for (const k of keys) if (f[k] !== undefined) return f[k]
  return undefined
}

export function summarize (doc: AuditshipEvent, objectType: string | undefined, actor: Actor | undefined, f: Fields): Summary | undefined {
  const s: Summary = {}
  if (actor !== undefined) s.actor = actor
  if (doc.event.action !== undefined) s.action = doc.event.action

  let obj: string | undefined
  let obj2: string | undefined
  switch (objectType) {
    case 'socket': {
      const e = doc.destination ?? doc.source
      obj = e?.ip ?? e?.path ?? e?.domain
      if (e?.ip !== undefined && e.port !== undefined) obj2 = String(e.port)
      break
    }
    case 'user-session':
      if (doc.auditd.message_type === 'login') { obj = f.auid; break }
      if (f.fp !== undefined) obj = f.fp // CRYPTO_KEY_USER: the key's fingerprint
      else if (f.rport !== undefined) { obj = doc.source?.ip ?? f.addr; obj2 = f.rport; break } // CRYPTO_SESSION
      else obj = f.terminal
      obj2 = doc.source?.ip ?? doc.source?.domain
      break
    case 'account':
      obj = f.acct ?? f.id ?? f.grp
      break
    case 'process':
      obj = doc.process?.args?.join(' ') ?? doc.process?.title ?? f.cmd
      if (obj === undefined && f.comm !== undefined) { obj = f.comm; obj2 = f.pid }
      break
    case 'audit-config': obj = firstOf(f, AUDIT_CONFIG_KEYS); break
    case 'service': obj = f.unit; break
    case 'firewall': obj = f.table; break
    case 'network-device': obj = f.dev; break
    case 'policy': obj = f.operation; obj2 = f.requested_mask; break
    default:
      obj = doc.file?.path
      if (obj === undefined && f.cmd !== undefined) obj = f.cmd
  }
  if (objectType !== undefined || obj !== undefined) {
    s.object = {}
    if (objectType !== undefined) s.object.type = objectType
    if (obj !== undefined && obj !== '?') s.object.primary = obj
    if (obj2 !== undefined && obj2 !== '?') s.object.secondary = obj2
  }
  const how = howOf(doc)
  if (how !== undefined) s.how = how
  return s.actor === undefined && s.action === undefined && s.object === undefined && s.how === undefined ? undefined : s
}

function howOf (doc: AuditshipEvent): string | undefined {
  const exe = doc.process?.executable
  const comm = doc.process?.name
  if (exe !== undefined && comm !== undefined) {
    const base = exe.lastIndexOf('/') + 1
    for (const i of INTERPRETERS) if (exe.startsWith(i, base)) return comm
  }
  return exe ?? comm
}
