/**
 * User and group names for numeric ids that the log did not resolve (RAW format).
 *
 * ENRICHED logs carry names resolved on the writing host (UID="root"); those always win. When
 * enabled, the rest come from passwd/group files (paths configurable, e.g. a copy taken from
 * the node the log came from), read once and re-read when they change. Off by default in
 * convert and search, so their output does not depend on the machine they run on.
 */
import { readFileSync, statSync } from 'node:fs'
import type { AuditshipEvent } from '../event/types.js'
import { fillRelated } from '../coalesce/related.js'

export interface NameFiles {
  passwd: string
  group: string
}

export const DEFAULT_NAME_FILES: NameFiles = { passwd: '/etc/passwd', group: '/etc/group' }

interface Table { mtimeMs: number, byId: Map<string, string> }

/** Parse passwd/group text: name:x:id:… → id → name (first name wins for a duplicate id). */
export function parseIdFile (text: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue
    const parts = line.split(':')
    if (parts.length < 3 || parts[0] === '' || !/^\d+$/.test(parts[2])) continue
    if (!m.has(parts[2])) m.set(parts[2], parts[0])
  }
  return m
}

export class IdNames {
  private users: Table | undefined
  private groups: Table | undefined
  private checkedAt = 0

  constructor (private readonly files: NameFiles = DEFAULT_NAME_FILES, private readonly recheckMs = 30_000) {}

  private load (path: string, cur: Table | undefined): Table {
    let mtimeMs = -1
    try { mtimeMs = statSync(path).mtimeMs } catch { return { mtimeMs: -1, byId: new Map() } }
    if (cur !== undefined && cur.mtimeMs === mtimeMs) return cur
    try {
      return { mtimeMs, byId: parseIdFile(readFileSync(path, 'utf8')) }
    } catch {
      return { mtimeMs: -1, byId: new Map() }
    }
  }

  private refresh (): void {
    const now = Date.now()
    if (this.users !== undefined && now - this.checkedAt < this.recheckMs) return
    this.checkedAt = now
    this.users = this.load(this.files.passwd, this.users)
    this.groups = this.load(this.files.group, this.groups)
  }

  user (id: string): string | undefined {
    this.refresh()
    return this.users?.byId.get(id)
  }

  group (id: string): string | undefined {
    this.refresh()
    return this.groups?.byId.get(id)
  }

  /** Fill names that are still missing on the document. */
  apply (doc: AuditshipEvent): void {
    const u = doc.user
    if (u !== undefined) {
      if (u.id !== undefined && u.name === undefined) { const n = this.user(u.id); if (n !== undefined) u.name = n }
      this.fill(u.audit, false)
      for (const i of [u.effective, u.target, u.changes, u.saved, u.filesystem]) {
        this.fill(i, false)
        this.fill(i?.group, true)
      }
      this.fill(u.group, true)
    }
    this.fill(doc.group, true)
    const f = doc.file
    if (f !== undefined) {
      if (f.uid !== undefined && f.owner === undefined) { const n = this.user(f.uid); if (n !== undefined) f.owner = n }
      if (f.gid !== undefined && f.group === undefined) { const n = this.group(f.gid); if (n !== undefined) f.group = n }
    }
    fillRelated(doc)
  }

  private fill (i: { id?: string, name?: string } | undefined, group: boolean): void {
    if (i?.id === undefined || i.name !== undefined) return
    const n = group ? this.group(i.id) : this.user(i.id)
    if (n !== undefined) i.name = n
  }
}
