/**
 * File identity for resuming: device + inode, and a fingerprint of the first bytes so that a
 * reused inode (or a file truncated and rewritten in place) is not mistaken for ours, and so
 * that a copy (logrotate copytruncate) can be recognised by its content.
 *
 * A log only grows at its end, so a fingerprint taken while the file was shorter than
 * FINGERPRINT_BYTES is a prefix of the one taken later: fingerprints are compared by prefix.
 */
import { open, stat, type FileHandle } from 'node:fs/promises'
import type { Stats } from 'node:fs'

export const FINGERPRINT_BYTES = 64

export interface FileIdentity {
  dev: number
  ino: number
  /** hex of the first min(size, FINGERPRINT_BYTES) bytes */
  fingerprint: string
  /** bytes in the fingerprint; always set here, derived from `fingerprint` when absent (older checkpoints) */
  fpLen?: number
}

/** An identity with the size seen when it was taken. */
export interface FileState extends FileIdentity {
  fpLen: number
  size: number
}

/** The identity of an open file (fstat + a read of its first bytes at offset 0). */
export async function identifyHandle (fh: FileHandle): Promise<FileState> {
  const st = await fh.stat()
  const buf = Buffer.allocUnsafe(FINGERPRINT_BYTES)
  const { bytesRead } = await fh.read(buf, 0, FINGERPRINT_BYTES, 0)
  return { dev: st.dev, ino: st.ino, fingerprint: buf.toString('hex', 0, bytesRead), fpLen: bytesRead, size: st.size }
}

/** Open for reading; undefined when the file does not exist; other errors (EACCES …) are thrown. */
export async function openIfExists (path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** stat(); undefined when the file does not exist; other errors (EACCES …) are thrown. */
export async function statIfExists (path: string): Promise<Stats | undefined> {
  return await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
}

/** undefined when the file does not exist; other errors (EACCES …) are thrown, not hidden. */
export async function identify (path: string): Promise<FileState | undefined> {
  const fh = await openIfExists(path)
  if (fh === undefined) return undefined
  try {
    return await identifyHandle(fh)
  } finally {
    await fh.close()
  }
}

/** The shorter fingerprint is a prefix of the longer. */
export function compatible (a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b)
}

export function sameInode (a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino
}

/** Same inode on the same device, and the shorter fingerprint is a prefix of the longer. */
export function sameFile (a: FileIdentity, b: FileIdentity): boolean {
  return sameInode(a, b) && compatible(a.fingerprint, b.fingerprint)
}

/**
 * Content identity regardless of inode: `candidate` starts with the bytes of `cp`'s
 * fingerprint (a copy of our file has a new inode but the same first bytes). An empty
 * fingerprint matches nothing.
 */
export function matchesContent (cp: FileIdentity, candidate: FileIdentity): boolean {
  return cp.fingerprint.length > 0 && candidate.fingerprint.startsWith(cp.fingerprint)
}
