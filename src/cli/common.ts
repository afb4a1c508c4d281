/**
 * Options shared by the offline commands (convert, search): parsing and validation.
 */
import type { ParseArgsConfig } from 'node:util'
import { positiveInt } from './args.js'
import { DEFAULT_NAME_FILES } from '../enrich/names.js'
import type { PipelineOptions } from '../pipeline/pipeline.js'

export const COMMON_OPTIONS = {
  errors: { type: 'string' },
  'max-in-flight': { type: 'string' },
  'event-timeout': { type: 'string' },
  'max-line-bytes': { type: 'string' },
  original: { type: 'boolean', default: false },
  'resolve-ids': { type: 'boolean', default: false },
  passwd: { type: 'string' },
  group: { type: 'string' },
  'no-teleport': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options']

export const COMMON_HELP = `  --errors FILE          write each bad line (and each invalid event) with its reason as NDJSON
  --max-in-flight N      events under construction at most (default 4096)
  --event-timeout SECS   close an event after SECS of log time without its end (default 2)
  --max-line-bytes N     longer lines are parse errors (default 65536)
  --original             include the raw records in event.original
  --resolve-ids          name numeric uids/gids the log left unresolved, from passwd/group files
  --passwd FILE          passwd file for --resolve-ids (default /etc/passwd)
  --group FILE           group file for --resolve-ids (default /etc/group)
  --no-teleport          do not attribute events to Teleport users
  -h, --help             this help
`

export interface CommonValues {
  errors?: string
  'max-in-flight'?: string
  'event-timeout'?: string
  'max-line-bytes'?: string
  original?: boolean
  'resolve-ids'?: boolean
  passwd?: string
  group?: string
  'no-teleport'?: boolean
}

export interface CommonSettings {
  pipeline: Partial<PipelineOptions>
  maxLineBytes: number
  errorsFile: string | undefined
}

/** The settings, or an error message for the user. */
export function commonSettings (v: CommonValues): CommonSettings | string {
  const maxInFlight = positiveInt(v['max-in-flight'], '--max-in-flight', 4096)
  const timeoutSec = positiveInt(v['event-timeout'], '--event-timeout', 2)
  const maxLineBytes = positiveInt(v['max-line-bytes'], '--max-line-bytes', 65536)
  for (const x of [maxInFlight, timeoutSec, maxLineBytes]) if (typeof x === 'string') return x
  if ((v.passwd !== undefined || v.group !== undefined) && v['resolve-ids'] !== true) return '--passwd and --group go with --resolve-ids'
  const pipeline: Partial<PipelineOptions> = {
    maxInFlight: maxInFlight as number,
    timeoutSec: timeoutSec as number,
    validate: true,
    includeOriginal: v.original === true,
    names: v['resolve-ids'] === true ? { passwd: v.passwd ?? DEFAULT_NAME_FILES.passwd, group: v.group ?? DEFAULT_NAME_FILES.group } : false,
  }
  if (v['no-teleport'] === true) pipeline.teleport = false
  return { pipeline, maxLineBytes: maxLineBytes as number, errorsFile: v.errors }
}
