/**
 * End-to-end helpers for `auditship run`: a log writer that appends realistic events with
 * unique serials, auditd-style rotation and copytruncate, the daemon as a child process, and
 * a reader of the NDJSON it delivers.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, copyFileSync, existsSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { cliPath } from './cli.js'
import { repoRoot } from './pipeline.js'

/** The heap flags the bin runs with (package.json auditship.nodeFlags): run it as installed. */
const settings = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { auditship: { nodeFlags: string[], nodeEnv: Record<string, string> } }).auditship
const nodeFlags = settings.nodeFlags

/** One event of 1–3 records with serial `n` (SYSCALL [+ EXECVE] + PROCTITLE, or a user record). */
export function eventLines (n: number, node = 'e2e'): string {
  const sec = 1700000000 + Math.floor(n / 1000)
  const ms = String(n % 1000).padStart(3, '0')
  const h = `node=${node} type=`
  const id = `msg=audit(${sec}.${ms}:${n}):`
  if (n % 7 === 0) {
    return `${h}USER_ACCT ${id} pid=${1000 + (n % 5000)} uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:accounting grantors=pam_unix acct="root" exe="/usr/sbin/cron" hostname=? addr=? terminal=cron res=success'\n`
  }
  let s = `${h}SYSCALL ${id} arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=${2000 + (n % 30000)} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="echo" exe="/usr/bin/echo" key=(null)\n`
  if (n % 2 === 0) s += `${h}EXECVE ${id} argc=2 a0="echo" a1="${n}"\n`
  s += `${h}PROCTITLE ${id} proctitle=6563686F\n`
  return s
}

/** Records in eventLines(n). */
export function recordsOf (n: number): number {
  if (n % 7 === 0) return 1
  return n % 2 === 0 ? 3 : 2
}

/** A new log at `path` holding events 1…N, N the fewest with at least `minRecords` records; returns N. */
export function writeEventLog (path: string, minRecords: number): number {
  let events = 0
  let records = 0
  while (records < minRecords) records += recordsOf(++events)
  writeFileSync(path, '')
  appendEvents(path, 1, events)
  return events
}

export function appendEvents (path: string, from: number, count: number): number {
  let s = ''
  for (let n = from; n < from + count; n++) s += eventLines(n)
  appendFileSync(path, s)
  return from + count
}

/** auditd's rotation: audit.log.(k) → audit.log.(k+1) …, audit.log → audit.log.1, new audit.log. */
export function rotateAuditd (path: string, keep = 20): void {
  for (let k = keep - 1; k >= 1; k--) {
    if (existsSync(`${path}.${k}`)) renameSync(`${path}.${k}`, `${path}.${k + 1}`)
  }
  if (existsSync(path)) renameSync(path, `${path}.1`)
  writeFileSync(path, '')
}

/** logrotate's copytruncate: copy to .1 (after shifting), truncate in place. */
export function rotateCopyTruncate (path: string, keep = 20): void {
  for (let k = keep - 1; k >= 1; k--) {
    if (existsSync(`${path}.${k}`)) renameSync(`${path}.${k}`, `${path}.${k + 1}`)
  }
  copyFileSync(path, `${path}.1`)
  truncateSync(path, 0)
}

const live = new Set<ChildProcess>()
const killAll = (): void => { for (const c of live) c.kill('SIGKILL') }
process.once('exit', killAll)
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => { killAll(); process.exit(1) })

/**
 * The daemon as installed: without tap's NODE_OPTIONS (its process-info hook caches source
 * maps, ~10 MB of the daemon's small heap).
 */
export function startDaemon (config: string, extraEnv: NodeJS.ProcessEnv = {}, extraArgs: string[] = []): ChildProcess & { stderrText: () => string } {
  // the server is on by default at 127.0.0.1:9477: two test files running at once (tap's
  // jobs) would fight over it. A test that wants the server says where (server.listen).
  const text = readFileSync(config, 'utf8')
  if (!/^server:/m.test(text)) writeFileSync(config, `${text.endsWith('\n') ? text : `${text}\n`}server:\n  enabled: false\n`)
  // tap's process-info hook puts itself back into NODE_OPTIONS of every child it sees
  // spawned; `env -u` drops it in the child itself, before node starts (env execs node)
  const opts = extraEnv.NODE_OPTIONS === undefined ? ['-u', 'NODE_OPTIONS'] : []
  const child = spawn('env', [...opts, process.execPath, ...nodeFlags, cliPath, 'run', '--config', config, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...settings.nodeEnv, ...extraEnv } }) as ChildProcess & { stderrText: () => string }
  // a test that times out or throws must not leave the daemon running
  live.add(child)
  child.once('exit', () => live.delete(child))
  let err = ''
  child.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  child.stdout?.resume()
  child.stderrText = () => err
  return child
}

export async function exited (child: ChildProcess): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode }
  return await new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
}

/** Serials delivered to an NDJSON output file, with how many times each arrived. */
export function delivered (path: string, torn?: { count: number }): Map<number, number> {
  const m = new Map<number, number>()
  if (!existsSync(path)) return m
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.length === 0) continue
    let ev: { auditd: { sequence: number } }
    try {
      ev = JSON.parse(line)
    } catch {
      // a line torn by SIGKILL in the middle of a write (the file sink ends it on restart)
      if (torn !== undefined) torn.count++
      continue
    }
    m.set(ev.auditd.sequence, (m.get(ev.auditd.sequence) ?? 0) + 1)
  }
  return m
}

/** Wait until `cond` is true, polling; false at the timeout. */
export async function until (cond: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (cond()) return true
    await sleep(everyMs)
  }
  return cond()
}

/** A loopback port free right now (bound, then released), for the daemon's server.listen. */
export async function freePort (): Promise<number> {
  const s = createServer()
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as { port: number }
  s.close()
  await once(s, 'close')
  return port
}
