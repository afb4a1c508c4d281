/**
 * `auditship run --config FILE`: the daemon. Follows the audit log (or auditd's plugin feed
 * on stdin), ships every event to the configured sinks, and advances the checkpoint only
 * after delivery. SIGTERM/SIGINT: stop reading, deliver what is in flight, save the checkpoint
 * and exit 0, all within shutdown.timeout_ms (past it: exit 1 at once, AS_RUN_SHUTDOWN_TIMEOUT;
 * a checkpoint that cannot be saved: exit 1, AS_RUN_FAILED); a second signal exits at once.
 * SIGHUP: reopen the file sinks' outputs and the dead-letter file (after logrotate).
 */
import { parseArgs } from 'node:util'
import { join } from 'node:path'
import { prepare } from '../config/prepare.js'
import { issuesText } from '../config/print.js'
import { AppErrors, AuditshipError, ExitCodes, exitCodeOf } from '../errors.js'
import { fail } from './report.js'
import { createLogger } from '../telemetry/logger.js'
import { Runner } from '../run/runner.js'
import { Tailer } from '../source/tailer.js'
import { StdinSource } from '../source/stdin.js'
import { buildServer, type ReadyCheck } from '../server/app.js'
import { createMetrics } from '../telemetry/metrics.js'
import { parseListen } from '../config/listen.js'
import { logLevelOverride } from '../config/log-level.js'
import { startChecks } from '../run/start.js'
import { tuneHeapForDaemon } from '../run/heap.js'
import { identityOf } from '../run/identity.js'
import { KernelLost } from '../run/kernel-lost.js'
import { withKernelLost } from '../run/readiness.js'

function isLoopback (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

export const RUN_HELP = `Usage: auditship run --config FILE [--log-level LEVEL] [--reset-checkpoint]

Run the shipper as a daemon with the configuration in FILE (YAML or JSON, see
schemas/config.schema.json and examples/auditship.yaml). An invalid configuration is refused
before anything starts (exit ${ExitCodes.CONFIG}) with the path of each bad key. Nothing is read
either when the state dir or the dead-letter file cannot be written, or another auditship
holds the state dir's lock (<state_dir>/auditship.lock) (exit ${ExitCodes.CANT_CREATE}), or the
checkpoint cannot be used (exit ${ExitCodes.DATA}, with the reason).

Options:
  -c, --config FILE      the configuration file
  --log-level LEVEL      overrides log.level and AUDITSHIP_LOG_LEVEL: fatal, error, warn,
                         info, debug, trace or silent
  --reset-checkpoint     move the checkpoint aside (to checkpoint.json.bad-<time>, kept) and
                         start as without one: source.read_from decides where reading starts.
                         For one start after a refused checkpoint; not for the service's
                         command line
  -h, --help             this help
`

export async function run (argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' }, 'reset-checkpoint': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } })
  if (values.help) { process.stdout.write(RUN_HELP); return ExitCodes.OK }
  if (values.config === undefined) return fail('run', AppErrors.USAGE, '--config FILE is required')
  // --log-level, then AUDITSHIP_LOG_LEVEL, then log.level
  const level = logLevelOverride(values['log-level'])
  if (!level.ok) return fail('run', level.error, level.message)
  const p = await prepare(values.config, { logger: (config) => createLogger({ level: level.level ?? config.log.level, format: config.log.format }) })
  if (!p.ok) { process.stderr.write(issuesText(values.config, p.errors)); return p.exitCode }
  const { config: c, log } = p
  tuneHeapForDaemon()
  // before reading anything: the state dir and the dead letter writable, the state dir's lock,
  // a checkpoint that can be used (released at exit by the lock itself)
  const started = await startChecks({ config: c, configFile: values.config, resetCheckpoint: values['reset-checkpoint'], log })
  if (!started.ok) {
    for (const pr of started.problems) log.error({ code: started.error.code, key: pr.key, path: pr.path, fix: pr.fix }, `cannot start: ${pr.message}`)
    return exitCodeOf(started.error)
  }
  // host, agent (its id kept in the state dir), static fields: on every event
  const identity = await identityOf(c).catch((err: Error) => err)
  if (identity instanceof Error) {
    log.error({ code: AppErrors.PREFLIGHT.code, key: 'state_dir', path: c.state_dir }, `cannot start: the agent id: ${identity.message}`)
    started.lock.release()
    return exitCodeOf(AppErrors.PREFLIGHT)
  }
  const tp = c.enrich.teleport
  const ri = c.enrich.resolve_ids
  const runner = new Runner({
    source: (resume) => c.source.stdin
      ? new StdinSource(process.stdin, c.source.max_line_bytes, c.source.coalesce_ms)
      : new Tailer({
        path: c.source.path,
        start: resume ?? c.source.read_from,
        maxLineBytes: c.source.max_line_bytes,
        chunkBytes: c.source.read_chunk_bytes,
        pollIntervalMs: c.source.poll_interval_ms,
        coalesceMs: c.source.coalesce_ms,
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
      rules: { filter: c.filter, label: c.label },
      identity,
      records: c.output.records,
    },
    idleTimeoutMs: c.correlate.idle_timeout_ms,
    stateDir: c.state_dir,
    checkpointIntervalMs: c.checkpoint.interval_ms,
    checkpointAfterDeliveryMs: c.checkpoint.after_delivery_ms,
    maxPendingEvents: c.delivery.max_pending_events,
    maxPendingBytes: c.delivery.max_pending_bytes,
    deadLetterPath: c.delivery.dead_letter_path ?? join(c.state_dir, 'dead-letter.ndjson'),
    sinks: p.sinks,
    shutdownTimeoutMs: c.shutdown.timeout_ms,
    log,
    readFrom: c.source.read_from,
    statsIntervalSecs: c.log.stats_interval_secs,
  })

  let signals = 0
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++
    if (signals > 1) {
      log.warn({ signal: sig }, 'second signal: exiting at once')
      process.exit(ExitCodes.INTERRUPTED)
    }
    log.info({ signal: sig }, 'stopping: delivering what is in flight')
    // the whole stop is bounded, whatever hangs (a disk, a close): past the timeout, exit now
    // (a timeout under 2 s still leaves 2 s: enough to save the checkpoint on a loaded machine)
    setTimeout(() => {
      log.error({ code: AppErrors.SHUTDOWN_TIMEOUT.code, timeout_ms: c.shutdown.timeout_ms }, 'stopping took longer than shutdown.timeout_ms: exiting now; what the checkpoint did not pass is read again')
      process.exit(exitCodeOf(AppErrors.SHUTDOWN_TIMEOUT))
    }, Math.max(c.shutdown.timeout_ms, 2000)).unref()
    void runner.stop()
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  // logrotate's postrotate: `systemctl kill -s HUP auditship` (the default action would kill us)
  process.on('SIGHUP', () => { runner.reopen().catch((err: Error) => { log.error({ code: AppErrors.RUN_FAILED.code, err: err.message }, 'SIGHUP: reopening failed') }) })

  log.info({ config: values.config, source: c.source.stdin ? 'stdin' : c.source.path, sinks: c.sinks.map((s) => s.type) }, 'auditship starting')
  const token = p.secrets.server
  const kernel = new KernelLost()
  const server = c.server.enabled
    ? buildServer({ alive: () => !runner.failed, ready: async () => await readyWithKernel(runner, c.server.max_lag_secs, kernel), metrics: createMetrics(() => runner.status.metrics(), true, { behindBytes: async () => await runner.status.behindBytes(), kernelLost: async () => await kernel.read() }), token })
    : undefined
  if (server !== undefined) {
    const l = parseListen(c.server.listen) as { host: string, port: number }
    if (token === undefined && !isLoopback(l.host)) log.warn({ listen: c.server.listen }, 'serving health and metrics on a non-loopback address without server.auth_token_file')
    try {
      await server.listen({ host: l.host, port: l.port })
      log.info({ listen: c.server.listen }, 'serving /healthz, /readyz, /metrics')
    } catch (err) {
      log.error({ code: AppErrors.LISTEN.code, listen: c.server.listen, err: (err as Error).message }, 'cannot listen')
      started.lock.release()
      return ExitCodes.FAILURE
    }
  }
  try {
    await runner.run({ checkpoint: started.checkpoint })
  } catch (err) {
    runner.failed = true
    // the Teleport join state of a checkpoint that passed the start checks may still be refused
    const invalid = err instanceof AuditshipError && err.code === AppErrors.CHECKPOINT_INVALID.code
    const fix = `auditship run --config ${values.config} --reset-checkpoint moves it aside and starts without it`
    if (invalid) log.error({ code: err.code, fix }, `cannot start: ${err.message}`)
    else log.error({ code: AppErrors.RUN_FAILED.code, err: (err as Error).message }, 'cannot go on: stopping without moving the checkpoint')
    await runner.finish(false).catch(() => {})
    await server?.close()
    started.lock.release()
    return invalid ? exitCodeOf(AppErrors.CHECKPOINT_INVALID) : ExitCodes.FAILURE
  }
  let all: boolean
  try {
    all = await runner.finish()
  } catch (err) {
    // e.g. the state dir became unwritable: say so and exit non-zero, within the timeout
    log.error({ code: AppErrors.RUN_FAILED.code, err: (err as Error).message }, 'cannot save the checkpoint at shutdown: what was delivered since the last one is sent again on the next start')
    await server?.close()
    started.lock.release()
    return exitCodeOf(AppErrors.RUN_FAILED)
  }
  await server?.close()
  started.lock.release()
  const s = runner.pipeline.stats
  log.info({ records: s.records, events: s.events, parse_errors: s.parseErrors, dead_lettered: runner.stats.deadLettered, delivered_all: all }, 'auditship stopped')
  return ExitCodes.OK
}

/** /readyz: the runner's checks, the kernel's lost count since boot added to the loss check. */
async function readyWithKernel (runner: Runner, maxLagSecs: number, kernel: KernelLost): Promise<ReadyCheck> {
  const r = await runner.status.readiness(maxLagSecs)
  const loss = r.checks.loss
  return loss === undefined ? r : { ...r, checks: { ...r.checks, loss: withKernelLost(loss, await kernel.read()) } }
}
