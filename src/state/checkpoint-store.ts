/**
 * The checkpoint file: where to resume reading and the Teleport join state, written
 * atomically (temporary file, fsync, rename, fsync of the directory) so that a crash leaves
 * either the old or the new checkpoint, never a torn one.
 */
import { open, rename, readFile, mkdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { TeleportState } from '../enrich/teleport.js'

export const CHECKPOINT_VERSION = 1

export interface CheckpointFileIdentity {
  dev: number
  ino: number
  fingerprint: string
  fpLen?: number
}

export interface Checkpoint {
  version: number
  /** the file and the offset of the first line not yet delivered */
  position: { path: string, identity: CheckpointFileIdentity, offset: number } | null
  teleport: TeleportState | null
  saved_at: string
}

export type LoadResult = { ok: true, checkpoint: Checkpoint | undefined } | { ok: false, error: string }

export class CheckpointStore {
  readonly path: string
  constructor (readonly dir: string) {
    this.path = join(dir, 'checkpoint.json')
  }

  /** undefined when there is none yet; an error value when it exists but cannot be used. */
  async load (): Promise<LoadResult> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, checkpoint: undefined }
      return { ok: false, error: `cannot read ${this.path}: ${(err as Error).message}` }
    }
    try {
      const c = JSON.parse(text) as Checkpoint
      if (c.version !== CHECKPOINT_VERSION) return { ok: false, error: `${this.path}: unsupported checkpoint version ${String(c.version)}` }
      return { ok: true, checkpoint: c }
    } catch (err) {
      return { ok: false, error: `${this.path} is not valid JSON: ${(err as Error).message}` }
    }
  }

  async save (c: Omit<Checkpoint, 'version' | 'saved_at'>): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const tmp = `${this.path}.tmp`
    const body = JSON.stringify({ version: CHECKPOINT_VERSION, ...c, saved_at: new Date().toISOString() })
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(body)
      await fh.sync()
    } finally {
      await fh.close()
    }
    try {
      await rename(tmp, this.path)
    } catch (err) {
      await unlink(tmp).catch(() => {})
      throw err
    }
    const dh = await open(this.dir, 'r')
    try { await dh.sync() } finally { await dh.close() }
  }
}
