/**
 * Records of one event → the shipped document (schemas/event.schema.json, design §3).
 *
 * Pure: the same records always give the same document. Host-dependent enrichment (passwd
 * lookups) and the Teleport join are applied by later stages on the built document.
 */
import { isIP } from 'node:net'
import type { AuditEventRecords } from '../correlate/reassembler.js'
import { parseFields, type RecordFields } from '../parse/fields.js'
import { decodeSaddr, type SockAddr } from '../parse/decode.js'
import { archName, syscallName } from '../audit/arch.js'
import { T } from '../audit/record-types.js'
import { UNSET_ID } from '../audit/ids.js'
import { categorizeSyscall, categorizeType, type Categorization } from '../enrich/ecs.js'
import { reassembleArgs } from '../enrich/execve.js'
import { summarize } from '../enrich/summary.js'
import type { AuditshipEvent, EventRecord, Endpoint } from './types.js'

let tsCacheSec = -1
let tsCachePrefix = ''

/** ISO-8601 UTC with milliseconds; the per-second prefix is cached (records come in runs). */
export function isoTimestamp (sec: number, ms: number): string {
  if (sec !== tsCacheSec) {
    const s = new Date(sec * 1000).toISOString() // 2021-03-07T10:50:32.000Z
    tsCachePrefix = s.slice(0, s.length - 4)
    tsCacheSec = sec
  }
  return tsCachePrefix + (ms < 10 ? '00' : ms < 100 ? '0' : '') + ms + 'Z'
}

function outcomeOf (v: string | undefined): 'success' | 'failure' | undefined {
  if (v === undefined) return undefined
  switch (v) {
    case 'yes': case 'success': case '1': return 'success'
    case 'no': case 'failed': case 'fail': case '0': return 'failure'
    default: return undefined
  }
}

function toInt (v: string | undefined): number | undefined {
  if (v === undefined || v.length === 0 || v.length > 15) return undefined
  const n = Number(v)
  return Number.isInteger(n) ? n : undefined
}

/** A user-space `addr=`: an IP, `ip:port` (Teleport), `[v6]:port`, or a host name. */
export function parseAddr (addr: string): Endpoint | undefined {
  if (addr === '?' || addr === '' || addr === '(none)') return undefined
  if (isIP(addr) !== 0) return { ip: addr }
  if (addr.charCodeAt(0) === 91 /* [ */) {
    const close = addr.indexOf(']')
    if (close > 0) {
      const ip = addr.slice(1, close)
      const port = addr.charCodeAt(close + 1) === 58 ? toInt(addr.slice(close + 2)) : undefined
      if (isIP(ip) === 6) return port === undefined ? { ip } : { ip, port }
    }
    return undefined
  }
  const colon = addr.lastIndexOf(':')
  if (colon > 0 && addr.indexOf(':') === colon) {
    const ip = addr.slice(0, colon)
    const port = toInt(addr.slice(colon + 1))
    if (isIP(ip) === 4 && port !== undefined) return { ip, port }
  }
  return { domain: addr }
}

function sockEndpoint (sa: SockAddr): Endpoint {
  const e: Endpoint = {}
  if (sa.addr !== undefined) e.ip = sa.addr
  if (sa.port !== undefined) e.port = sa.port
  if (sa.path !== undefined) e.path = sa.path
  return e
}

const INGRESS_SYSCALLS = new Set(['accept', 'accept4', 'recvfrom', 'recvmsg', 'recvmmsg', 'bind', 'listen'])

export interface BuildOptions {
  /** keep each record's raw text in event.original */
  includeOriginal?: boolean
}

export function buildEvent (ev: AuditEventRecords, opts: BuildOptions = {}): AuditshipEvent {
  const n = ev.records.length
  const records: EventRecord[] = new Array(n)
  const parsed: RecordFields[] = new Array(n)
  let sys = -1; let cwd = -1; let proctitle = -1; let saddr = -1
  let execve: Array<Record<string, string>> | undefined
  let paths: number[] | undefined
  let warnings: string[] | undefined

  for (let i = 0; i < n; i++) {
    const r = ev.records[i]
    const f = parseFields(r.body, r.typeNum, r.ascii)
    parsed[i] = f
    const out: EventRecord = { type: r.type, fields: f.fields }
    if (f.enriched !== undefined) out.enriched = f.enriched
    if (f.escaped !== undefined) out.escaped = f.escaped
    if (f.text !== undefined) out.text = f.text
    records[i] = out
    switch (r.typeNum) {
      case T.SYSCALL: if (sys < 0) sys = i; break
      case T.EXECVE: (execve ??= []).push(f.fields); break
      case T.PATH: (paths ??= []).push(i); break
      case T.CWD: if (cwd < 0) cwd = i; break
      case T.PROCTITLE: if (proctitle < 0) proctitle = i; break
      case T.SOCKADDR: if (saddr < 0) saddr = i; break
    }
  }

  const primaryIdx = sys >= 0 ? sys : 0
  const primary = ev.records[primaryIdx]
  const pf = parsed[primaryIdx].fields
  const pe = parsed[primaryIdx].enriched

  const doc: AuditshipEvent = {
    '@timestamp': isoTimestamp(ev.sec, ev.ms),
    event: { kind: 'event', module: 'auditd' },
    auditd: {
      sequence: ev.serial,
      complete: ev.complete,
      message_type: primary.type.toLowerCase(),
      records,
    },
  }
  const auditd = doc.auditd
  if (ev.node !== undefined) auditd.node = ev.node
  if (!ev.complete && ev.reason !== 'eoe' && ev.reason !== 'last-record') auditd.closed_by = ev.reason

  // ---- categorization and outcome
  let cat: Categorization | undefined
  if (sys >= 0) {
    const arch = pf.arch
    const nr = pf.syscall
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
  }
  // a record that says what the syscall did (LOGIN, AVC, CONFIG_CHANGE, ANOM_*, a user
  // message sent during it …) describes the event better than the syscall's name
  for (let i = 0; i < n; i++) {
    if (i === sys) continue
    const c = categorizeType(ev.records[i].type)
    if (c !== undefined) { cat = c; break }
  }
  if (cat !== undefined) {
    if (cat.action !== '') doc.event.action = cat.action
    doc.event.category = cat.category as string[]
    doc.event.type = cat.type as string[]
  }
  const outcome = outcomeOf(pf.success ?? pf.res ?? pf.result)
  if (outcome !== undefined) {
    doc.event.outcome = outcome
    auditd.result = outcome === 'success' ? 'success' : 'fail'
  }

  // ---- session and user
  const ses = pf.ses
  if (ses !== undefined && ses !== UNSET_ID) auditd.session = ses
  const uid = pf.uid
  if (uid !== undefined) {
    const user: NonNullable<AuditshipEvent['user']> = { id: uid }
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
    doc.user = user
  }
  const acct = pf.acct
  if (acct !== undefined && sys < 0) {
    // the account a user-space record acts on (login, su target, new user …)
    const u = (doc.user ??= {})
    u.target = { name: acct }
    if (pf.id !== undefined && pf.id !== UNSET_ID) u.target.id = pf.id
  }

  // ---- process
  const proc: NonNullable<AuditshipEvent['process']> = {}
  let hasProc = false
  const pid = toInt(pf.pid)
  if (pid !== undefined) { proc.pid = pid; hasProc = true }
  const ppid = toInt(pf.ppid)
  if (ppid !== undefined) { proc.parent = { pid: ppid }; hasProc = true }
  if (pf.comm !== undefined) { proc.name = pf.comm; hasProc = true }
  if (pf.exe !== undefined && pf.exe !== '?') { proc.executable = pf.exe; hasProc = true }
  if (cwd >= 0) {
    const c = parsed[cwd].fields.cwd
    if (c !== undefined) { proc.working_directory = c; hasProc = true }
  }
  if (proctitle >= 0) {
    const t = parsed[proctitle].fields.proctitle
    if (t !== undefined) { proc.title = t; hasProc = true }
  }
  if (execve !== undefined) {
    const a = reassembleArgs(execve)
    proc.args = a.args
    proc.args_count = a.argc ?? a.args.length
    if (a.escaped) (warnings ??= []).push('process.args: non-UTF-8 bytes percent-escaped')
    hasProc = true
  }
  if (hasProc) doc.process = proc

  // ---- file: the first PATH that is not the parent directory
  if (paths !== undefined) {
    let pick = paths[0]
    for (const i of paths) {
      if (parsed[i].fields.nametype !== 'PARENT') { pick = i; break }
    }
    const f = parsed[pick].fields
    const fe = parsed[pick].enriched
    const file: NonNullable<AuditshipEvent['file']> = {}
    if (f.name !== undefined && f.name !== '(null)') file.path = f.name
    if (f.inode !== undefined) file.inode = f.inode
    if (f.dev !== undefined) file.device = f.dev
    if (f.mode !== undefined) file.mode = f.mode
    if (f.ouid !== undefined) file.uid = f.ouid
    if (f.ogid !== undefined) file.gid = f.ogid
    if (fe?.OUID !== undefined) file.owner = fe.OUID
    if (fe?.OGID !== undefined) file.group = fe.OGID
    doc.file = file
  }

  // ---- network: SOCKADDR, or addr= of user-space records
  if (saddr >= 0) {
    const raw = parsed[saddr].fields.saddr
    const sa = raw === undefined ? undefined : decodeSaddr(raw)
    if (sa !== undefined) {
      auditd.socket = sa
      const ep = sockEndpoint(sa)
      const sn = auditd.syscall
      if (sn !== undefined && INGRESS_SYSCALLS.has(sn)) {
        doc.source = ep
        doc.network = { direction: 'ingress' }
      } else {
        doc.destination = ep
        if (sa.family === 'inet' || sa.family === 'inet6') doc.network = { direction: 'egress' }
      }
    }
  } else if (pf.addr !== undefined) {
    const ep = parseAddr(pf.addr)
    if (ep !== undefined) doc.source = ep
    const host = pf.hostname
    if (host !== undefined && host !== '?' && host !== pf.addr) (doc.source ??= {}).domain = host
  }

  // ---- rule keys → tags
  const key = pf.key
  if (key !== undefined && key !== '(null)' && key !== '') {
    doc.tags = key.indexOf('\x01') === -1 ? [key] : key.split('\x01')
  }

  if (opts.includeOriginal === true) {
    doc.event.original = ev.records.map((r) => (r.node === undefined ? '' : `node=${r.node} `) + `type=${r.type} msg=audit(${r.sec}.${String(r.ms).padStart(3, '0')}:${r.serial}): ${r.body}`)
  }
  const summary = summarize(doc, cat?.objectType)
  if (summary !== undefined) auditd.summary = summary
  if (warnings !== undefined) auditd.warnings = warnings
  return doc
}
