/**
 * What happened to the files a tailer follows, counted and said: every rotation, truncation,
 * copytruncate and loss a plan (rotation.ts) finds is added to the tailer's totals and logged
 * once, so that nothing is skipped silently.
 */
import type { After, Plan, ReadStep } from './rotation.js'
import type { SourceStats } from './source.js'

export interface TailerStats extends SourceStats {
  linesRead: number
  /** bytes known to be lost (files gone before they were read); losses of unknown size add 0 */
  bytesLost: number
}

export type TailerLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: object) => void

/** Count and log what a plan says happened; `following`: found while reading (else at start). */
export function reportPlan (plan: Plan, from: { path: string, offset: number }, following: boolean, stats: TailerStats, log: TailerLog): void {
  stats.rotations += plan.rotations
  stats.truncations += plan.truncations
  stats.copytruncates += plan.copytruncates
  stats.filesLost += plan.filesLost
  if (plan.bytesLost !== null) stats.bytesLost += plan.bytesLost
  const fields = { path: from.path, offset: from.offset, next: plan.steps.map((s) => `${s.path}@${s.startOffset}`), note: plan.note }
  switch (plan.kind) {
    case 'same': log('debug', 'rotation check: still the same file', fields); break
    case 'rotated': log('info', following ? 'log rotated: draining the old file before the new one' : 'resuming in a rotated file', { ...fields, rotations: plan.rotations }); break
    case 'copytruncated': log('warn', 'log copied and truncated in place: reading the rest from the copy', fields); break
    case 'truncated': log('warn', 'log truncated in place: reading it again from the start; what was written after the offset is lost (amount unknown)', fields); break
    case 'lost': log('error', 'the file being read is gone under every name: its unread rest is lost (amount unknown); reading the remaining files from the start', fields); break
  }
}

/** A planned file is under no name and no name holds its bytes: its unread part is lost (the size seen when planned). */
export function reportGone (step: ReadStep, stats: TailerStats, log: TailerLog, msg = 'a file waiting to be read was removed before it could be read: its lines are lost'): void {
  const known = Math.max(0, step.identity.size - step.startOffset)
  stats.filesLost++
  stats.bytesLost += known
  log('error', msg, { path: step.path, offset: step.startOffset, bytesLost: known })
}

/** Files found new in the set when leaving `from` (rotated or copied and truncated meanwhile), counted and said. */
export function reportAfter (a: After, from: string, stats: TailerStats, log: TailerLog): void {
  stats.rotations += a.rotations
  stats.copytruncates += a.copytruncates
  const fields = { path: from, next: a.steps.map((s) => s.path), rotations: a.rotations, copytruncates: a.copytruncates }
  if (a.copytruncates > 0) log('warn', 'log copied and truncated in place while older files were read: reading the copies in order', fields)
  else if (a.rotations > 0) log('info', 'log rotated while older files were read: reading the new files in order', fields)
}
