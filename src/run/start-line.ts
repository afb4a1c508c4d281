/**
 * The info line that says where reading begins: which file, at which offset, and why there
 * (the checkpoint, or `source.read_from` on a first start), so that an operator can tell a
 * resume from a fresh start and see what will be read again.
 */
import type { Logger } from '../telemetry/logger.js'
import type { SourcePosition } from '../source/source.js'

/** Why reading starts where it does: a checkpoint was loaded, or source.read_from. */
export type StartFrom = 'checkpoint' | 'beginning' | 'end'

const WHY: Record<StartFrom, string> = {
  checkpoint: 'resuming from the checkpoint',
  beginning: 'no checkpoint; read_from: beginning, every file on disk from the oldest',
  end: 'no checkpoint; read_from: end, new records only',
}

export function logStart (log: Logger, at: SourcePosition | null, from: StartFrom): void {
  if (at === null) return
  const fields = { path: at.path, offset: at.offset, from: from === 'checkpoint' ? 'checkpoint' : 'read_from', read_from: from === 'checkpoint' ? undefined : from }
  // no file was open (the log does not exist yet): it is read from its start once it appears
  if (at.identity.ino === 0) log.info(fields, `the audit log ${at.path} does not exist yet: reading it from offset 0 once it appears (${WHY[from]})`)
  else log.info(fields, `reading ${at.path} from offset ${at.offset} (${WHY[from]})`)
}
