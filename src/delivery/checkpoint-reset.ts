/**
 * `auditship run --reset-checkpoint`: the checkpoint file is moved aside, never deleted, to
 * `checkpoint.json.bad-<UTC time>` beside it, so that the daemon starts as without one
 * (source.read_from decides) and the old file can still be looked at.
 *
 * MUST NOT overwrite an earlier file moved aside (a suffix is added).
 * MUST NOT throw: the outcome is a value.
 */
import { lstat, rename } from 'node:fs/promises'

export type ResetResult = { ok: true, movedTo: string | undefined } | { ok: false, error: string }

/** `2024-05-01T12:30:45.123Z` → `20240501T123045Z` */
export function stamp (d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '')
}

async function exists (p: string): Promise<boolean> {
  try { await lstat(p); return true } catch { return false }
}

/** Move `path` aside; movedTo undefined when there was nothing to move. */
export async function moveAside (path: string, now = new Date()): Promise<ResetResult> {
  if (!await exists(path)) return { ok: true, movedTo: undefined }
  const base = `${path}.bad-${stamp(now)}`
  let to = base
  for (let n = 1; await exists(to); n++) to = `${base}-${n}`
  try {
    await rename(path, to)
  } catch (err) {
    return { ok: false, error: `cannot move ${path} aside to ${to}: ${(err as Error).message}` }
  }
  return { ok: true, movedTo: to }
}
