/** The file: the first PATH record that is not the parent directory (file.*). */
import type { AuditshipEvent } from '../event/types.js'
import type { Draft } from './draft.js'

export function fillFile (d: Draft): void {
  const paths = d.paths
  if (paths === undefined) return
  const parsed = d.parsed
  let pick = paths[0]
  for (const i of paths) {
    if (parsed[i].fields.nametype !== 'PARENT') { pick = i; break }
  }
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
