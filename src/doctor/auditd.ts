/**
 * doctor's checks of auditd itself and of the log it writes. The advice follows what was
 * found: auditd not installed (install it), installed but not running (start it), running
 * but the log is elsewhere (where auditd.conf says), the log unreadable (the group).
 * Paths are options so that every outcome can be tested on fixtures. Results, never exceptions.
 */
import { access, constants, readFile, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { CheckResult } from './result.js'

export interface AuditdState {
  /** the auditd binary found, if any */
  binary: string | undefined
  /** the pid of a running auditd, if any */
  pid: string | undefined
}

/** The pids of the processes whose /proc/<pid>/comm is `name`. */
export async function processesNamed (proc: string, name: string): Promise<string[] | undefined> {
  let pids: string[]
  try { pids = (await readdir(proc)).filter((p) => /^\d+$/.test(p)) } catch { return undefined }
  const out: string[] = []
  for (const pid of pids) {
    const comm = await readFile(join(proc, pid, 'comm'), 'utf8').catch(() => '')
    if (comm.trim() === name) out.push(pid)
  }
  return out
}

/** Whether the auditd binary is installed (one of `binaries` is executable) and running. */
export async function auditdState (proc: string, binaries: readonly string[]): Promise<AuditdState> {
  let binary: string | undefined
  for (const b of binaries) {
    try { await access(b, constants.X_OK); binary = b; break } catch { /* next */ }
  }
  const pids = await processesNamed(proc, 'auditd')
  return { binary, pid: pids?.[0] }
}

const INSTALL = 'install and start auditd (apt-get install auditd, or dnf install audit; then systemctl enable --now auditd)'
const START = 'start auditd: systemctl enable --now auditd (journalctl -u auditd says why it stopped)'

export function checkAuditdRunning (s: AuditdState): CheckResult {
  const name = 'auditd running'
  if (s.pid !== undefined) return { name, status: 'ok', detail: `pid ${s.pid}` }
  if (s.binary !== undefined) return { name, status: 'fail', detail: `installed (${s.binary}) but not running: nothing new is written to the audit log`, fix: START }
  return { name, status: 'fail', detail: 'auditd is not installed', fix: INSTALL }
}

export interface AuditLogContext {
  /** what is known of auditd: the advice for a missing log depends on it */
  auditd?: AuditdState
  /** auditd.conf's log_file, when known */
  logFile?: string
  /** where the path comes from, shown after it (` (source.path of FILE)`) */
  from?: string
}

/** The audit log auditship would read can be read. */
export async function checkAuditLog (path: string, ctx: AuditLogContext = {}): Promise<CheckResult> {
  const name = 'audit log readable'
  const shown = path + (ctx.from ?? '')
  let isDir = false
  try {
    isDir = (await stat(path)).isDirectory()
    if (!isDir) await access(path, constants.R_OK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (code !== 'ENOENT') return { name, status: 'fail', detail: `${shown}: ${code}`, fix: 'run auditship as root or in a group that can read /var/log/audit (log_group in auditd.conf)' }
    return { name, status: 'fail', detail: `${shown}: not found (ENOENT)`, fix: missingLogFix(path, ctx.auditd, ctx.logFile) }
  }
  if (isDir) return { name, status: 'fail', detail: `${shown} is a directory`, fix: `give the log file itself (e.g. ${join(path, 'audit.log')})` }
  return { name, status: 'ok', detail: shown }
}

function missingLogFix (path: string, s: AuditdState | undefined, logFile: string | undefined): string {
  if (s === undefined || (s.binary === undefined && s.pid === undefined)) return INSTALL
  if (logFile !== undefined && logFile !== path) return `auditd.conf writes the log to ${logFile}: set source.path (or --audit-log) to it`
  if (s.pid === undefined) return 'start auditd (see "auditd running"): it creates the log'
  return 'auditd runs but has not written this file: check log_file and write_logs in auditd.conf'
}
