/**
 * The level of the daemon's log: `run --log-level LEVEL` wins over the environment variable
 * AUDITSHIP_LOG_LEVEL, which wins over `log.level` in the configuration. A bad value is
 * refused with the accepted ones: on the command line as a usage error (64), in the
 * environment as a configuration error (78). Pure: values, never exceptions.
 */
import { AppErrors, type ErrorDef } from '../errors.js'
import { configSchema } from './schema.js'
import type { JsonObject } from './json.js'

export const LOG_LEVEL_ENV = 'AUDITSHIP_LOG_LEVEL'

/** The accepted levels, from the schema (`log.level`'s enum). */
export function logLevels (): string[] {
  const log = (configSchema().properties as JsonObject).log as JsonObject
  return ((log.properties as JsonObject).level as { enum: string[] }).enum
}

export type LevelOverride =
  | { ok: true, level: string | undefined, from: '--log-level' | typeof LOG_LEVEL_ENV | undefined }
  | { ok: false, error: ErrorDef, message: string }

/**
 * The level that overrides the configuration's, or undefined when neither the command line
 * nor the environment gives one (an empty variable counts as unset). Case is ignored.
 */
export function logLevelOverride (cli: string | undefined, env: NodeJS.ProcessEnv = process.env): LevelOverride {
  const levels = logLevels()
  const check = (v: string, from: '--log-level' | typeof LOG_LEVEL_ENV, error: ErrorDef): LevelOverride => {
    const level = v.trim().toLowerCase()
    if (levels.includes(level)) return { ok: true, level, from }
    return { ok: false, error, message: `${from} must be one of ${levels.join(', ')} (got ${JSON.stringify(v)})` }
  }
  if (cli !== undefined) return check(cli, '--log-level', AppErrors.USAGE)
  const e = env[LOG_LEVEL_ENV]
  if (e !== undefined && e !== '') return check(e, LOG_LEVEL_ENV, AppErrors.CONFIG_INVALID)
  return { ok: true, level: undefined, from: undefined }
}
