/**
 * What would stop `auditship run` on this machine with a valid configuration, or leave it
 * delivering nothing: the state dir or the dead-letter file that cannot be created or written,
 * the server port taken (run refuses to start: AS_RUN_PREFLIGHT, exit 73), directories that
 * other users can write in and symlinks where auditship writes files (preflight-safety.ts);
 * and the audit log missing or unreadable, which does not stop run (`stops: false`): it waits
 * for the log, and /readyz says why it is not ready. `check-config` reports all of them as
 * warnings with the fix.
 *
 * MUST NOT throw: every problem is a value with the key it is about, what is wrong and the fix.
 * MUST NOT change the machine: nothing is created or written (the port is bound for an instant
 *      and released, which is the only way to know it is free).
 */
import { access, constants, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { AppErrors, type ErrorDef } from '../errors.js'
import { parseListen } from './listen.js'
import { cannotRead, errnoText } from './messages.js'
import { configDefaults } from './defaults.js'
import type { Config } from './types.js'
import { checkSafety } from './preflight-safety.js'

export interface PreflightIssue {
  /** the configuration key it is about (`source.path`, `state_dir` …) */
  path: string
  message: string
  /** what to do about it */
  fix: string
  /** AppErrors.PREFLIGHT: what `run` stops with */
  error: ErrorDef
  /** false: run starts anyway and waits (not ready) until it is fixed */
  stops: boolean
}

export interface PreflightOptions {
  /** try to bind server.listen (default true) */
  port?: boolean
}

const DEFAULT_AUDIT_LOG = configDefaults().source.path

type Stat = Awaited<ReturnType<typeof stat>>

function issue (path: string, message: string, fix: string, stops = true): PreflightIssue {
  return { path, message, fix, error: AppErrors.PREFLIGHT, stops }
}

async function statOf (p: string): Promise<Stat | NodeJS.ErrnoException> {
  try { return await stat(p) } catch (err) { return err as NodeJS.ErrnoException }
}

async function denied (p: string, mode: number): Promise<NodeJS.ErrnoException | undefined> {
  try { await access(p, mode); return undefined } catch (err) { return err as NodeJS.ErrnoException }
}

/** The audit log: a file that exists and can be read (not in plugin mode). */
export async function checkSource (c: Config): Promise<PreflightIssue[]> {
  if (c.source.stdin) return []
  const p = c.source.path
  const st = await statOf(p)
  if (st instanceof Error) {
    if (st.code !== 'ENOENT') return [issue('source.path', cannotRead(p, st), 'run auditship as a user that can reach the file (root, or the group of log_group in auditd.conf)', false)]
    return [issue('source.path', `${p} does not exist`, p === DEFAULT_AUDIT_LOG
      ? 'install and start auditd (apt-get install auditd; systemctl enable --now auditd)'
      : `set source.path to the log auditd writes (log_file in auditd.conf, by default ${DEFAULT_AUDIT_LOG})`, false)]
  }
  if (st.isDirectory()) return [issue('source.path', `${p} is a directory, not the audit log`, `set source.path to the log file itself (e.g. ${join(p, 'audit.log')})`, false)]
  const e = await denied(p, constants.R_OK)
  if (e !== undefined) return [issue('source.path', cannotRead(p, e), 'run auditship as root, or in the group that can read the log (log_group in auditd.conf, e.g. adm)', false)]
  return []
}

/**
 * A directory that `run` creates when missing and writes in: it exists and is a writable
 * directory, or the nearest existing parent is one (so it can be created).
 */
export async function checkWritableDir (key: string, dir: string, what: string): Promise<PreflightIssue[]> {
  let d = dir
  for (;;) {
    const st = await statOf(d)
    if (!(st instanceof Error)) {
      if (!st.isDirectory()) return [issue(key, `cannot create ${what} ${dir}: ${d} is not a directory`, `set ${key} to a directory path`)]
      const e = await denied(d, constants.W_OK | constants.X_OK)
      if (e === undefined) return []
      const verb = d === dir ? `cannot write in ${what} ${dir}` : `cannot create ${what} ${dir}: ${d} is not writable`
      return [issue(key, `${verb}: ${errnoText(e)}`, `create it for the user auditship runs as (install -d -m 0700 -o <user> ${dir}), or set ${key} to a directory it can write`)]
    }
    if (st.code !== 'ENOENT' && st.code !== 'ENOTDIR') return [issue(key, `cannot reach ${what} ${dir}: ${errnoText(st)}`, `check the permissions of ${d}`)]
    const up = dirname(d)
    if (up === d) return [issue(key, `cannot create ${what} ${dir}`, `set ${key} to an absolute path`)]
    d = up
  }
}

/** The state dir: where the checkpoint is written (created at start when missing). */
export async function checkStateDir (c: Config): Promise<PreflightIssue[]> {
  return await checkWritableDir('state_dir', c.state_dir, 'the state dir')
}

/** The dead-letter file: appended to (created, with its directory, when missing). */
export async function checkDeadLetter (c: Config): Promise<PreflightIssue[]> {
  const key = c.delivery.dead_letter_path === null ? 'state_dir' : 'delivery.dead_letter_path'
  const p = c.delivery.dead_letter_path ?? join(c.state_dir, 'dead-letter.ndjson')
  const st = await statOf(p)
  if (st instanceof Error) {
    if (st.code !== 'ENOENT' && st.code !== 'ENOTDIR') return [issue(key, `cannot reach the dead-letter file ${p}: ${errnoText(st)}`, `check the permissions of ${dirname(p)}`)]
    // created at the first entry: its directory must be creatable; state_dir is checked apart
    return key === 'state_dir' ? [] : await checkWritableDir(key, dirname(p), 'the directory of the dead-letter file')
  }
  if (st.isDirectory()) return [issue(key, `the dead-letter file ${p} is a directory`, 'set delivery.dead_letter_path to a file path')]
  const e = await denied(p, constants.W_OK)
  return e === undefined ? [] : [issue(key, `cannot write the dead-letter file ${p}: ${errnoText(e)}`, `make it writable by the user auditship runs as (chown <user> ${p}; chmod 0600 ${p})`)]
}

const LISTEN_FIXES: Record<string, string> = {
  EADDRINUSE: 'stop what listens there (ss -ltnp shows it; another auditship?) or change server.listen',
  EACCES: 'use a port above 1023, or give auditship CAP_NET_BIND_SERVICE',
  EADDRNOTAVAIL: 'use an address of this host (127.0.0.1 for local probes) in server.listen',
}

/** The server's address can be bound now (when the server is on). */
export async function checkPort (c: Config): Promise<PreflightIssue[]> {
  if (!c.server.enabled) return []
  const l = parseListen(c.server.listen)
  if (typeof l === 'string') return [] // reported by the configuration's own checks
  const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const srv = createServer()
    srv.once('error', (e: NodeJS.ErrnoException) => { resolve(e) })
    srv.listen({ host: l.host, port: l.port, exclusive: true }, () => { srv.close(() => { resolve(undefined) }) })
  })
  if (err === undefined) return []
  const why = err.code === 'EADDRINUSE' ? 'the port is in use (EADDRINUSE)' : errnoText(err)
  return [issue('server.listen', `cannot listen on ${c.server.listen}: ${why}`, LISTEN_FIXES[err.code ?? ''] ?? 'change server.listen, or set server.enabled: false')]
}

/** Every problem found, in the order of the configuration's keys; [] when run can start. */
export async function preflight (c: Config, o: PreflightOptions = {}): Promise<PreflightIssue[]> {
  const checks = [checkSource(c), checkStateDir(c), checkDeadLetter(c), checkSafety(c)]
  if (o.port !== false) checks.push(checkPort(c))
  try {
    return (await Promise.all(checks)).flat()
  } catch (err) {
    // none of the checks throws; should one, say so rather than crash the caller
    return [issue('(preflight)', `a check failed: ${(err as Error).message}`, 'please report it')]
  }
}
