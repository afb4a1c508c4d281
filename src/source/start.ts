/**
 * Where a tailer starts: from a checkpoint, whatever happened to its file since (rotation.ts
 * plans it); without one, every file on disk from the beginning (oldest first), or the live
 * file from its last line start ('end').
 */
import type { FileIdentity } from './identity.js'
import { lineStartBefore } from './open-file.js'
import { snapshot } from './rotated.js'
import { olderThan, planResume, type Plan, type ReadStep } from './rotation.js'
import type { SourcePosition } from './source.js'

export interface StartPlan {
  /** files to read, oldest first */
  steps: ReadStep[]
  /** siblings known to be older than what is read (not read again if that is lost) */
  knownOlder: FileIdentity[]
  /** from a checkpoint: what happened to its file meanwhile */
  resumed?: Plan
  /** no checkpoint and no live file yet: wait for it */
  noLiveFile?: boolean
}

/** `start.identity.ino` 0 (no file was open when the checkpoint was taken) counts as 'beginning'. */
export async function planStart (path: string, start: SourcePosition | 'beginning' | 'end', maxLineBytes: number): Promise<StartPlan> {
  const snap = await snapshot(path)
  if (typeof start === 'object' && start.identity.ino !== 0) {
    const plan = planResume({ identity: start.identity, offset: start.offset }, snap)
    return { steps: plan.steps, knownOlder: olderThan(snap, plan), resumed: plan }
  }
  const mode = typeof start === 'object' ? 'beginning' : start
  const live = snap[0]?.path === path ? snap[0] : undefined
  if (mode === 'beginning' && snap.length > 0) {
    // everything on disk, oldest first: audit.log.N … audit.log.1, audit.log (a rotation
    // between "first start" and "open" must not skip a file)
    // the rotated ones are older than the live file (queued here, never planned again)
    return { steps: [...snap].reverse().map((e) => ({ path: e.path, identity: e.identity, startOffset: 0 })), knownOlder: snap.filter((e) => e !== live).map((e) => e.identity) }
  }
  if (live === undefined) return { steps: [], knownOlder: snap.map((e) => e.identity), noLiveFile: true }
  return {
    steps: [{ path: live.path, identity: live.identity, startOffset: await lineStartBefore(path, live.identity.size, maxLineBytes) }],
    knownOlder: snap.filter((e) => e !== live).map((e) => e.identity),
  }
}
