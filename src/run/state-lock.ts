/**
 * One daemon per state dir: `<state_dir>/auditship.lock`, holding the holder's pid, its start
 * time (/proc/<pid>/stat) and the boot id, taken at start and removed at exit.
 *
 * MUST take the lock atomically: the content is written to a file of our own (O_EXCL |
 *      O_NOFOLLOW, mode 0600 whatever the umask), then hard-linked to the lock's name, which
 *      fails when the name exists: a lock is never seen half written.
 * MUST refuse, naming the holder's pid, when the lock belongs to a running auditship.
 * MUST take over a stale lock, and say why it was stale: its pid is not running (or a zombie),
 *      is another process now (another start time), is not an auditship (/proc/<pid>/cmdline),
 *      or the lock was written before the last boot. Two daemons taking over the same stale
 *      lock at once: the one whose rename moves that lock file away wins; the other sees the
 *      winner's lock.
 * MUST remove the lock at exit (also when the start fails after taking it), and only if the
 *      file under the lock's name is still ours.
 * MUST NOT throw: what stops the start is a value with the reason and the fix.
 *
 * The pids are those of this pid namespace: daemons in different containers sharing one state
 * dir do not see each other's process, and would each take the other's lock for stale.
 */
import { closeSync, constants, fchmodSync, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, fsyncSync } from 'node:fs'
import { join } from 'node:path'
import { errnoText } from '../config/messages.js'
import { bootId, liveness, procCmdline, procInfo } from './proc.js'

export const LOCK_FILE = 'auditship.lock'

/** What the lock file holds. */
export interface LockHolder {
  pid: number
  /** /proc/<pid>/stat field 22: tells the holder from a process that got its pid later */
  start_ticks?: string
  boot_id?: string
  /** when it took the lock (ISO-8601, for people) */
  started_at?: string
}

export interface LockOptions {
  /** whether a command line is an auditship's (default: names auditship or this entry script) */
  isAuditship?: (cmdline: string[]) => boolean
}

export type LockResult =
  | { ok: true, lock: StateLock, tookOver?: { holder: LockHolder | undefined, reason: string } }
  /** held: a running auditship holds it; otherwise the lock could not be written */
  | { ok: false, held: boolean, path: string, holder?: LockHolder, message: string, fix: string }

type Verdict = { live: true, holder: LockHolder } | { live: false, holder: LockHolder | undefined, reason: string }

const TRIES = 4

function defaultIsAuditship (cmdline: string[]): boolean {
  return cmdline.some((a) => a.includes('auditship') || a.endsWith('dist/cli/main.js'))
}

function parseHolder (text: string): LockHolder | undefined {
  try {
    const h = JSON.parse(text) as Partial<LockHolder> | null
    if (h === null || typeof h !== 'object' || !Number.isSafeInteger(h.pid) || (h.pid as number) <= 0) return undefined
    return h as LockHolder
  } catch {
    return undefined
  }
}

/** Is the holder written in the lock a running auditship? */
export function judge (text: string, isAuditship: (cmdline: string[]) => boolean): Verdict {
  const holder = parseHolder(text)
  if (holder === undefined) return { live: false, holder, reason: 'the lock file holds no pid (not written by auditship, or damaged)' }
  const { pid } = holder
  const boot = bootId()
  if (holder.boot_id !== undefined && boot !== undefined && holder.boot_id !== boot) return { live: false, holder, reason: `it was written before the last boot (pid ${pid})` }
  // this very process (taking it twice): live, whatever its command line says
  if (pid === process.pid && holder.start_ticks !== undefined && holder.start_ticks === procInfo(pid)?.startTicks) return { live: true, holder }
  const alive = liveness(pid)
  if (alive === 'gone') return { live: false, holder, reason: `pid ${pid} is not running` }
  if (alive === 'zombie') return { live: false, holder, reason: `pid ${pid} has exited` }
  const info = procInfo(pid)
  if (info !== undefined && holder.start_ticks !== undefined && info.startTicks !== holder.start_ticks) {
    return { live: false, holder, reason: `pid ${pid} is another process now (it started at tick ${info.startTicks}, the holder at ${holder.start_ticks})` }
  }
  const cmd = procCmdline(pid)
  if (cmd !== undefined && !isAuditship(cmd)) return { live: false, holder, reason: `pid ${pid} is not auditship (${cmd.join(' ').slice(0, 80) || 'no command line'})` }
  // what cannot be read (another user's process under hidepid) counts as live: refusing is safe
  return { live: true, holder }
}

export class StateLock {
  private released = false
  private readonly onExit = (): void => { this.release() }

  constructor (readonly path: string, private readonly own: { dev: number, ino: number, text: string }) {
    process.once('exit', this.onExit)
  }

  /** Remove the lock if the file under its name is still ours (same inode, same content: inode numbers are reused). Idempotent. */
  release (): void {
    if (this.released) return
    this.released = true
    process.off('exit', this.onExit)
    const now = inspect(this.path)
    if (typeof now === 'object' && now.dev === this.own.dev && now.ino === this.own.ino && now.text === this.own.text) {
      try { unlinkSync(this.path) } catch { /* gone already */ }
    }
  }
}

/** Write our holder record to a file of our own; its dev and inode. */
function writeOwn (tmp: string, holder: LockHolder): { dev: number, ino: number, text: string } {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW
  let fd: number
  try {
    fd = openSync(tmp, flags, 0o600)
  } catch (err) {
    // left by a process that had our pid before and died: it is nobody's
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    unlinkSync(tmp)
    fd = openSync(tmp, flags, 0o600)
  }
  try {
    fchmodSync(fd, 0o600)
    const text = JSON.stringify(holder) + '\n'
    const b = Buffer.from(text)
    for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off)
    fsyncSync(fd)
    const st = fstatSync(fd)
    return { dev: st.dev, ino: st.ino, text }
  } finally {
    closeSync(fd)
  }
}

/** The lock file now: its text and inode; undefined when it is gone; a string when it is not a regular file. */
function inspect (path: string): { text: string, dev: number, ino: number } | undefined | string {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    return code === 'ELOOP' ? 'it is a symbolic link' : errnoText(err)
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) return 'it is not a regular file'
    return { text: readFileSync(fd, 'utf8').slice(0, 4096), dev: st.dev, ino: st.ino }
  } catch (err) {
    return errnoText(err)
  } finally {
    closeSync(fd)
  }
}

/**
 * Move a stale lock out of the way, if the file under the lock's name is still the one judged
 * stale (else put back what was moved: someone else's fresh lock).
 */
export function removeStale (path: string, claim: string, stale: { dev: number, ino: number }): void {
  try { renameSync(path, claim) } catch { return } // gone already: the next try sees
  try {
    const st = lstatSync(claim)
    if (st.dev !== stale.dev || st.ino !== stale.ino) {
      try { linkSync(claim, path) } catch { /* a third one took it meanwhile */ }
    }
  } finally {
    try { unlinkSync(claim) } catch { /* nothing to clean */ }
  }
}

/** Take the state dir's lock, creating the dir (0750) when missing. */
export function acquireStateLock (dir: string, o: LockOptions = {}): LockResult {
  const path = join(dir, LOCK_FILE)
  const cannot = (what: string, err: unknown): LockResult => ({
    ok: false,
    held: false,
    path,
    message: `${what}: ${typeof err === 'string' ? err : errnoText(err)}`,
    fix: `create the state dir for the user auditship runs as (install -d -m 0750 ${dir}), or set state_dir to a directory it can write`,
  })
  try {
    mkdirSync(dir, { recursive: true, mode: 0o750 })
  } catch (err) {
    return cannot(`cannot create the state dir ${dir}`, err)
  }
  const me: LockHolder = { pid: process.pid, start_ticks: procInfo(process.pid)?.startTicks, boot_id: bootId(), started_at: new Date().toISOString() }
  const tmp = join(dir, `${LOCK_FILE}.${process.pid}.tmp`)
  let own: { dev: number, ino: number, text: string }
  try {
    own = writeOwn(tmp, me)
  } catch (err) {
    return cannot(`cannot write in the state dir ${dir}`, err)
  }
  const isAuditship = o.isAuditship ?? defaultIsAuditship
  let tookOver: { holder: LockHolder | undefined, reason: string } | undefined
  try {
    for (let i = 0; i < TRIES; i++) {
      try {
        linkSync(tmp, path)
        return { ok: true, lock: new StateLock(path, own), ...(tookOver === undefined ? {} : { tookOver }) }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return cannot(`cannot create the lock ${path}`, err)
      }
      const now = inspect(path)
      if (now === undefined) continue
      if (typeof now === 'string') return { ok: false, held: false, path, message: `the lock ${path} cannot be used: ${now}`, fix: `remove ${path} (no auditship writes it that way)` }
      const v = judge(now.text, isAuditship)
      if (v.live) {
        const since = v.holder.started_at === undefined ? '' : `, running since ${v.holder.started_at}`
        return {
          ok: false,
          held: true,
          path,
          holder: v.holder,
          message: `the state dir ${dir} is in use by another auditship (pid ${v.holder.pid}${since}; lock ${path})`,
          fix: `stop that daemon first (kill -TERM ${v.holder.pid}), or give this one a state_dir of its own`,
        }
      }
      removeStale(path, join(dir, `${LOCK_FILE}.stale.${process.pid}`), now)
      tookOver = { holder: v.holder, reason: v.reason }
    }
    return cannot(`cannot take the lock ${path}`, 'it changed under us at every try (other auditship daemons starting at the same time?)')
  } catch (err) {
    return cannot(`cannot take the lock ${path}`, err)
  } finally {
    try { unlinkSync(tmp) } catch { /* nothing to clean */ }
  }
}
