/**
 * Everything `run`, `check-config` and `doctor` need from a configuration file, in one path:
 * read and validate it, read the server's token, build the sinks (each sink's factory reads
 * its own secrets and TLS files). A value, never an exception: ok with all of it, or every issue found at the first
 * step that failed, with the key paths, the registry's error and the exit code.
 *
 * The caller owns the sinks it gets back: it closes them.
 *
 * Secrets and TLS files are the machine's, not the configuration's: `check-config` asks for
 * them as warnings (`unreadable: 'warn'`), so that a configuration passes on a machine where
 * they are not installed yet; `run` and `doctor` keep them as errors (the default).
 */
import { AppErrors, exitCodeOf, type ErrorDef, type ExitCode } from '../errors.js'
import { buildSinks, type BuiltSink } from '../ship/build.js'
import { hostNames } from '../enrich/host.js'
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
  /** with `unreadable: 'warn'`, a token that could not be read is missing */
  secrets: Secrets
  /** with `unreadable: 'warn'` and a secret or TLS file that cannot be read: none */
  sinks: BuiltSink[]
  /** what `logger` made of the config (the one the sinks warn to) */
  log: L
  /** with `unreadable: 'warn'`: the secrets and TLS files that cannot be read, each with its fix */
  warnings: ConfigIssue[]
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
  logger?: (config: Config) => L
  /** a secret or TLS file that cannot be read: 'error' (default; run, doctor) or 'warn' (check-config) */
  unreadable?: 'error' | 'warn'
}

const QUIET: Warner = { warn: () => {} }

function failed (errors: ConfigIssue[]): PrepareFailed {
  return { ok: false, error: AppErrors.CONFIG_INVALID, errors, exitCode: exitCodeOf(AppErrors.CONFIG_INVALID) }
}

/** A TLS file the sinks read at start (`sinks[0].tls.ca_file` …). */
const TLS_FILE = /\.tls\.(ca|cert|key)_file$/
/**
 * A key naming something of the machine's that a factory reads at start: a secret's file or
 * variable (`sinks[0].auth.api_key_file`, `sinks[1].token_env`) or a TLS file. (Whether such a
 * key is required or allowed is checked before, with the configuration: config/rules.ts.)
 */
const MACHINE_FILE = /\.([a-z_]+_(file|env))$/

/** What to do about a secret or TLS file that cannot be read, by its key. */
export function unreadableFix (path: string): string {
  if (path.endsWith('_env')) return 'set the variable in auditship\'s environment (systemd: Environment= or EnvironmentFile= in the unit)'
  const tls = TLS_FILE.exec(path)?.[1]
  if (tls === 'ca') return 'put the CA certificate (PEM) there, or remove tls.ca_file to use the system CAs'
  if (tls !== undefined) return `put the client ${tls === 'cert' ? 'certificate' : 'key'} (PEM) there, readable by the user auditship runs as`
  return 'put the secret in that file (one line, mode 0600, readable by the user auditship runs as)'
}

/** Without a logger, the sinks' warnings are dropped (check-config, doctor). */
export async function prepare (path: string, o?: Omit<PrepareOptions<Warner>, 'logger'>): Promise<PrepareResult>
export async function prepare<L extends Warner> (path: string, o: PrepareOptions<L> & { logger: (config: Config) => L }): Promise<PrepareResult<L>>
export async function prepare (path: string, o?: PrepareOptions<Warner>): Promise<PrepareResult> {
  const loaded = await loadConfig(path)
  if (!loaded.ok) return failed(loaded.errors)
  const config = loaded.config
  const log = o?.logger?.(config) ?? QUIET
  const warn = o?.unreadable === 'warn'
  const serverToken = await readServerToken(config)
  const built = await buildSinks(config, { warn: (fields, msg) => { log.warn(fields, msg) }, host: hostNames(config.host.name).name })
  const unread = [...(built.ok ? [] : built.errors.filter((i) => MACHINE_FILE.test(i.path))), ...(serverToken.ok ? [] : serverToken.errors)]
  const other = built.ok ? [] : built.errors.filter((i) => !MACHINE_FILE.test(i.path))
  if (other.length > 0 || (!warn && unread.length > 0)) {
    if (built.ok) for (const { sink } of built.sinks) await sink.close()
    return failed([...(built.ok ? [] : built.errors), ...(serverToken.ok ? [] : serverToken.errors)])
  }
  const secrets: Secrets = { server: serverToken.ok ? serverToken.token : undefined }
  const warnings = unread.map((i) => ({ ...i, fix: unreadableFix(i.path) }))
  return { ok: true, config, secrets, sinks: built.ok ? built.sinks : [], log, warnings }
}
