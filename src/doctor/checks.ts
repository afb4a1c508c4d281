/**
 * `auditship doctor`: check a node's audit setup the way an operator does by hand. Each check
 * is a small function over files and commands whose paths are options, so that every
 * outcome can be tested on fixtures. Results, never exceptions.
 */
import { readFile, readdir } from 'node:fs/promises'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { configDefaults } from '../config/defaults.js'
import { loadConfig } from '../config/load.js'
import { prepare } from '../config/prepare.js'
import { auditdState, checkAuditdRunning, checkAuditLog } from './auditd.js'
import type { CheckResult } from './result.js'
import { redact } from '../telemetry/redact.js'

export type { CheckResult, Status } from './result.js'
export { checkAuditLog } from './auditd.js'

export interface DoctorOptions {
  /** the audit log to check; undefined: the config's source.path, else the default */
  auditLog?: string
  /** where the auditd binary may be installed (the first executable one counts) */
  auditdBin: string[]
  auditdConf: string
  teleportYaml: string
  proc: string
  /** run `auditctl -s`; undefined: skip */
  auditctl: string | undefined
  config: string | undefined
}

export const DEFAULT_DOCTOR: DoctorOptions = {
  auditLog: configDefaults().source.path,
  auditdBin: ['/usr/sbin/auditd', '/sbin/auditd'],
  auditdConf: '/etc/audit/auditd.conf',
  teleportYaml: '/etc/teleport.yaml',
  proc: '/proc',
  auditctl: 'auditctl',
  config: undefined,
}

/** key = value lines of auditd.conf */
export function parseAuditdConf (text: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    if (eq > 0) m.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim())
  }
  return m
}

export async function checkAuditdConf (path: string): Promise<CheckResult[]> {
  let text: string
  try { text = await readFile(path, 'utf8') } catch (err) {
    return [{ name: 'auditd.conf', status: 'warn', detail: `${path}: ${(err as NodeJS.ErrnoException).code ?? ''}`, fix: 'point --auditd-conf at the node\'s auditd.conf' }]
  }
  const c = parseAuditdConf(text)
  const out: CheckResult[] = []
  const fmt = (c.get('log_format') ?? 'ENRICHED').toUpperCase()
  out.push(fmt === 'ENRICHED'
    ? { name: 'log_format', status: 'ok', detail: 'ENRICHED: user and group names are resolved on the node' }
    : { name: 'log_format', status: 'warn', detail: `${fmt}: ids stay numeric in the events`, fix: 'set log_format = ENRICHED in auditd.conf (or run with enrich.resolve_ids)' })
  const eoe = Number(c.get('end_of_event_timeout') ?? '2')
  out.push(Number.isFinite(eoe) && eoe >= 1
    ? { name: 'end_of_event_timeout', status: 'ok', detail: `${eoe} s (set correlate.event_timeout_secs to the same)` }
    : { name: 'end_of_event_timeout', status: 'warn', detail: `"${c.get('end_of_event_timeout') ?? ''}"`, fix: 'use a whole number of seconds ≥ 1' })
  return out
}

/** `auditctl -s` output: enabled, lost, backlog */
export function parseAuditctlStatus (text: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const line of text.split('\n')) {
    const sp = line.trim().indexOf(' ')
    if (sp > 0) m.set(line.trim().slice(0, sp), line.trim().slice(sp + 1).trim())
  }
  return m
}

export function checkAuditctl (cmd: string | undefined): CheckResult {
  if (cmd === undefined) return { name: 'auditd status', status: 'warn', detail: 'skipped' }
  const r = spawnSync(cmd, ['-s'], { encoding: 'utf8' })
  if (r.error !== undefined || r.status !== 0) return { name: 'auditd status', status: 'warn', detail: `cannot run ${cmd} -s: ${r.error?.message ?? r.stderr.trim()}`, fix: 'run doctor as root on the node (auditctl needs CAP_AUDIT_CONTROL)' }
  const s = parseAuditctlStatus(r.stdout)
  if (s.get('enabled') === '0') return { name: 'auditd status', status: 'fail', detail: 'auditing is disabled (enabled 0)', fix: 'auditctl -e 1 (and check /etc/audit/rules.d)' }
  const lost = Number(s.get('lost') ?? '0')
  if (lost > 0) return { name: 'auditd status', status: 'warn', detail: `the kernel lost ${lost} records (backlog ${s.get('backlog') ?? '?'} of ${s.get('backlog_limit') ?? '?'})`, fix: 'raise the backlog (-b in audit.rules) or reduce the rules' }
  return { name: 'auditd status', status: 'ok', detail: `enabled ${s.get('enabled') ?? '?'}, lost 0, backlog ${s.get('backlog') ?? '?'}` }
}

/** Teleport processes: /proc/<pid>/comm == teleport; their loginuid must be unset and they must run as root. */
export async function checkTeleportProcesses (proc: string): Promise<CheckResult[]> {
  let pids: string[]
  try { pids = (await readdir(proc)).filter((p) => /^\d+$/.test(p)) } catch { return [{ name: 'teleport process', status: 'warn', detail: `cannot list ${proc}` }] }
  const out: CheckResult[] = []
  for (const pid of pids) {
    let comm: string
    try { comm = (await readFile(join(proc, pid, 'comm'), 'utf8')).trim() } catch { continue }
    if (comm !== 'teleport') continue
    const loginuid = (await readFile(join(proc, pid, 'loginuid'), 'utf8').catch(() => '')).trim()
    const status = await readFile(join(proc, pid, 'status'), 'utf8').catch(() => '')
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1]
    if (loginuid !== '4294967295') out.push({ name: `teleport ${pid} loginuid`, status: 'fail', detail: `loginuid is ${loginuid === '' ? 'unreadable' : loginuid}: sessions get the wrong audit session id`, fix: 'start Teleport from systemd (not a login shell) so that its loginuid stays unset (4294967295)' })
    else out.push({ name: `teleport ${pid} loginuid`, status: 'ok', detail: 'unset (4294967295)' })
    if (uid !== '0') out.push({ name: `teleport ${pid} user`, status: 'fail', detail: `runs as uid ${uid ?? '?'}: Teleport only sends audit records as root`, fix: 'run the Teleport SSH service as root' })
  }
  if (out.length === 0) out.push({ name: 'teleport process', status: 'warn', detail: 'no running teleport process found', fix: 'start Teleport, or ignore on a node without it' })
  return out
}

export async function checkTeleportPam (path: string): Promise<CheckResult> {
  let text: string
  try { text = await readFile(path, 'utf8') } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (code === 'ENOENT') return { name: 'teleport PAM', status: 'warn', detail: `${path} not found`, fix: 'point --teleport-yaml at teleport.yaml, or ignore on a node without Teleport' }
    return { name: 'teleport PAM', status: 'warn', detail: `${path} not readable (${code})`, fix: 'run doctor as root (teleport.yaml is usually readable by root only)' }
  }
  const doc = parseDocument(text).toJS() as { ssh_service?: { pam?: { enabled?: unknown, service_name?: unknown } } } | null
  const pam = doc?.ssh_service?.pam
  if (pam?.enabled === true || pam?.enabled === 'yes') {
    return { name: 'teleport PAM', status: 'ok', detail: `enabled (service ${String(pam.service_name ?? 'teleport')}): sessions get an audit session id, attribution by ses` }
  }
  return { name: 'teleport PAM', status: 'warn', detail: 'disabled: no audit session id; events are attributed through the process tree only', fix: 'enable ssh_service.pam with pam_loginuid in the PAM stack for session-id attribution, and audit execve/clone (-a always,exit -F arch=b64 -S execve,clone,clone3)' }
}

/** The config is valid (secrets and TLS files included), and each sink answers its health call. */
export async function checkConfigFile (path: string | undefined): Promise<CheckResult[]> {
  if (path === undefined) return [{ name: 'auditship config', status: 'warn', detail: 'not given (--config FILE)' }]
  const p = await prepare(path)
  if (!p.ok) return [{ name: 'auditship config', status: 'fail', detail: p.errors.map((e) => `${e.path}: ${e.message}`).join('; '), fix: 'auditship check-config --config ' + path }]
  const out: CheckResult[] = [{ name: 'auditship config', status: 'ok', detail: `${path} is valid` }]
  for (const { sink } of p.sinks) {
    if (sink.health === undefined) { await sink.close(); continue }
    const h = await sink.health()
    // the endpoint's answer, quoted: redacted (a peer may echo our credentials)
    const detail = redact(h.detail)
    out.push(h.ok
      ? { name: `sink ${sink.name}`, status: 'ok', detail }
      : { name: `sink ${sink.name}`, status: 'fail', detail, fix: 'check the endpoint, its credentials (auth, token) and tls settings; events wait on disk meanwhile' })
    await sink.close()
  }
  return out
}

/**
 * The audit log to check: --audit-log when given, else the config's source.path (none in
 * plugin mode), else the default.
 */
async function auditLogOf (o: DoctorOptions): Promise<{ path: string, from: string } | { stdin: true }> {
  if (o.auditLog !== undefined) return { path: o.auditLog, from: '' }
  if (o.config !== undefined) {
    const c = await loadConfig(o.config)
    if (c.ok) return c.config.source.stdin ? { stdin: true } : { path: c.config.source.path, from: ` (source.path of ${o.config})` }
  }
  return { path: configDefaults().source.path, from: '' }
}

export async function runChecks (o: DoctorOptions): Promise<CheckResult[]> {
  const auditd = await auditdState(o.proc, o.auditdBin)
  const conf = await readFile(o.auditdConf, 'utf8').then(parseAuditdConf, () => undefined)
  const log = await auditLogOf(o)
  let logCheck: CheckResult
  if ('stdin' in log) {
    logCheck = { name: 'audit log readable', status: 'ok', detail: `plugin mode (source.stdin of ${o.config ?? ''}): auditd feeds auditship on stdin, no file is read` }
  } else {
    logCheck = await checkAuditLog(log.path, { auditd, logFile: conf?.get('log_file'), from: log.from })
  }
  return [
    checkAuditdRunning(auditd),
    logCheck,
    checkAuditctl(o.auditctl),
    ...await checkAuditdConf(o.auditdConf),
    ...await checkTeleportProcesses(o.proc),
    await checkTeleportPam(o.teleportYaml),
    ...await checkConfigFile(o.config),
  ]
}
