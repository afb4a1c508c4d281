/**
 * Everything `run`, `check-config` and `doctor` need from a configuration file, in one path:
 * read and validate it, read the server's token, build the sinks (each sink's factory reads
 * its own secrets and TLS files). A value, never an exception: ok with all of it, or every issue found at the first
 * step that failed, with the key paths, the registry's error and the exit code.
 *
 * The caller owns the sinks it gets back: it closes them.
 */
import { AppErrors, exitCodeOf, type ErrorDef, type ExitCode } from '../errors.js'
import { buildSinks, type BuiltSink } from '../ship/build.js'
import { loadConfig } from './load.js'
import { readServerToken } from './secrets.js'
import type { Config, ConfigIssue } from './types.js'

/** Where the sinks' warnings go: at start (e.g. TLS not verified) and while running. */
export interface Warner {
  warn: (fields: Record<string, unknown>, msg: string) => void
}

export interface Secrets {
  /** the bearer token /healthz, /readyz and /metrics require, when the server has one */
  server: string | undefined
}

export interface Prepared<L extends Warner = Warner> {
  ok: true
  config: Config
  secrets: Secrets
  sinks: BuiltSink[]
  /** what `logger` made of the config (the one the sinks warn to) */
  log: L
}

export interface PrepareFailed {
  ok: false
  /** AppErrors.CONFIG_INVALID */
  error: ErrorDef
  errors: ConfigIssue[]
  /** ExitCodes.CONFIG */
  exitCode: ExitCode
}

export type PrepareResult<L extends Warner = Warner> = Prepared<L> | PrepareFailed

export interface PrepareOptions<L extends Warner> {
  /** the logger, made from the valid config (its log.level), before the sinks are built */
  logger: (config: Config) => L
}

const QUIET: Warner = { warn: () => {} }

function failed (errors: ConfigIssue[]): PrepareFailed {
  return { ok: false, error: AppErrors.CONFIG_INVALID, errors, exitCode: exitCodeOf(AppErrors.CONFIG_INVALID) }
}

/** Without a logger, the sinks' warnings are dropped (check-config, doctor). */
export async function prepare (path: string): Promise<PrepareResult>
export async function prepare<L extends Warner> (path: string, o: PrepareOptions<L>): Promise<PrepareResult<L>>
export async function prepare (path: string, o?: PrepareOptions<Warner>): Promise<PrepareResult> {
  const loaded = await loadConfig(path)
  if (!loaded.ok) return failed(loaded.errors)
  const config = loaded.config
  const log = o?.logger(config) ?? QUIET
  const serverToken = await readServerToken(config)
  const built = await buildSinks(config, { warn: (fields, msg) => { log.warn(fields, msg) } })
  const issues = [...(built.ok ? [] : built.errors), ...(serverToken.ok ? [] : serverToken.errors)]
  if (!built.ok || !serverToken.ok) {
    if (built.ok) for (const { sink } of built.sinks) await sink.close()
    return failed(issues)
  }
  return { ok: true, config, secrets: { server: serverToken.token }, sinks: built.sinks, log }
}
