/**
 * File identity for resuming: device + inode, and a fingerprint of the first bytes so that a
 * reused inode (or a file truncated and rewritten in place) is not mistaken for ours, and so
 * that a copy (logrotate copytruncate) can be recognised by content.
 */
import { open, stat } from 'node:fs/promises'

export const FINGERPRINT_BYTES = 64

export interface FileIdentity {
  dev: number
  ino: number
  /** hex of the first min(size, FINGERPRINT_BYTES) bytes */
  fingerprint: string
}

export interface StatIdentity extends FileIdentity {
  size: number
}

export async function identify (path: string): Promise<StatIdentity | undefined> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch {
    return undefined
  }
  try {
    const st = await fh.stat()
    const buf = Buffer.alloc(FINGERPRINT_BYTES)
    const { bytesRead } = await fh.read(buf, 0, FINGERPRINT_BYTES, 0)
    return { dev: st.dev, ino: st.ino, fingerprint: buf.toString('hex', 0, bytesRead), size: st.size }
  } finally {
    await fh.close()
  }
}

export async function sizeOf (path: string): Promise<number | undefined> {
  try { return (await stat(path)).size } catch { return undefined }
}

/** The shorter fingerprint is a prefix of the longer (a file only grows at its end). */
export function sameContentStart (a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b)
}

/** Same inode on the same device, with the same first bytes. */
export function sameFile (a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && sameContentStart(a.fingerprint, b.fingerprint)
}

/** Same first bytes (a copy of ours), whatever the inode; an empty fingerprint matches nothing. */
export function sameContent (a: FileIdentity, b: FileIdentity): boolean {
  return a.fingerprint.length > 0 && b.fingerprint.length > 0 && sameContentStart(a.fingerprint, b.fingerprint)
}
