/**
 * The checkpoint file: where to resume reading and the pipeline's join state
 * (schemas/checkpoint.schema.json).
 *
 * MUST write atomically (temporary file, fsync, rename, fsync of the directory): a crash
 *      leaves either the old or the new checkpoint, never a torn one.
 * MUST refuse, as a value ({ ok: false, error }), a checkpoint it cannot use: unreadable, not
 *      JSON, another version, not matching the schema (a well-formed file with wrong types), or
 *      with fields that contradict each other. Whether its offset fits the file on disk is
 *      checked apart, at start (checkpoint-check.ts).
 * The join state is opaque here (`unknown`): the caller owns its meaning.
 */
import { open, rename, readFile, unlink } from 'node:fs/promises'
import { constants } from 'node:fs'
import { join } from 'node:path'
import type { ErrorObject } from 'ajv'
import { validate as validateSchema } from './checkpoint-validator.generated.js'
import type { Checkpoint } from './checkpoint.generated.js'
import { openSafe, safeDir } from './safe-fs.js'

export type { Checkpoint }

export const CHECKPOINT_VERSION = 2
/** Versions that load: 1 has no per-sink positions (`sinks`); its sinks all resume at `position`. */
const LOADABLE = new Set([1, 2])

/** What the caller saves: the store adds the version and the time. */
export type CheckpointState = Omit<Checkpoint, 'version' | 'saved_at'>

export type LoadResult = { ok: true, checkpoint: Checkpoint | undefined } | { ok: false, error: string }

/** The validator of schemas/checkpoint.schema.json, generated at build time (scripts/gen-validator.mjs). */
const validate = validateSchema as ((data: unknown) => data is Checkpoint) & { errors?: ErrorObject[] | null }

/** What the schema cannot say: the fields of a position that must agree with each other. */
export function inconsistency (c: Checkpoint): string | undefined {
  const p = c.position
  if (p === null) return (c.skip?.length ?? 0) > 0 ? '/skip lists events to leave out, but /position is null (no place to resume from)' : undefined
  const id = p.identity
  if (id.fpLen !== undefined && id.fpLen * 2 !== id.fingerprint.length) return `/position/identity/fpLen is ${id.fpLen} but the fingerprint holds ${id.fingerprint.length / 2} bytes`
  if (id.ino === 0 && (p.offset !== 0 || id.dev !== 0 || id.fingerprint !== '')) return '/position/identity/ino 0 (no file was open) with a device, a fingerprint or an offset'
  return undefined
}

export class CheckpointStore {
  readonly path: string
  constructor (readonly dir: string) {
    this.path = join(dir, 'checkpoint.json')
  }

  /** undefined when there is none yet; an error value when it exists but cannot be used. */
  async load (): Promise<LoadResult> {
    let text: string
    try {
      text = await readFile(this.path, { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, checkpoint: undefined }
      return { ok: false, error: `cannot read ${this.path}: ${(err as Error).message}` }
    }
    let c: unknown
    try {
      c = JSON.parse(text)
    } catch (err) {
      return { ok: false, error: `${this.path} is not valid JSON: ${(err as Error).message}` }
    }
    const version = (c as { version?: unknown } | null)?.version
    if (typeof version !== 'number' || !LOADABLE.has(version)) return { ok: false, error: `${this.path}: unsupported checkpoint version ${String(version)}` }
    if (!validate(c)) {
      const e = validate.errors?.[0]
      const where = e === undefined || e.instancePath === '' ? '(top level)' : e.instancePath
      return { ok: false, error: `${this.path} is not a checkpoint (schemas/checkpoint.schema.json): ${where} ${e?.message ?? 'is invalid'}` }
    }
    const wrong = inconsistency(c)
    if (wrong !== undefined) return { ok: false, error: `${this.path} is not a checkpoint auditship writes: ${wrong}` }
    return { ok: true, checkpoint: c }
  }

  /** Serializes `c` before its first await (the checkpointer times that as the save's own work). */
  async save (c: CheckpointState): Promise<void> {
    const body: Checkpoint = { version: CHECKPOINT_VERSION, ...c, saved_at: new Date().toISOString() }
    const text = JSON.stringify(body)
    // created 0750 when missing; refused when others can write in it (safe-fs.ts)
    await safeDir(this.dir)
    const tmp = `${this.path}.tmp`
    // a new file, 0600, never through a symlink left at the temporary name
    const fh = await openSafe(tmp, 'replace', 0o600)
    try {
      await fh.writeFile(text)
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
