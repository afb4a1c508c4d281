/** The file: the first PATH record that is not the parent directory (file.*). */
import type { AuditshipEvent } from '../event/types.js'
import type { Draft } from './draft.js'

export function fillFile (d: Draft): void {
  const paths = d.paths
  if (paths === undefined) return
  const parsed = d.parsed
  const pick = describedPath(paths, (i) => parsed[i].fields.nametype)
  const f = parsed[pick].fields
  const fe = parsed[pick].enriched
  const file: NonNullable<AuditshipEvent['file']> = {}
  if (f.name !== undefined && f.name !== '(null)') file.path = f.name
  if (f.inode !== undefined) file.inode = f.inode
  if (f.dev !== undefined) file.device = f.dev
  if (f.mode !== undefined) file.mode = f.mode
  if (f.ouid !== undefined) file.uid = f.ouid
  if (f.ogid !== undefined) file.gid = f.ogid
  if (fe?.OUID !== undefined) file.owner = fe.OUID
  if (fe?.OGID !== undefined) file.group = fe.OGID
  d.doc.file = file
}

/** The PATH record file.* describes: the first that is not the PARENT directory, else the first. */
export function describedPath (paths: readonly number[], nametype: (i: number) => string | undefined): number {
  for (const i of paths) if (nametype(i) !== 'PARENT') return i
  return paths[0]
}
