/**
 * The rotated set of an audit log, oldest first: audit.log.N … audit.log.1, audit.log
 * (auditd's own rotation scheme, num_logs), and a snapshot of it with each file's identity.
 */
import { readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { identify, sameInode } from './identity.js'
import type { Snapshot } from './rotation.js'

export function rotatedSet (path: string): string[] {
  const dir = dirname(path)
  const base = basename(path)
  let names: string[]
  try { names = readdirSync(dir) } catch { return [path] }
  const rotated: Array<[number, string]> = []
  for (const n of names) {
    if (!n.startsWith(base + '.')) continue
    const suffix = n.slice(base.length + 1)
    if (/^\d+$/.test(suffix)) rotated.push([Number(suffix), join(dir, n)])
  }
  rotated.sort((a, b) => b[0] - a[0])
  const out = rotated.map(([, p]) => p)
  if (names.includes(base)) out.push(path)
  return out
}

const SNAPSHOT_TRIES = 5

/**
 * The live file and its rotated siblings, newest first, with their identities. A directory
 * listing followed by one open per file is not atomic: repeat until two scans agree on the
 * names and inodes.
 */
export async function snapshot (path: string): Promise<Snapshot> {
  let prev: Snapshot | undefined
  for (let n = 0; n < SNAPSHOT_TRIES; n++) {
    const s: Snapshot = []
    for (const p of rotatedSet(path).reverse()) {
      const identity = await identify(p)
      if (identity !== undefined) s.push({ path: p, identity })
    }
    if (prev !== undefined && prev.length === s.length && prev.every((e, i) => e.path === s[i].path && sameInode(e.identity, s[i].identity))) return s
    prev = s
  }
  return prev as Snapshot
}
