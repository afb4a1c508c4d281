/**
 * The file: the first PATH record that is not the parent directory (file.*). file.mode is the
 * permission bits in octal (`0755`, `6755`: ECS, and go-libaudit), without the file type bits
 * the record's mode= has (`0100755`); file.selinux is the record's obj= split.
 */
import type { AuditshipEvent } from '../event/types.js'
import type { Draft } from './draft.js'
import { splitContext } from './selinux.js'

const bitsCache = new Map<string, string | undefined>()

/** `0106755` → `6755`; undefined when not octal. Modes repeat: each is converted once. */
export function permissionBits (mode: string): string | undefined {
  if (bitsCache.has(mode)) return bitsCache.get(mode)
  if (bitsCache.size >= 1024) bitsCache.clear()
  const bits = toBits(mode)
  bitsCache.set(mode, bits)
  return bits
}

function toBits (mode: string): string | undefined {
  const n = parseInt(mode, 8)
  if (!Number.isFinite(n) || mode.length === 0 || mode.length > 12) return undefined
  for (let i = 0; i < mode.length; i++) {
    const c = mode.charCodeAt(i)
    if (c < 48 || c > 55) return undefined
  }
  return (n & 0o7777).toString(8).padStart(4, '0')
}

export function fillFile (d: Draft): void {
  const paths = d.paths
  if (paths === undefined) return
  const parsed = d.parsed
  // the first that is not the parent directory (nametype=, objtype= on older kernels) and was
  // found (has an inode: a mount's first PATH may be a bare name)
  let pick = -1
  for (const i of paths) {
    const f = parsed[i].fields
    if ((f.nametype ?? f.objtype) !== 'PARENT' && f.inode !== undefined) { pick = i; break }
  }
  if (pick < 0) pick = paths.find((i) => parsed[i].fields.inode !== undefined) ?? paths[0]
  const f = parsed[pick].fields
  const fe = parsed[pick].enriched
  const file: NonNullable<AuditshipEvent['file']> = {}
  if (f.name !== undefined && f.name !== '(null)') file.path = f.name
  if (f.inode !== undefined) file.inode = f.inode
  if (f.dev !== undefined) file.device = f.dev
  const mode = f.mode === undefined ? undefined : permissionBits(f.mode)
  if (mode !== undefined) file.mode = mode
  if (f.ouid !== undefined) file.uid = f.ouid
  if (f.ogid !== undefined) file.gid = f.ogid
  if (fe?.OUID !== undefined) file.owner = fe.OUID
  if (fe?.OGID !== undefined) file.group = fe.OGID
  const sel = splitContext(f.obj)
  if (sel !== undefined) file.selinux = sel
  d.doc.file = file
}
