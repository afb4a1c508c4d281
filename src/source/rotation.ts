/**
 * Where to go on when the file being read may have been rotated — pure decisions, no I/O.
 *
 * The candidates are the log's rotated set, oldest first (audit.log.N … audit.log.1,
 * audit.log), each with its identity and size. Cases (docs/design.md §2, issue "run"):
 *  - same:          the live path still holds our file and it did not shrink: keep reading.
 *  - rotated:       our file (same inode + first bytes) now has another name (auditd renames
 *                   audit.log → audit.log.1 and starts a new audit.log): drain it to its end,
 *                   then read every newer file from 0, oldest first.
 *  - copytruncated: the live path has our inode but shrank or changed its first bytes, and a
 *                   sibling with another inode starts with our bytes (logrotate copytruncate):
 *                   read that copy from our offset, then the live file from 0.
 *  - truncated:     the live path has our inode but shrank, no copy found: the live file from 0.
 *  - lost:          our file is under no name: every file of the set from 0, oldest first (the
 *                   unread rest of ours is gone; count it).
 */
import { sameContent, sameFile, type FileIdentity, type StatIdentity } from './identity.js'

export interface Candidate {
  path: string
  id: StatIdentity
}

export interface ReadStep {
  path: string
  identity: FileIdentity
  offset: number
}

export type RotationKind = 'same' | 'rotated' | 'copytruncated' | 'truncated' | 'lost'

export interface RotationPlan {
  kind: RotationKind
  /** files to read in order; the first continues ours when kind is same/rotated/copytruncated */
  steps: ReadStep[]
}

/**
 * @param ours  the file we read and the offset reached in it
 * @param set   the rotated set, oldest first, live file last
 */
export function planAfter (ours: { identity: FileIdentity, offset: number }, set: Candidate[]): RotationPlan {
  const idx = set.findIndex((c) => sameFile(c.id, ours.identity))
  const live = set.length > 0 ? set[set.length - 1] : undefined
  const newer = (from: number): ReadStep[] => set.slice(from).map((c) => ({ path: c.path, identity: c.id, offset: 0 }))

  if (idx >= 0 && idx === set.length - 1 && set[idx].id.size >= ours.offset) {
    return { kind: 'same', steps: [{ path: set[idx].path, identity: set[idx].id, offset: ours.offset }] }
  }
  if (idx >= 0 && idx < set.length - 1) {
    return { kind: 'rotated', steps: [{ path: set[idx].path, identity: set[idx].id, offset: ours.offset }, ...newer(idx + 1)] }
  }
  // our inode at the live path but shorter (or our bytes elsewhere): copytruncate or truncation
  const liveIsOurInode = live !== undefined && live.id.dev === ours.identity.dev && live.id.ino === ours.identity.ino
  const copy = set.findIndex((c) => (c.id.ino !== ours.identity.ino || c.id.dev !== ours.identity.dev) && sameContent(c.id, ours.identity) && c.id.size >= ours.offset)
  if (copy >= 0 && copy < set.length - 1) {
    return { kind: 'copytruncated', steps: [{ path: set[copy].path, identity: set[copy].id, offset: ours.offset }, ...newer(copy + 1)] }
  }
  if (liveIsOurInode && live !== undefined) {
    return { kind: 'truncated', steps: [{ path: live.path, identity: live.id, offset: 0 }] }
  }
  return { kind: 'lost', steps: newer(0) }
}
