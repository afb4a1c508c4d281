/**
 * Preflight for file safety (the daemon runs as root on audit data): the directories it writes
 * files in — the state dir, the dead-letter file's directory, each file sink's output directory
 * — must not be writable by other users nor owned by another non-root user, and the files it
 * writes there must not be symbolic links (delivery/safe-fs.ts, which the writers use at every
 * open too). `run` refuses to start on any of these (AS_RUN_PREFLIGHT, exit 73) naming the
 * path and the reason; `check-config` lists them as warnings.
 *
 * MUST NOT throw nor change the machine: a directory that does not exist yet is fine (it is
 * created 0750 by us); what cannot be examined is left to the writability checks.
 */
import { lstat, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { AppErrors } from '../errors.js'
import { dirProblem } from '../delivery/safe-fs.js'
import type { Config } from './types.js'
import type { PreflightIssue } from './preflight.js'

interface Written {
  /** the configuration key */
  key: string
  /** what it is, in messages */
  what: string
  file: string
}

/** Every file `run` writes, with the key that places it. */
function written (c: Config): Written[] {
  const out: Written[] = [{ key: 'state_dir', what: 'the checkpoint', file: join(c.state_dir, 'checkpoint.json') }]
  out.push(c.delivery.dead_letter_path === null
    ? { key: 'state_dir', what: 'the dead-letter file', file: join(c.state_dir, 'dead-letter.ndjson') }
    : { key: 'delivery.dead_letter_path', what: 'the dead-letter file', file: c.delivery.dead_letter_path })
  c.sinks.forEach((s, i) => { if (s.type === 'file') out.push({ key: `sinks[${i}].path`, what: `the output of sink ${s.name ?? i}`, file: s.path }) })
  return out
}

function issue (path: string, message: string, fix: string): PreflightIssue {
  return { path, message, fix, error: AppErrors.PREFLIGHT, stops: true }
}

async function examine (w: Written, seenDirs: Set<string>): Promise<PreflightIssue[]> {
  const out: PreflightIssue[] = []
  const dir = dirname(w.file)
  if (!seenDirs.has(dir)) {
    seenDirs.add(dir)
    const st = await stat(dir).catch(() => undefined)
    const p = st === undefined ? undefined : dirProblem(st)
    if (p !== undefined) out.push(issue(w.key, `the directory of ${w.what}, ${dir}, ${p.reason}: a user who can write there could make auditship (root) overwrite any file`, p.fix))
  }
  const lst = await lstat(w.file).catch(() => undefined)
  if (lst?.isSymbolicLink() === true) out.push(issue(w.key, `${w.what} ${w.file} is a symbolic link: auditship does not write through links`, `remove the link (rm ${w.file}); auditship creates the file`))
  return out
}

/** Every unsafe directory or link among the files `run` writes; [] when all are safe. */
export async function checkSafety (c: Config): Promise<PreflightIssue[]> {
  const seen = new Set<string>()
  const out: PreflightIssue[] = []
  for (const w of written(c)) out.push(...await examine(w, seen))
  return out
}
