/**
 * `auditship run --config FILE`: the daemon. Follows the audit log (or auditd's plugin feed
 * on stdin), ships every event to the configured sinks, and advances the checkpoint only
 * after delivery. SIGTERM/SIGINT: stop reading, deliver what is in flight within
 * shutdown.timeout_ms, save the checkpoint, exit 0; a second signal exits at once.
 */
import { parseArgs } from 'node:util'
import { join } from 'node:path'
import { prepare } from '../config/prepare.js'
import { issuesText } from '../config/print.js'
import { AppErrors, ExitCodes } from '../errors.js'
import { fail } from './report.js'
import { createLogger } from '../telemetry/logger.js'
import { Runner } from '../run/runner.js'
import { Tailer } from '../source/tailer.js'
import { StdinSource } from '../source/stdin.js'
import { buildServer } from '../server/app.js'
import { createMetrics } from '../telemetry/metrics.js'
import { parseListen } from '../config/listen.js'
import { logLevelOverride } from '../config/log-level.js'

function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

export const RUN_HELP = `Usage: auditship run --config FILE [--log-level LEVEL]

Run the shipper as a daemon with the configuration in FILE (YAML or JSON, see
schemas/config.schema.json and examples/auditship.yaml). An invalid configuration is refused
before anything starts (exit ${ExitCodes.CONFIG}) with the path of each bad key.

Options:
  -c, --config FILE      the configuration file
  --log-level LEVEL      overrides log.level and AUDITSHIP_LOG_LEVEL: fatal, error, warn,
                         info, debug, trace or silent
  -h, --help             this help
`

export async function run (argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } })
  if (values.help) { process.stdout.write(RUN_HELP); return ExitCodes.OK }
  if (values.config === undefined) return fail('run', AppErrors.USAGE, '--config FILE is required')
  // --log-level, then AUDITSHIP_LOG_LEVEL, then log.level
  const level = logLevelOverride(values['log-level'])
  if (!level.ok) return fail('run', level.error, level.message)
  const p = await prepare(values.config, { logger: (config) => createLogger({ level: level.level ?? config.log.level, format: config.log.format }) })
  if (!p.ok) { process.stderr.write(issuesText(values.config, p.errors)); return p.exitCode }
  const { config: c, log } = p
  const tp = c.enrich.teleport
  const ri = c.enrich.resolve_ids
  const runner = new Runner({
    source: (resume) => c.source.stdin
      ? new StdinSource(process.stdin, c.source.max_line_bytes)
      : new Tailer({
        path: c.source.path,
        start: resume ?? c.source.read_from,
        maxLineBytes: c.source.max_line_bytes,
        chunkBytes: c.source.read_chunk_bytes,
        pollIntervalMs: c.source.poll_interval_ms,
        log: (level, msg, fields) => log[level](fields ?? {}, msg),
      }),
    pipeline: {
      maxInFlight: c.correlate.max_in_flight,
      timeoutSec: c.correlate.event_timeout_secs,
      maxEventRecords: c.correlate.max_event_records,
      maxEventBytes: c.correlate.max_event_bytes,
      validate: true,
      includeOriginal: c.enrich.include_original,
      teleport: tp.enabled ? { graceSecs: tp.grace_secs, maxSessions: tp.max_sessions, maxProcesses: tp.max_processes } : false,
      names: ri.enabled ? { passwd: ri.passwd, group: ri.group } : false,
    },
    idleTimeoutMs: c.correlate.idle_timeout_ms,
    stateDir: c.state_dir,
    checkpointIntervalMs: c.checkpoint.interval_ms,
    maxPendingEvents: c.delivery.max_pending_events,
    maxPendingBytes: c.delivery.max_pending_bytes,
    deadLetterPath: c.delivery.dead_letter_path ?? join(c.state_dir, 'dead-letter.ndjson'),
    sinks: p.sinks,
    shutdownTimeoutMs: c.shutdown.timeout_ms,
    log,
  })

  let signals = 0
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++
    if (signals > 1) {
      log.warn({ signal: sig }, 'second signal: exiting at once')
      process.exit(ExitCodes.INTERRUPTED)
    }
    log.info({ signal: sig }, 'stopping: delivering what is in flight')
    void runner.stop()
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)

  log.info({ config: values.config, source: c.source.stdin ? 'stdin' : c.source.path, sinks: c.sinks.map((s) => s.type) }, 'auditship starting')
  const token = p.secrets.server
  const server = c.server.enabled
    ? buildServer({ alive: () => !runner.failed, ready: () => runner.status.readiness(c.server.max_lag_secs), metrics: createMetrics(() => runner.status.metrics()), token })
    : undefined
  if (server !== undefined) {
    const l = parseListen(c.server.listen) as { host: string, port: number }
    if (token === undefined && !isLoopback(l.host)) log.warn({ listen: c.server.listen }, 'serving health and metrics on a non-loopback address without server.auth_token_file')
    try {
      await server.listen({ host: l.host, port: l.port })
      log.info({ listen: c.server.listen }, 'serving /healthz, /readyz, /metrics')
    } catch (err) {
      log.error({ code: AppErrors.LISTEN.code, listen: c.server.listen, err: (err as Error).message }, 'cannot listen')
      return ExitCodes.FAILURE
    }
  }
  try {
    await runner.run()
  } catch (err) {
    runner.failed = true
    log.error({ code: AppErrors.RUN_FAILED.code, err: (err as Error).message }, 'cannot go on: stopping without moving the checkpoint')
    await runner.finish(false).catch(() => {})
    await server?.close()
    return ExitCodes.FAILURE
  }
  const all = await runner.finish()
  await server?.close()
  const s = runner.pipeline.stats
  log.info({ records: s.records, events: s.events, parse_errors: s.parseErrors, dead_lettered: runner.stats.deadLettered, delivered_all: all }, 'auditship stopped')
  return ExitCodes.OK
}
