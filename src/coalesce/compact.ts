/**
 * output.records (schemas/config.schema.json): how much of auditd.records a document keeps.
 *
 * - full: every record, every field (what build.ts made).
 * - compact: a field is left out of a record when the ECS field built from that very record
 *   holds the same value, so it can be read back from there (the table below); every other
 *   field, record and the enriched part's other names stay.
 * - none: no auditd.records at all.
 *
 * Runs after enrichment and before validation, on the finished document (in place), no throw.
 */
import type { AuditshipEvent, EventRecord, ShippedEvent } from '../event/types.js'
import { describedPath } from './file.js'

export const RECORDS_MODES = ['full', 'compact', 'none'] as const
export type RecordsMode = typeof RECORDS_MODES[number]

type Doc = AuditshipEvent
type Getter = (doc: Doc) => string | number | undefined

/** fields of the primary record (SYSCALL, else the first) → the ECS field that carries them */
const PRIMARY: Readonly<Record<string, Getter>> = {
  pid: (d) => d.process?.pid,
  ppid: (d) => d.process?.parent?.pid,
  comm: (d) => d.process?.name,
  exe: (d) => d.process?.executable,
  uid: (d) => d.user?.id,
  gid: (d) => d.user?.group?.id,
  auid: (d) => d.user?.audit?.id,
  euid: (d) => d.user?.effective?.id,
  ses: (d) => d.auditd.session,
  exit: (d) => d.auditd.exit,
  acct: (d) => d.user?.target?.name,
  id: (d) => d.user?.target?.id,
  teleportUser: (d) => d.teleport?.user,
  addr: (d) => d.teleport?.addr,
  terminal: (d) => d.teleport?.terminal,
}
const PRIMARY_ENRICHED: Readonly<Record<string, Getter>> = {
  UID: (d) => d.user?.name,
  GID: (d) => d.user?.group?.name,
  AUID: (d) => d.user?.audit?.name,
  EUID: (d) => d.user?.effective?.name,
  ARCH: (d) => d.auditd.arch,
  SYSCALL: (d) => d.auditd.syscall,
}
const CWD: Readonly<Record<string, Getter>> = { cwd: (d) => d.process?.working_directory }
const PROCTITLE: Readonly<Record<string, Getter>> = { proctitle: (d) => d.process?.title }
const PATH: Readonly<Record<string, Getter>> = {
  name: (d) => d.file?.path,
  inode: (d) => d.file?.inode,
  dev: (d) => d.file?.device,
  mode: (d) => d.file?.mode,
  ouid: (d) => d.file?.uid,
  ogid: (d) => d.file?.gid,
}
const PATH_ENRICHED: Readonly<Record<string, Getter>> = {
  OUID: (d) => d.file?.owner,
  OGID: (d) => d.file?.group,
}

/** Apply the mode to the document in place (full: nothing to do). */
export function applyRecordsMode (doc: Doc, mode: RecordsMode): void {
  if (mode === 'full') return
  if (mode === 'none') { delete (doc.auditd as ShippedEvent['auditd']).records; return }
  const records = doc.auditd.records
  let primary = -1; let cwd = -1; let proctitle = -1
  let paths: number[] | undefined
  for (let i = 0; i < records.length; i++) {
    switch (records[i].type) {
      case 'SYSCALL': if (primary < 0) primary = i; break
      case 'CWD': if (cwd < 0) cwd = i; break
      case 'PROCTITLE': if (proctitle < 0) proctitle = i; break
      case 'PATH': (paths ??= []).push(i); break
      case 'EXECVE': records[i] = withoutArgs(records[i], doc); break
    }
  }
  if (primary < 0) primary = 0
  records[primary] = without(records[primary], doc, PRIMARY, PRIMARY_ENRICHED)
  if (cwd >= 0) records[cwd] = without(records[cwd], doc, CWD, undefined)
  if (proctitle >= 0) records[proctitle] = without(records[proctitle], doc, PROCTITLE, undefined)
  if (paths !== undefined) {
    const p = describedPath(paths, (i) => records[i].fields)
    records[p] = without(records[p], doc, PATH, PATH_ENRICHED)
  }
}

function same (v: string, ecs: string | number | undefined): boolean {
  return ecs !== undefined && (typeof ecs === 'string' ? ecs === v : String(ecs) === v)
}

function pick (from: Readonly<Record<string, string>>, doc: Doc, table: Readonly<Record<string, Getter>>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined
  for (const k in from) {
    const get = table[k]
    if (get !== undefined && same(from[k], get(doc))) { out ??= copyUntil(from, k); continue }
    if (out !== undefined) out[k] = from[k]
  }
  return out
}

/** the keys of `from` before `stop` (the first one left out) */
function copyUntil (from: Readonly<Record<string, string>>, stop: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in from) { if (k === stop) break; out[k] = from[k] }
  return out
}

function without (r: EventRecord, doc: Doc, fields: Readonly<Record<string, Getter>>, enriched: Readonly<Record<string, Getter>> | undefined): EventRecord {
  const f = pick(r.fields, doc, fields)
  const e = enriched === undefined || r.enriched === undefined ? undefined : pick(r.enriched, doc, enriched)
  if (f === undefined && e === undefined) return r
  const out: EventRecord = { ...r, fields: f ?? r.fields }
  if (e !== undefined) {
    if (Object.keys(e).length === 0) delete out.enriched
    else out.enriched = e
  }
  return out
}

/** EXECVE: argc when process.args_count says it, aN when process.args[N] is the same string */
function withoutArgs (r: EventRecord, doc: Doc): EventRecord {
  const args = doc.process?.args
  if (args === undefined) return r
  let out: Record<string, string> | undefined
  for (const k in r.fields) {
    const v = r.fields[k]
    const drop = k === 'argc' ? same(v, doc.process?.args_count) : isArgKey(k) && args[Number(k.slice(1))] === v
    if (drop) { out ??= copyUntil(r.fields, k); continue }
    if (out !== undefined) out[k] = v
  }
  return out === undefined ? r : { ...r, fields: out }
}

/** a0, a1, … (not a0_len or a0[1]) */
function isArgKey (k: string): boolean {
  if (k.length < 2 || k.charCodeAt(0) !== 97) return false
  for (let i = 1; i < k.length; i++) {
    const c = k.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}
