/**
 * auditship's own log (pino) to stderr, written synchronously so nothing is lost on exit. One
 * line per notable event (start, rotation, loss, sink unhealthy/healthy, dead letter …),
 * never per record. Keys that may hold secrets are redacted, and so is every secret this process
 * holds (telemetry/redact.ts) wherever it appears in a line.
 *
 * Format (`log.format`): `json`, one object per line; `pretty`, one readable line
 * (log-format.ts); `auto`, pretty when the output is a terminal, else json. Under systemd
 * (`JOURNAL_STREAM` set) each line starts with its syslog priority (`<3>` error …), in either
 * format, so that journald files it at that priority (`journalctl -p err`).
 */
import { isatty } from 'node:tty'
import { pino, type DestinationStream, type Logger } from 'pino'
import { prettyLine, syslogPriority, withPriority } from './log-format.js'
import { scrubSecrets } from './redact.js'

export type { Logger }

export type LogFormat = 'auto' | 'pretty' | 'json'

export const REDACT_PATHS = ['*.password', '*.token', '*.api_key', '*.authorization', 'password', 'token', 'api_key', 'authorization']

export interface LoggerOptions {
  /** pino level name: fatal, error, warn, info, debug, trace, silent */
  level: string
  /** default auto */
  format?: LogFormat
  /** default 2 (stderr) */
  fd?: number
  /** JOURNAL_STREAM, NO_COLOR, TERM are read from here (default process.env) */
  env?: NodeJS.ProcessEnv
  /** whether fd is a terminal (default: asked of the fd) */
  tty?: boolean
}

/** What the lines look like, decided once from the options and the environment. */
export interface LineStyle {
  pretty: boolean
  color: boolean
  journal: boolean
}

export function lineStyle (o: LoggerOptions): LineStyle {
  const env = o.env ?? process.env
  const tty = o.tty ?? isatty(o.fd ?? 2)
  const journal = (env.JOURNAL_STREAM ?? '') !== ''
  const pretty = o.format === 'pretty' || ((o.format ?? 'auto') === 'auto' && tty)
  const color = pretty && tty && !journal && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb'
  return { pretty, color, journal }
}

/**
 * The stream pino writes to: each serialised entry, reformatted and prefixed as the style
 * says, then written synchronously. pino hands over the entry's level through its metadata
 * protocol (`lastLevel`).
 */
const NEEDS_METADATA: unique symbol = Symbol.for('pino.metadata')

class StyledStream {
  readonly [NEEDS_METADATA] = true
  lastLevel = 30

  constructor (private readonly style: LineStyle, private readonly out: DestinationStream) {}

  write (s: string): void {
    let text = s
    if (this.style.pretty) {
      try {
        text = prettyLine(JSON.parse(s) as Record<string, unknown>, this.style.color) + '\n'
      } catch { /* not JSON: write it as it is */ }
    }
    if (this.style.journal) text = withPriority(text, syslogPriority(this.lastLevel))
    this.out.write(text)
  }

  // logger.flush() reaches the destination through these (it is synchronous: nothing waits)
  flush (cb?: (err?: Error) => void): void { cb?.() }
  flushSync (): void {}
}

/** A logger as `o` says; a bare level string is `{ level }` (format auto, stderr). */
export function createLogger (o: LoggerOptions | string, fd = 2): Logger {
  const opts: LoggerOptions = typeof o === 'string' ? { level: o, fd } : o
  const dest = pino.destination({ fd: opts.fd ?? 2, sync: true })
  const style = lineStyle(opts)
  return pino({
    level: opts.level,
    base: { name: 'auditship' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: scrubSecrets },
  }, style.pretty || style.journal ? new StyledStream(style, dest) : dest)
}
