/**
 * The process: pid, parent, name, executable from the primary record; working directory (CWD),
 * title (PROCTITLE) and argv (EXECVE, long arguments reassembled) from their records.
 */
import type { AuditshipEvent } from '../event/types.js'
import type { Draft } from './draft.js'
import { reassembleArgs } from './execve.js'
import { toInt } from './int.js'

export function fillProcess (d: Draft): void {
  const { pf, parsed } = d
  const proc: NonNullable<AuditshipEvent['process']> = {}
  let hasProc = false
  const pid = toInt(pf.pid)
  if (pid !== undefined) { proc.pid = pid; hasProc = true }
  const ppid = toInt(pf.ppid)
  if (ppid !== undefined) { proc.parent = { pid: ppid }; hasProc = true }
  if (pf.comm !== undefined) { proc.name = pf.comm; hasProc = true }
  if (pf.exe !== undefined && pf.exe !== '?') { proc.executable = pf.exe; hasProc = true }
  // the CWD record of a syscall, else the cwd= a user-space record carries (USER_CMD)
  const cwd = d.cwd >= 0 ? parsed[d.cwd].fields.cwd : pf.cwd
  if (cwd !== undefined) { proc.working_directory = cwd; hasProc = true }
  if (d.proctitle >= 0) {
    const t = parsed[d.proctitle].fields.proctitle
    if (t !== undefined) { proc.title = t; hasProc = true }
  }
  if (d.execve !== undefined) {
    const a = reassembleArgs(d.execve, d.ev.dropped !== undefined)
    proc.args = a.args
    proc.args_count = a.argc ?? a.args.length
    const dropped = d.doc.auditd.dropped
    if (a.missing !== undefined && dropped !== undefined) { dropped.args = a.missing.count; dropped.args_from = a.missing.from }
    if (a.escaped) (d.warnings ??= []).push('process.args: non-UTF-8 bytes percent-escaped')
    hasProc = true
  }
  if (hasProc) d.doc.process = proc
}
