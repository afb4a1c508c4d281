/**
 * Actor / action / object / how: a one-line reading of an event, after go-libaudit's
 * aucoalesce (docs/sinks.md §4.1). Pure; reads only the built document.
 */
import type { AuditshipEvent, Summary } from '../event/types.js'

function endpoint (e: AuditshipEvent['destination']): string | undefined {
  if (e === undefined) return undefined
  if (e.ip !== undefined) return e.port === undefined ? e.ip : (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`)
  return e.path ?? e.domain
}

export function summarize (doc: AuditshipEvent, objectType: string | undefined): Summary | undefined {
  const s: Summary = {}
  const u = doc.user
  const primary = u?.audit?.name ?? u?.audit?.id
  const secondary = u?.target?.name ?? u?.name ?? u?.id
  if (primary !== undefined || secondary !== undefined) {
    s.actor = {}
    s.actor.primary = primary ?? 'unset'
    if (secondary !== undefined) s.actor.secondary = secondary
  }
  if (doc.event.action !== undefined) s.action = doc.event.action

  const f = doc.auditd.records[0].fields
  let obj: string | undefined
  let obj2: string | undefined
  switch (objectType) {
    case 'socket':
      obj = endpoint(doc.destination) ?? endpoint(doc.source)
      break
    case 'user-session':
      obj = f.terminal
      obj2 = doc.source?.ip ?? doc.source?.domain
      break
    case 'account':
      obj = f.acct ?? f.id ?? f.grp
      break
    case 'process':
      obj = doc.process?.args?.join(' ') ?? doc.process?.title ?? f.cmd
      break
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
  const how = doc.process?.executable ?? doc.process?.name
  if (how !== undefined) s.how = how
  return s.actor === undefined && s.action === undefined && s.object === undefined && s.how === undefined ? undefined : s
}
