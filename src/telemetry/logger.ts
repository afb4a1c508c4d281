/**
 * Structured logs (pino) to stderr, written synchronously so nothing is lost on exit. One
 * line per notable event (start, rotation, loss, sink unhealthy/healthy, dead letter …),
 * never per record. Keys that may hold secrets are redacted.
 */
import { pino, type Logger } from 'pino'

export type { Logger }

export const REDACT_PATHS = ['*.password', '*.token', '*.api_key', '*.authorization', 'password', 'token', 'api_key', 'authorization']

export function createLogger (level: string, fd = 2): Logger {
  return pino({
    level,
    base: { name: 'auditship' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  }, pino.destination({ fd, sync: true }))
}
