/**
 * The rotated set of an audit log, oldest first: audit.log.N … audit.log.1, audit.log
 * (auditd's own rotation scheme, num_logs).
 */
import { readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

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
