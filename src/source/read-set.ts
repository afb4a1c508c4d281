/**
 * What a tailer knows of the rotated set besides the file it reads: the files still to read
 * (oldest first) and the files known to be older (read already, or older than what it reads).
 * Every decision is the pure planner's (rotation.ts), from a fresh snapshot of the set.
 *
 * MUST, when a file read to its end is left, plan what comes next from the set as it is now,
 *      not from what was queued earlier: a queued file may have been copied away and truncated
 *      (logrotate copytruncate) or renamed since, and an empty one had no fingerprint to be
 *      found by.
 */
import { sameInode, type FileIdentity } from './identity.js'
import { olderThan, planAfter, planResume, type After, type Plan, type ReadStep } from './rotation.js'
import { snapshot } from './rotated.js'

/** A plan for the file being read, with what following it makes known to be older. */
export interface Planned extends Plan {
  older: FileIdentity[]
}

export class ReadSet {
  /** files to read after the current one, oldest first */
  queue: ReadStep[] = []
  /** files known to be older than the one being read (not read again) */
  private knownOlder: FileIdentity[] = []

  constructor (private readonly path: string) {}

  reset (queue: ReadStep[], knownOlder: FileIdentity[]): void {
    this.queue = queue
    this.knownOlder = knownOlder
  }

  /** What happened to the file being read (held open, followed since the start). */
  async plan (identity: FileIdentity, offset: number): Promise<Planned> {
    const snap = await snapshot(this.path)
    const p = planResume({ identity, offset }, snap, { knownOlder: this.knownOlder, held: true, allOlderKnown: true })
    return { ...p, older: olderThan(snap, p) }
  }

  /** The plan is followed: `queue` comes after the file being read. */
  follow (p: Planned, queue: ReadStep[] = this.queue): void {
    this.knownOlder = p.older
    this.queue = queue
  }

  /** `done` was left for good: it is older from now on. */
  left (done: FileIdentity): void {
    this.knownOlder.push(done)
  }

  /** `done` was read to its end: next come the files newer than it in the set as it is now (the queue if none is found). */
  async after (done: FileIdentity): Promise<After> {
    const snap = await snapshot(this.path)
    // a known file under no name cannot be confused with a new one given its inode number
    this.knownOlder = this.knownOlder.filter((k) => snap.some((e) => sameInode(e.identity, k)))
    const next = planAfter(done, snap, this.knownOlder, this.queue.map((s) => s.identity))
    if (next.steps.length > 0) this.queue = next.steps
    return next
  }
}
