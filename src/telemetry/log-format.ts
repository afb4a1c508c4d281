/**
 * How one entry of auditship's own log reads on a terminal, and the syslog priority that
 * journald files it under. Pure functions over the entry pino has already serialised (so the
 * redaction of secret-bearing keys has been applied).
 *
 *   2026-11-24T10:13:52.653Z INFO  auditship starting config=/etc/auditship.yaml sinks=["file"]
 *
 * MUST keep one entry on one line (control characters in the message and values are
 *      escaped), except an error's stack, indented on the lines after it.
 * MUST show every field of the entry (besides time, level, msg and the logger's name) as
 *      key=value, strings bare when they need no quoting, anything else as JSON.
 */

const LEVELS: ReadonlyArray<[number, string, number]> = [
  // pino level, name, syslog priority (sd-daemon.h: <2> crit, <3> err, <4> warning, <6> info, <7> debug)
  [60, 'FATAL', 2],
  [50, 'ERROR', 3],
  [40, 'WARN', 4],
  [30, 'INFO', 6],
  [20, 'DEBUG', 7],
  [10, 'TRACE', 7],
]

const COLORS: Record<string, string> = { FATAL: '35', ERROR: '31', WARN: '33', INFO: '32', DEBUG: '36', TRACE: '90' }

/** Keys shown elsewhere in the line, or on every line alike. */
const HIDDEN = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname'])

function levelOf (n: number): [number, string, number] {
  return LEVELS.find(([min]) => n >= min) ?? LEVELS[LEVELS.length - 1]
}

/** The syslog priority of a pino level: `<3>` for error … (`journalctl -p err` reads it). */
export function syslogPriority (level: number): number {
  return levelOf(level)[2]
}

/** `level` as a name, upper case (`INFO`). */
export function levelName (level: number): string {
  return levelOf(level)[1]
}

const CONTROL = /[\x00-\x1f\x7f]/g

function escapeControls (s: string): string {
  return s.replace(CONTROL, (c) => JSON.stringify(c).slice(1, -1))
}

/** A value as written after `key=`: bare when unambiguous, else JSON. */
export function fieldValue (v: unknown): string {
  if (typeof v === 'string') return v !== '' && /^[^\s"=\\\x00-\x1f\x7f]+$/.test(v) ? v : JSON.stringify(v)
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v)
  return JSON.stringify(v) ?? String(v)
}

interface SerializedError { message?: unknown, stack?: unknown }

function isSerializedError (v: unknown): v is SerializedError {
  return typeof v === 'object' && v !== null && 'message' in v && 'stack' in v
}

/**
 * One entry (pino's JSON, parsed) as a line for people, without the trailing newline.
 * `color`: ANSI colours for the level name (a terminal only).
 */
export function prettyLine (entry: Record<string, unknown>, color = false): string {
  const level = typeof entry.level === 'number' ? entry.level : 30
  const name = levelName(level)
  const shownLevel = color ? `\x1b[${COLORS[name]}m${name.padEnd(5)}\x1b[0m` : name.padEnd(5)
  const time = typeof entry.time === 'string' ? entry.time : new Date(typeof entry.time === 'number' ? entry.time : Date.now()).toISOString()
  let line = `${color ? `\x1b[2m${time}\x1b[0m` : time} ${shownLevel} ${escapeControls(String(entry.msg ?? ''))}`
  let stack: string | undefined
  for (const [k, v] of Object.entries(entry)) {
    if (HIDDEN.has(k) || v === undefined) continue
    if (isSerializedError(v)) {
      line += ` ${k}=${fieldValue(v.message)}`
      if (typeof v.stack === 'string') stack = v.stack
      continue
    }
    line += ` ${k}=${fieldValue(v)}`
  }
  if (stack !== undefined) {
    // the frames only: the message is in err= already (and may span lines itself)
    const frames = stack.split('\n').filter((l) => /^\s+at /.test(l))
    if (frames.length > 0) line += '\n' + frames.map((l) => `    ${escapeControls(l.trim())}`).join('\n')
  }
  return line
}

/** Each line of `text` (ending in a newline) prefixed with `<priority>`. */
export function withPriority (text: string, priority: number): string {
  const p = `<${priority}>`
  const body = text.endsWith('\n') ? text.slice(0, -1) : text
  return p + body.replaceAll('\n', '\n' + p) + '\n'
}
