/**
 * SIGHUP: reopen the output files, as every log daemon does after logrotate moved them — each
 * sink that writes a file (its reopen()) and the dead-letter file — and say in the log what
 * was reopened.
 *
 * MUST NOT stop delivery when a sink's file cannot be opened now: that sink opens it again
 * at its next batch (retried with backoff until it can); the failure is logged with its code.
 * MUST stop like any dead-letter failure (`fail`) when the dead-letter file cannot be made
 * durable before it is closed: a checkpoint must not pass entries that may be lost.
 */
import { AppErrors, SinkErrors } from '../errors.js'
import type { Sink } from '../ship/sink.js'
import type { Logger } from '../telemetry/logger.js'

export interface Reopenable {
  readonly path: string
  reopen: () => void
}

/** What was reopened, as logged: `sink <name>: <path>` and `dead letter: <path>`. */
export async function reopenOutputs (sinks: Sink[], deadLetter: Reopenable, log: Logger, fail: (err: Error) => void): Promise<string[]> {
  const reopened: string[] = []
  for (const s of sinks) {
    if (s.reopen === undefined) continue
    try {
      reopened.push(`sink ${s.name}: ${await s.reopen()}`)
    } catch (err) {
      log.error({ code: SinkErrors.WRITE.code, sink: s.name, err: (err as Error).message }, 'SIGHUP: cannot reopen the output file; it is opened again at the next batch')
    }
  }
  try {
    deadLetter.reopen()
    reopened.push(`dead letter: ${deadLetter.path}`)
  } catch (err) {
    log.error({ code: AppErrors.RUN_FAILED.code, path: deadLetter.path, err: (err as Error).message }, 'SIGHUP: cannot make the dead-letter file durable')
    fail(err as Error)
  }
  log.info({ reopened }, 'SIGHUP: reopened the output files')
  return reopened
}
