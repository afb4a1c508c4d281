/**
 * Where to read next when the file being read may have been rotated — pure decisions, no I/O.
 *
 * Input: the position reached in our file ({ identity, offset }) and a snapshot of the live
 * file and its rotated siblings, NEWEST FIRST (audit.log, audit.log.1, audit.log.2 …), each
 * with its identity and size. Output: the files to read, OLDEST FIRST, each with the offset
 * to start at, and what happened.
 *
 *  - same:          the newest file is ours (same inode, fingerprint prefix) and not shorter
 *                   than the offset: keep reading it. (If the live path is missing — auditd
 *                   between rename and create — the newest rotated file plays its role.)
 *  - rotated:       ours now lives under an older name (audit.log → audit.log.1 …): drain it
 *                   from the offset, then every newer file from 0, oldest first.
 *  - copytruncated: our inode holds fewer bytes than the offset or other first bytes, and
 *                   another inode starts with our fingerprint (logrotate copytruncate copies
 *                   to audit.log.1 and truncates in place): read the copy from the offset, then
 *                   every newer file from 0. Also used when our inode is gone but a copy exists.
 *  - truncated:     our inode holds fewer bytes or other first bytes, no copy: that inode from
 *                   0, then newer files. What was written after the offset is lost (unknown).
 *                   Only when that cannot be a reused inode: the caller holds our file open
 *                   (`held`), or no other file that may be newer than ours is there; otherwise
 *                   (ours deleted, its inode number given to a new audit.log) it is `lost`.
 *  - lost:          our file is under no name and has no copy. auditd deletes the OLDEST file
 *                   first (num_logs), so every file still there is newer than ours: all of
 *                   them are read from 0, oldest first, minus those the caller knows to be
 *                   older (`knownOlder`, e.g. siblings seen before ours while following). The
 *                   unread rest of ours is lost and its size is unknown (bytesLost: null).
 *                   If ours was deleted by hand instead, older siblings are read again:
 *                   duplicates rather than a silent gap.
 *
 * A head not pinned yet: while fewer than FINGERPRINT_BYTES of our first bytes are known (an
 * empty file: none), our inode may have been copied, truncated and refilled with bytes that
 * begin like ours, and look the same. When the caller has followed the set (`allOlderKnown`:
 * every file older than ours is in `knownOlder`), a new file just below ours — older than ours,
 * newer than every known one — that begins with our bytes and holds our offset is that copy:
 * `copytruncated`, the oldest such copy from the offset, then every newer file from 0.
 *
 * planAfter: a file read to its end is left for every file newer than it in the set, from 0,
 * oldest first, whatever became of the files seen earlier (renamed, copied away and truncated,
 * deleted): the order of the set is the order the bytes were written in. A copy is found by
 * where it is; an empty file, which has no fingerprint, is found that way too.
 */
import { FINGERPRINT_BYTES, compatible, matchesContent, sameFile, sameInode, type FileIdentity, type FileState } from './identity.js'

export interface Checkpointed {
  identity: FileIdentity
  /** bytes of our file already consumed */
  offset: number
}

export interface SnapshotEntry {
  path: string
  identity: FileState
}

/** newest first: [0] is the live file (when it exists) */
export type Snapshot = SnapshotEntry[]

export interface ReadStep {
  path: string
  identity: FileState
  startOffset: number
}

export type PlanKind = 'same' | 'rotated' | 'copytruncated' | 'truncated' | 'lost'

export interface Plan {
  kind: PlanKind
  /** files to read, oldest first; the first one continues ours unless kind is truncated/lost */
  steps: ReadStep[]
  /** renames our file went through (rotated: the index of its current name) */
  rotations: number
  truncations: number
  copytruncates: number
  filesLost: number
  /** bytes known to be unreadable; null when some are lost but how many is unknown */
  bytesLost: number | null
  /** one line for the log */
  note: string
}

export interface PlanOptions {
  /** files known to be older than ours: not read again when ours is lost */
  knownOlder?: FileIdentity[]
  /** the caller holds our file open: its inode cannot have been reused by another file */
  held?: boolean
  /** `knownOlder` lists every file older than ours (the caller followed the set): a file below ours that is not in it is new */
  allOlderKnown?: boolean
}

function plan (kind: PlanKind, steps: ReadStep[], note: string, counts: Partial<Pick<Plan, 'rotations' | 'truncations' | 'copytruncates' | 'filesLost' | 'bytesLost'>> = {}): Plan {
  return { kind, steps, rotations: 0, truncations: 0, copytruncates: 0, filesLost: 0, bytesLost: 0, note, ...counts }
}

/** An inode with the same first bytes; an empty file (no fingerprint yet) is never "known". */
function isKnown (known: FileIdentity, e: FileIdentity): boolean {
  return sameInode(known, e) && known.fingerprint.length > 0 && e.fingerprint.length > 0 && compatible(known.fingerprint, e.fingerprint)
}

/** A file the caller knew is still that file: same inode, bytes that begin as they did; one known empty only while still empty. */
function stillKnown (known: FileIdentity, e: FileIdentity): boolean {
  return sameInode(known, e) && compatible(known.fingerprint, e.fingerprint) && (known.fingerprint !== '' || e.fingerprint === '')
}

/** All FINGERPRINT_BYTES of the file's head are known: a truncation and refill would show. */
export function pinned (id: FileIdentity): boolean {
  return (id.fpLen ?? id.fingerprint.length / 2) >= FINGERPRINT_BYTES
}

const at = (e: SnapshotEntry, startOffset: number): ReadStep => ({ path: e.path, identity: e.identity, startOffset })

export function planResume (ours: Checkpointed, snapshot: Snapshot, opts: PlanOptions = {}): Plan {
  /** the entries newer than index `i`, oldest first, from 0 */
  const newerThan = (i: number): ReadStep[] => snapshot.slice(0, i).reverse().map((e) => at(e, 0))
  const older = opts.knownOlder ?? []
  /** the oldest new file below index `i` (up to the first known one) that begins with our bytes and holds our offset */
  const copyBelow = (i: number): number => {
    let k = -1
    for (let x = i + 1; x < snapshot.length; x++) {
      const e = snapshot[x].identity
      if (older.some((o) => stillKnown(o, e))) break
      if (e.size > 0 && e.size >= ours.offset && e.fingerprint.startsWith(ours.identity.fingerprint)) k = x
    }
    return k
  }

  const i = snapshot.findIndex((e) => sameFile(e.identity, ours.identity))
  if (i >= 0 && snapshot[i].identity.size >= ours.offset) {
    const c = opts.allOlderKnown === true && !pinned(ours.identity) ? copyBelow(i) : -1
    if (c >= 0) {
      return plan('copytruncated', [at(snapshot[c], ours.offset), ...newerThan(c)], `our head was not pinned yet and ${snapshot[c].path} is a new file below ours that begins with our bytes`, { copytruncates: 1 })
    }
    if (i === 0) return plan('same', [at(snapshot[0], ours.offset)], 'still reading the newest file')
    return plan('rotated', [at(snapshot[i], ours.offset), ...newerThan(i)], `our file is now ${snapshot[i].path}`, { rotations: i })
  }

  // our inode holds fewer bytes than we read, or other first bytes: look for a copy of ours
  const k = snapshot.findIndex((e) => !sameInode(e.identity, ours.identity) && matchesContent(ours.identity, e.identity))
  if (k >= 0) {
    return plan('copytruncated', [at(snapshot[k], ours.offset), ...newerThan(k)], `our bytes were copied to ${snapshot[k].path}`, { copytruncates: 1 })
  }
  const unknown = (e: SnapshotEntry): boolean => !older.some((o) => isKnown(o, e.identity))
  const j = snapshot.findIndex((e) => sameInode(e.identity, ours.identity))
  // Our inode holds other bytes. Held open by the caller, it cannot have been freed and reused:
  // truncated in place. Otherwise it may also be a new file that got our freed inode (auditd
  // deletes the oldest log, then creates the new one): if files that may be newer than ours
  // are there, ours is treated as lost so that they are read, not skipped.
  if (j >= 0 && (opts.held === true || !snapshot.slice(j + 1).some(unknown))) {
    return plan('truncated', [at(snapshot[j], 0), ...newerThan(j)], `${snapshot[j].path} was truncated or rewritten in place`, { truncations: 1, bytesLost: null })
  }
  const steps = snapshot.filter(unknown).reverse().map((e) => at(e, 0))
  const note = j >= 0
    ? `${snapshot[j].path} has our inode but not our bytes: truncated in place, or deleted and its inode reused by a newer file`
    : 'our file is under no name and has no copy'
  return plan('lost', steps, note, { filesLost: 1, bytesLost: null })
}

/** The snapshot entries a plan does not read: older than what it reads. */
export function olderThan (snap: Snapshot, plan: Plan): FileIdentity[] {
  return snap.filter((e) => !plan.steps.some((s) => sameInode(s.identity, e.identity))).map((e) => e.identity)
}

/** What comes after a file read to its end, and the files in it that were not queued before. */
export interface After {
  steps: ReadStep[]
  /** new files at the live path: rotations (auditd renamed the live file away) */
  rotations: number
  /** new files under rotated names: copies (logrotate copytruncate copied the live file there) */
  copytruncates: number
}

/**
 * What comes after `done`, a file read to its end: every file newer than it in the set, from 0,
 * oldest first, minus those known to be older. When `done` is under no name any more, the
 * newest file known to be older stands in for it; when none is there either, every file not
 * known to be older is read (duplicates rather than a gap). `queued`: the files planned to come
 * next before; the others are counted as what brought them.
 */
export function planAfter (done: FileIdentity, snapshot: Snapshot, knownOlder: FileIdentity[] = [], queued: FileIdentity[] = []): After {
  const known = (e: SnapshotEntry): boolean => knownOlder.some((o) => stillKnown(o, e.identity))
  let end = snapshot.findIndex((e) => stillKnown(done, e.identity))
  if (end < 0) end = snapshot.findIndex(known)
  if (end < 0) end = snapshot.length
  const next = snapshot.slice(0, end).filter((e) => !known(e))
  const fresh = next.filter((e) => !queued.some((q) => sameInode(q, e.identity)))
  const rotations = fresh.filter((e) => e === snapshot[0]).length
  return { steps: next.reverse().map((e) => at(e, 0)), rotations, copytruncates: fresh.length - rotations }
}
