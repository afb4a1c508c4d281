/**
 * Opening the files the daemon writes (the checkpoint, the dead-letter file, the file sink's
 * output) safely: it runs as root, and a user who can write in one of their directories could
 * otherwise make it write through a symbolic link into any file (docs/design.md §2.2, §2.4).
 *
 * MUST NOT follow a symbolic link at the file itself (O_NOFOLLOW) and MUST refuse anything but
 * a regular file (a FIFO is opened non-blocking, so that it cannot hang the open).
 * MUST refuse a directory that is writable by its group or by every user, or owned by a user
 * other than root and the one auditship runs as (`dirProblem`).
 * MUST create missing directories 0750 and new files with the mode asked for, whatever the
 * umask (chmod after creating); an existing file keeps the mode its owner gave it.
 * Both a synchronous (dead letter) and a promise (file sink, checkpoint) flavour; errors are
 * thrown (`AS_FILE_WRITE` with the path and the reason, or the errno error of the call).
 */
import * as fs from 'node:fs'
import * as fsp from 'node:fs/promises'
import { dirname, relative, resolve, sep } from 'node:path'
import { AppErrors, AuditshipError } from '../errors.js'

export const DIR_MODE = 0o750

const { O_WRONLY, O_RDWR, O_APPEND, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants

/** `append`: open for appending (and reading), created when missing; `replace`: a new file in place of any old one. */
export type OpenHow = 'append' | 'replace'

interface DirStat { mode: number, uid: number, isDirectory: () => boolean }

/** The uid the checks allow besides root: the effective uid (undefined on platforms without one). */
function myUid (): number | undefined {
  return process.geteuid?.()
}

const octal = (mode: number): string => '0' + (mode & 0o7777).toString(8)

export interface DirProblem {
  /** what is wrong, said of the directory: "is writable by its group (mode 0775)" */
  reason: string
  fix: string
}

/** Why auditship must not write in a directory with these attributes; undefined when it may. */
export function dirProblem (st: DirStat, euid = myUid()): DirProblem | undefined {
  if (!st.isDirectory()) return { reason: 'is not a directory', fix: 'point the setting at a directory' }
  const others = 'use a directory only root (or the user auditship runs as) can write'
  if ((st.mode & 0o002) !== 0) return { reason: `is writable by every user (mode ${octal(st.mode)})`, fix: `chmod o-w it, or ${others}` }
  if ((st.mode & 0o020) !== 0) return { reason: `is writable by its group (mode ${octal(st.mode)})`, fix: `chmod g-w it, or ${others}` }
  if (st.uid !== 0 && st.uid !== euid) return { reason: `is owned by uid ${st.uid}, neither root nor the user auditship runs as (uid ${String(euid)})`, fix: `chown it to root, or ${others}` }
  return undefined
}

function refuse (path: string, why: string): AuditshipError {
  return new AuditshipError(AppErrors.FILE_WRITE, `refusing ${path}: it ${why}`)
}

function refuseDir (dir: string, p: DirProblem): AuditshipError {
  return refuse(dir, `${p.reason} (${p.fix})`)
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT'

function openError (path: string, err: unknown): unknown {
  // O_NOFOLLOW on a symlink: ELOOP
  if ((err as NodeJS.ErrnoException).code === 'ELOOP') return refuse(path, 'is a symbolic link (auditship does not follow links for files it writes)')
  if ((err as NodeJS.ErrnoException).code === 'ENXIO') return refuse(path, 'is a FIFO or socket, not a regular file')
  return err
}

/** The directories from the first one mkdir created down to `dir`, to chmod (umask-proof). */
function created (first: string | undefined, dir: string): string[] {
  if (first === undefined) return []
  const out = [first]
  let p = first
  for (const part of relative(first, dir).split(sep).filter((s) => s !== '')) { p = resolve(p, part); out.push(p) }
  return out
}

/** Create `dir` (0750) when missing; throw when it is not one auditship may write in. */
export function safeDirSync (dir: string): void {
  let st: fs.Stats
  try {
    st = fs.statSync(dir)
  } catch (err) {
    if (!isMissing(err)) throw err
    for (const d of created(fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE }), resolve(dir))) fs.chmodSync(d, DIR_MODE)
    st = fs.statSync(dir)
  }
  const why = dirProblem(st)
  if (why !== undefined) throw refuseDir(dir, why)
}

export async function safeDir (dir: string): Promise<void> {
  let st: fs.Stats
  try {
    st = await fsp.stat(dir)
  } catch (err) {
    if (!isMissing(err)) throw err
    for (const d of created(await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE }), resolve(dir))) await fsp.chmod(d, DIR_MODE)
    st = await fsp.stat(dir)
  }
  const why = dirProblem(st)
  if (why !== undefined) throw refuseDir(dir, why)
}

const BASE = O_NOFOLLOW | O_NONBLOCK
const flagsOf = (how: OpenHow): number => how === 'append' ? BASE | O_RDWR | O_APPEND : BASE | O_WRONLY

/**
 * Open `path` for writing in a safe directory (created when missing): never through a symlink,
 * only a regular file, a new file with `mode` exactly. Returns the descriptor.
 */
export function openSafeSync (path: string, how: OpenHow, mode: number): number {
  safeDirSync(dirname(path))
  if (how === 'replace') {
    try { fs.unlinkSync(path) } catch (err) { if (!isMissing(err)) throw err }
  }
  for (let tries = 0; ; tries++) {
    let fd: number
    let isNew = true
    try {
      try {
        fd = fs.openSync(path, flagsOf(how) | O_CREAT | O_EXCL, mode)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || how === 'replace') throw err
        isNew = false
        fd = fs.openSync(path, flagsOf(how))
      }
    } catch (err) {
      // removed between the two opens: try again (a few times: a race, not a loop)
      if (isMissing(err) && tries < 3) continue
      throw openError(path, err)
    }
    try {
      if (!fs.fstatSync(fd).isFile()) throw refuse(path, 'is not a regular file')
      if (isNew) fs.fchmodSync(fd, mode)
    } catch (err) {
      fs.closeSync(fd)
      throw err
    }
    return fd
  }
}

/** openSafeSync as a promise, with a FileHandle. */
export async function openSafe (path: string, how: OpenHow, mode: number): Promise<fsp.FileHandle> {
  await safeDir(dirname(path))
  if (how === 'replace') await fsp.unlink(path).catch((err: unknown) => { if (!isMissing(err)) throw err })
  for (let tries = 0; ; tries++) {
    let fh: fsp.FileHandle
    let isNew = true
    try {
      try {
        fh = await fsp.open(path, flagsOf(how) | O_CREAT | O_EXCL, mode)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || how === 'replace') throw err
        isNew = false
        fh = await fsp.open(path, flagsOf(how))
      }
    } catch (err) {
      if (isMissing(err) && tries < 3) continue
      throw openError(path, err)
    }
    try {
      if (!(await fh.stat()).isFile()) throw refuse(path, 'is not a regular file')
      if (isNew) await fh.chmod(mode)
    } catch (err) {
      await fh.close()
      throw err
    }
    return fh
  }
}
