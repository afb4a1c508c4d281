/**
 * Prometheus metrics (prom-client). Totals live where the work happens (pipeline, tailer,
 * queues); the registry reads them at scrape time, so the hot path pays nothing per record.
 * Counters follow those totals by adding what they grew by since the last scrape (never reset:
 * a counter only goes up); request durations are prom-client histograms the sinks observe
 * into (request-durations.ts). What needs I/O to know (the bytes the files hold beyond
 * reading) is asked for at scrape time, once per scrape (`behindBytes`).
 */
import { readFileSync } from 'node:fs'
import { Registry, Counter, Gauge, collectDefaultMetrics } from 'prom-client'
import { packageFile } from '../paths.js'
import { requestDurationsMetric, type RequestDurations } from './request-durations.js'

export interface MetricsSource {
  pipeline: { lines: number, records: number, parseErrors: number, events: number, incomplete: number, invalid: number, truncated: number, skipped: number }
  byType: ReadonlyMap<string, number>
  teleport: { record: number, session: number, process: number } | undefined
  source: { bytesRead: number, rotations: number, truncations: number, copytruncates: number, filesLost: number } | undefined
  /** `timings`: the sink's request durations (Sink.timings), undefined for a sink without requests */
  sinks: Array<{ name: string, events: number, batches: number, retries: number, failures: number, failuresByCode: ReadonlyMap<string, number>, rejected: number, queued: number, healthy: boolean, timings: RequestDurations | undefined }>
  deadLettered: number
  pendingEvents: number
  checkpoints: number
  lag: { seconds: number, bytes: number }
  /** events dropped by filter rules, by rule (bounded: the rules are fixed at start) */
  filtered?: ReadonlyMap<string, number>
  /** records lost before they reached the log, as far as the log shows */
  loss?: { kernelLost: number, messages: ReadonlyMap<string, number>, serialGaps: number, missingSerials: number }
}

export interface MetricsExtras {
  /** bytes not yet delivered, read or not (RunStatus.behindBytes); the gauge is absent without it */
  behindBytes?: () => Promise<number>
  /** the kernel's lost count since boot (auditctl -s); the gauge has no value while undefined */
  kernelLost?: () => Promise<number | undefined>
  /** auditship's version for auditship_build_info (default: package.json's) */
  version?: string
}

type Labels<L extends string> = Partial<Record<L, string>>

function packageVersion (): string {
  try {
    return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * A counter that follows running totals kept elsewhere: at scrape time each series grows by
 * what its total grew since the last scrape. A series shows from the first scrape, at 0.
 */
function follow<L extends string> (reg: Registry, name: string, help: string, labelNames: readonly L[], read: () => Iterable<[Labels<L>, number]>): void {
  const seen = new Map<string, number>()
  reg.registerMetric(new Counter<L>({
    name,
    help,
    labelNames,
    registers: [],
    collect () {
      for (const [labels, total] of read()) {
        const key = JSON.stringify(labels)
        const grown = total - (seen.get(key) ?? 0)
        this.inc(labels, Math.max(0, grown))
        if (grown > 0) seen.set(key, total)
      }
    },
  }))
}

function total (reg: Registry, name: string, help: string, read: (s: MetricsSource) => number, src: () => MetricsSource): void {
  follow(reg, name, help, [], () => [[{}, read(src())]])
}

/** period of the event-loop lag sampling timer (auditship_nodejs_eventloop_lag_*) */
export const EVENT_LOOP_SAMPLE_MS = 1000

export function createMetrics (src: () => MetricsSource, withProcess = true, extra: MetricsExtras = {}): Registry {
  const reg = new Registry()
  const build = new Gauge({ name: 'auditship_build_info', help: 'Always 1; the labels say which auditship and which Node.js run.', labelNames: ['version', 'node_version'], registers: [] })
  build.labels(extra.version ?? packageVersion(), process.version).set(1)
  reg.registerMetric(build)
  if (withProcess) {
    // the event-loop lag histogram samples on a timer of this period: prom-client's 10 ms
    // default wakes an idle daemon 100 times a second (most of its idle CPU, measured)
    collectDefaultMetrics({ register: reg, prefix: 'auditship_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS })
    // prom-client names these gauges *_total, which the Prometheus conventions (and
    // `promtool check metrics`) reserve for counters
    for (const n of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) reg.removeSingleMetric(`auditship_${n}`)
  }
  total(reg, 'auditship_lines_read_total', 'Lines read from the source.', (s) => s.pipeline.lines, src)
  total(reg, 'auditship_records_read_total', 'Audit records parsed.', (s) => s.pipeline.records, src)
  total(reg, 'auditship_bytes_read_total', 'Bytes read from audit log files.', (s) => s.source?.bytesRead ?? 0, src)
  total(reg, 'auditship_parse_errors_total', 'Lines that are not audit records (dead-lettered).', (s) => s.pipeline.parseErrors, src)
  total(reg, 'auditship_events_total', 'Events emitted by the pipeline (valid).', (s) => s.pipeline.events, src)
  total(reg, 'auditship_events_incomplete_total', 'Events closed without their end record (timeout, bound, end).', (s) => s.pipeline.incomplete, src)
  total(reg, 'auditship_events_truncated_total', 'Events cut by correlate.max_event_records or max_event_bytes: middle records dropped, auditd.truncated set.', (s) => s.pipeline.truncated, src)
  total(reg, 'auditship_records_skipped_total', 'Records read again after a restart that belong to events delivered before it: left out.', (s) => s.pipeline.skipped, src)
  total(reg, 'auditship_events_invalid_total', 'Events that failed the event schema (dead-lettered).', (s) => s.pipeline.invalid, src)
  total(reg, 'auditship_dead_lettered_total', 'Entries written to the dead-letter file.', (s) => s.deadLettered, src)
  total(reg, 'auditship_checkpoints_total', 'Checkpoints saved.', (s) => s.checkpoints, src)
  total(reg, 'auditship_files_rotated_total', 'Rotations followed.', (s) => s.source?.rotations ?? 0, src)
  total(reg, 'auditship_files_truncated_total', 'Truncations (file read again from 0) and copytruncates followed.', (s) => (s.source?.truncations ?? 0) + (s.source?.copytruncates ?? 0), src)
  total(reg, 'auditship_files_lost_total', 'Checkpointed files gone under every name before they were read to the end.', (s) => s.source?.filesLost ?? 0, src)
  follow(reg, 'auditship_teleport_attributed_events_total', 'Events attributed to a Teleport user, by how.', ['attribution'], () => {
    const t = src().teleport
    return (['record', 'session', 'process'] as const).map((how) => [{ attribution: how }, t?.[how] ?? 0])
  })
  follow(reg, 'auditship_events_filtered_total', 'Events dropped by a filter rule (not shipped, not holding back the checkpoint), by rule.', ['rule'], () =>
    [...(src().filtered ?? [])].map(([rule, n]) => [{ rule }, n]))
  total(reg, 'auditship_kernel_lost_total', 'Audit records the kernel reported lost (audit_lost= in the log grew by this much; a new boot\'s total is added whole).', (s) => s.loss?.kernelLost ?? 0, src)
  follow(reg, 'auditship_audit_loss_messages_total', 'Messages in the log that say records were lost or auditd failed, by kind (backlog_limit_exceeded, rate_limit_exceeded, DAEMON_ERR, DAEMON_ABORT).', ['kind'], () =>
    [...(src().loss?.messages ?? [])].map(([kind, n]) => [{ kind }, n]))
  total(reg, 'auditship_serial_gaps_total', 'Runs of kernel serials missing from the log (per node and boot, not explained by filter rules; late events fill a gap for 10 s of log time before it counts).', (s) => s.loss?.serialGaps ?? 0, src)
  total(reg, 'auditship_missing_serials_total', 'Kernel serials missing from the log in the counted gaps: records that never reached it.', (s) => s.loss?.missingSerials ?? 0, src)
  follow(reg, 'auditship_events_by_type_total', 'Events emitted, by the type of their primary record (lower case).', ['type'], () =>
    [...src().byType].map(([type, n]) => [{ type }, n]))
  reg.registerMetric(new Gauge({ name: 'auditship_checkpoint_lag_seconds', help: 'How long the oldest event read and not yet delivered has waited for delivery (not its age by log time); 0 when all is delivered.', registers: [], collect () { this.set(src().lag.seconds) } }))
  reg.registerMetric(new Gauge({ name: 'auditship_checkpoint_lag_bytes', help: 'Bytes read but behind the checkpoint (in the same file; else the read offset, a lower bound).', registers: [], collect () { this.set(src().lag.bytes) } }))
  const behind = extra.behindBytes
  if (behind !== undefined) reg.registerMetric(new Gauge({ name: 'auditship_behind_bytes', help: 'Bytes of the audit log not yet delivered: from the checkpoint to the end of the files on disk, read or not.', registers: [], async collect () { this.set(await behind()) } }))
  const kernelLost = extra.kernelLost
  if (kernelLost !== undefined) {
    reg.registerMetric(new Gauge({
      name: 'auditship_kernel_audit_lost',
      help: 'Audit records the kernel lost since boot, as auditctl -s says (needs root or CAP_AUDIT_CONTROL; no sample when it cannot be asked).',
      labelNames: ['source'],
      registers: [],
      async collect () {
        const v = await kernelLost()
        this.reset()
        if (v !== undefined) this.labels('auditctl').set(v)
      },
    }))
  }
  reg.registerMetric(new Gauge({ name: 'auditship_pending_events', help: 'Events read and not yet delivered by every sink.', registers: [], collect () { this.set(src().pendingEvents) } }))
  const perSink = (name: string, help: string, read: (s: MetricsSource['sinks'][number]) => number): void =>
    follow(reg, name, help, ['sink'], () => src().sinks.map((s) => [{ sink: s.name }, read(s)]))
  const perSinkGauge = (name: string, help: string, read: (s: MetricsSource['sinks'][number]) => number): void => {
    reg.registerMetric(new Gauge({ name, help, labelNames: ['sink'], registers: [], collect () { for (const s of src().sinks) this.labels(s.name).set(read(s)) } }))
  }
  perSink('auditship_sink_events_sent_total', 'Events delivered by the sink.', (s) => s.events)
  perSink('auditship_sink_batches_total', 'Batches delivered by the sink.', (s) => s.batches)
  perSink('auditship_sink_retries_total', 'Batch retries after a failure.', (s) => s.retries)
  perSink('auditship_sink_dead_lettered_total', 'Events the sink refused for good or that expired (retry.max_age_secs): written to the dead-letter file.', (s) => s.rejected)
  perSinkGauge('auditship_sink_in_flight_events', 'Events buffered or being sent by the sink.', (s) => s.queued)
  perSinkGauge('auditship_sink_healthy', '1 when the sink works or retries a transient failure within its budget; 0 after repeated failures or refused credentials.', (s) => (s.healthy ? 1 : 0))
  follow(reg, 'auditship_sink_failures_total', 'Failed attempts (whole or partial batches), by sink and error code (docs/errors.md, AS_SINK_*).', ['sink', 'code'], () =>
    src().sinks.flatMap((s) => [...s.failuresByCode].map(([code, n]): [Labels<'sink' | 'code'>, number] => [{ sink: s.name, code }, n])))
  reg.registerMetric(requestDurationsMetric(() => src().sinks))
  return reg
}
