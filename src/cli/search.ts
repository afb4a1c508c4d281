/**
 * `auditship search`: find what a Teleport user (or session, uid, record type) did, in one
 * command: ausearch's -ua / -m / --session / -ts / -te plus --teleport-user.
 */
import { parseArgs } from 'node:util'
import { runOffline } from './offline.js'
import { COMMON_HELP, COMMON_OPTIONS, commonSettings } from './common.js'
import { configDefaults } from '../config/defaults.js'
import { AppErrors, ExitCodes } from '../errors.js'
import { fail } from './report.js'
import { makeFilter, parseTime, recordTypes, RECORD_TYPE_NAMES, type SearchCriteria } from '../search/filter.js'
import { renderTimeline, TIMELINE_HEADER } from '../search/timeline.js'
import { closest } from '../config/messages.js'
import { rotatedSet } from '../source/rotated.js'

/** the daemon's source.path default (schemas/config.schema.json) */
export const DEFAULT_AUDIT_LOG = configDefaults().source.path

export const SEARCH_HELP = `Usage: auditship search [criteria] [options] [FILE...]

Read audit logs (default: ${DEFAULT_AUDIT_LOG} and its rotated audit.log.N files, oldest
first), run the same pipeline as convert, and print the matching events. All criteria must
match. Like ausearch, exit ${ExitCodes.FAILURE} with "no matches" on stderr when nothing matched.

Criteria:
  --teleport-user NAME   events attributed to this Teleport user (case ignored; * matches
                         any characters: 'alice@*')
  --session N            audit session id (ses=N), or the session bound to a Teleport login
  --type TYPE[,TYPE]     events with a record of one of these types (USER_LOGIN,EXECVE …;
                         a number such as 1400 is its name, AVC)
  --uid N|NAME           uid, auid, euid or login account equal to N (or that name)
  --start TIME           events at or after TIME
  --end TIME             events at or before TIME
                         TIME: 2023-11-15T09:20:00Z, "2023-11-15 09:20:00" (UTC unless an
                         offset is given), 2023-11-15, epoch seconds, now, recent (10 min),
                         today, yesterday, this-week
Output:
  --format json|text     NDJSON events (default), or a readable timeline
  --audit-log PATH       the log whose rotated set is read when no FILE is given
${COMMON_HELP}`

export async function search (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      'teleport-user': { type: 'string' },
      session: { type: 'string' },
      type: { type: 'string' },
      uid: { type: 'string' },
      start: { type: 'string' },
      end: { type: 'string' },
      format: { type: 'string', default: 'json' },
      'audit-log': { type: 'string', default: DEFAULT_AUDIT_LOG },
    },
  })
  if (values.help) { process.stdout.write(SEARCH_HELP); return ExitCodes.OK }
  const usage = (m: string): number => fail('search', AppErrors.USAGE, m)
  const s = commonSettings(values)
  if (typeof s === 'string') return usage(s)
  if (values.format !== 'json' && values.format !== 'text') return usage(`--format must be json or text, got "${values.format}"`)

  const c: SearchCriteria = {}
  if (values['teleport-user'] !== undefined) c.teleportUser = values['teleport-user']
  if (values.session !== undefined) {
    if (!/^\d+$/.test(values.session)) return usage(`--session needs a number, got "${values.session}"`)
    c.session = values.session
  }
  if (values.type !== undefined) {
    const list = values.type.split(',').map((x) => x.trim()).filter((x) => x.length > 0)
    if (list.length === 0) return usage('--type needs at least one record type')
    const types = recordTypes(list)
    if (!types.ok) {
      const near = closest(types.unknown, RECORD_TYPE_NAMES)
      return usage(`--type: unknown record type "${types.unknown}"${near === undefined ? '' : ` (did you mean ${near}?)`}; the names are those of ausearch -m: SYSCALL, EXECVE, USER_LOGIN, AVC …`)
    }
    c.types = types.types
  }
  if (values.uid !== undefined) c.uid = values.uid
  for (const k of ['start', 'end'] as const) {
    const v = values[k]
    if (v === undefined) continue
    const t = parseTime(v)
    if (typeof t === 'string') return usage(`--${k}: ${t}`)
    c[k] = t
  }
  if (c.start !== undefined && c.end !== undefined && c.start > c.end) return usage('--start is after --end')

  let inputs = positionals
  if (inputs.length === 0) {
    inputs = rotatedSet(values['audit-log'])
    if (inputs.length === 0) {
      return fail('search', AppErrors.FILE_READ, `no audit log at ${values['audit-log']} (give FILE arguments or --audit-log)`, ExitCodes.NO_INPUT)
    }
  }
  // the table's header comes with its first row: not before an input error, not without rows
  let header = values.format === 'text'
  const timeline = (doc: Parameters<typeof renderTimeline>[0]): string => {
    const row = renderTimeline(doc)
    if (!header) return row
    header = false
    return TIMELINE_HEADER + row
  }
  const r = await runOffline({
    command: 'search',
    inputs,
    pipeline: s.pipeline,
    maxLineBytes: s.maxLineBytes,
    errorsFile: s.errorsFile,
    failOnInvalid: false,
    filter: makeFilter(c),
    render: values.format === 'text' ? timeline : undefined,
  })
  if (r.code === ExitCodes.OK && r.stats.matched === 0) return fail('search', AppErrors.NO_MATCH, `no matches (${r.stats.events} events read)`)
  return r.code
}
