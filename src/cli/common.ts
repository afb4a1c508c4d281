/**
 * Options shared by the offline commands (convert, search): parsing and validation. Their
 * defaults are the daemon's, from schemas/config.schema.json.
 */
import type { ParseArgsConfig } from 'node:util'
import { positiveInt } from './args.js'
import { configDefaults } from '../config/defaults.js'
import type { PipelineOptions } from '../pipeline/pipeline.js'

const D = configDefaults()

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
  --max-in-flight N      events under construction at most (default ${D.correlate.max_in_flight})
  --event-timeout SECS   close an event after SECS of log time without its end (default ${D.correlate.event_timeout_secs})
  --max-line-bytes N     longer lines are parse errors (default ${D.source.max_line_bytes})
  --original             include the raw records in event.original
  --resolve-ids          name numeric uids/gids the log left unresolved, from passwd/group files
  --passwd FILE          passwd file for --resolve-ids (default ${D.enrich.resolve_ids.passwd})
  --group FILE           group file for --resolve-ids (default ${D.enrich.resolve_ids.group})
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
  pipeline: PipelineOptions
  maxLineBytes: number
  errorsFile: string | undefined
}

/** The settings, or an error message for the user. */
export function commonSettings (v: CommonValues): CommonSettings | string {
  const maxInFlight = positiveInt(v['max-in-flight'], '--max-in-flight', D.correlate.max_in_flight)
  const timeoutSec = positiveInt(v['event-timeout'], '--event-timeout', D.correlate.event_timeout_secs)
  const maxLineBytes = positiveInt(v['max-line-bytes'], '--max-line-bytes', D.source.max_line_bytes)
  for (const x of [maxInFlight, timeoutSec, maxLineBytes]) if (typeof x === 'string') return x
  if ((v.passwd !== undefined || v.group !== undefined) && v['resolve-ids'] !== true) return '--passwd and --group go with --resolve-ids'
  const tp = D.enrich.teleport
  const pipeline: PipelineOptions = {
    maxInFlight: maxInFlight as number,
    timeoutSec: timeoutSec as number,
    maxEventRecords: D.correlate.max_event_records,
    maxEventBytes: D.correlate.max_event_bytes,
    validate: true,
    includeOriginal: v.original === true,
    teleport: v['no-teleport'] === true ? false : { graceSecs: tp.grace_secs, maxSessions: tp.max_sessions, maxProcesses: tp.max_processes },
    names: v['resolve-ids'] === true ? { passwd: v.passwd ?? D.enrich.resolve_ids.passwd, group: v.group ?? D.enrich.resolve_ids.group } : false,
  }
  return { pipeline, maxLineBytes: maxLineBytes as number, errorsFile: v.errors }
}
