/**
 * A checkpoint's position checked against the files on disk, at start, before reading resumes
 * from it: an offset that cannot be where auditship stopped is refused, never guessed at.
 *
 * The checkpoint's file is found by device, inode and its whole 64-byte fingerprint among the
 * log and its rotated siblings. When it is there:
 * MUST refuse an offset beyond its end: the file is ours (the same first 64 bytes, which hold
 *      the first record's time and serial), so the checkpoint is wrong or the log was cut short
 *      in place; reading it again from 0 or from its end would be a guess.
 * MUST refuse an offset that is not the start of a line (the byte before it is not a newline):
 *      auditship only ever saves the start of the next line.
 * When the file is not found that way (rotated away, copied and truncated, deleted, or its
 * fingerprint was shorter than 64 bytes), the tailer's rotation planner (source/rotation.ts)
 * decides, and logs what it decided.
 * MUST NOT throw. Files that cannot be read say nothing about the checkpoint: no verdict (the
 *      tailer meets the same error and reports it as what it is).
 */
import { open } from 'node:fs/promises'
import { FINGERPRINT_BYTES, sameInode } from '../source/identity.js'
import { snapshot } from '../source/rotated.js'
import type { Snapshot, SnapshotEntry } from '../source/rotation.js'
import type { SourcePosition } from '../source/source.js'

/** The file of the snapshot that is certainly the checkpoint's (same inode, same 64 first bytes). */
export function checkpointFile (p: SourcePosition, snap: Snapshot): SnapshotEntry | undefined {
  const fp = p.identity.fingerprint
  if (p.identity.ino === 0 || fp.length < FINGERPRINT_BYTES * 2) return undefined
  return snap.find((e) => sameInode(e.identity, p.identity) && e.identity.fingerprint === fp)
}

/** Pure: what is wrong with the offset in `file`, given the byte before it (undefined at offset 0). */
export function offsetProblem (p: SourcePosition, file: SnapshotEntry, byteBefore: number | undefined): string | undefined {
  const { size } = file.identity
  if (p.offset > size) {
    return `its offset ${p.offset} is beyond the end of ${file.path} (${size} bytes), which is its file (same device, inode and first ${FINGERPRINT_BYTES} bytes): the checkpoint is wrong, or the log was cut short in place`
  }
  if (p.offset > 0 && byteBefore !== 0x0a) return `its offset ${p.offset} in ${file.path} is not the start of a line (the byte before it is not a newline)`
  return undefined
}

async function byteBefore (file: SnapshotEntry, offset: number): Promise<number | undefined | Error> {
  if (offset === 0) return undefined
  try {
    const fh = await open(file.path, 'r')
    try {
      const st = await fh.stat()
      // renamed or replaced since the snapshot: this is not the file we judged
      if (st.ino !== file.identity.ino || st.dev !== file.identity.dev) return new Error(`${file.path} changed while it was checked`)
      const b = Buffer.alloc(1)
      const { bytesRead } = await fh.read(b, 0, 1, offset - 1)
      return bytesRead === 1 ? b[0] : undefined
    } finally {
      await fh.close()
    }
  } catch (err) {
    return err as Error
  }
}

/** undefined when reading may resume at `p`; else why not (one sentence). */
export async function checkPosition (p: SourcePosition | null, livePath: string): Promise<string | undefined> {
  if (p === null) return undefined
  let snap: Snapshot
  try {
    snap = await snapshot(livePath)
  } catch {
    return undefined
  }
  const file = checkpointFile(p, snap)
  if (file === undefined) return undefined
  const before = p.offset > file.identity.size ? undefined : await byteBefore(file, p.offset)
  if (before instanceof Error) return undefined
  return offsetProblem(p, file, before)
}
