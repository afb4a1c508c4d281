/**
 * Prometheus metrics (prom-client). Totals live where the work happens (pipeline, tailer,
 * queues); the registry reads them at scrape time, so the hot path pays nothing per record.
 */
import { Registry, Counter, Gauge, collectDefaultMetrics, type Metric } from 'prom-client'
import { DurationHistogram } from '../ship/sink.js'

export interface MetricsSource {
  pipeline: { lines: number, records: number, parseErrors: number, events: number, incomplete: number, invalid: number }
  byType: ReadonlyMap<string, number>
  teleport: { record: number, session: number, process: number } | undefined
  source: { bytesRead: number, rotations: number, truncations: number, copytruncates: number, filesLost: number } | undefined
  sinks: Array<{ name: string, events: number, batches: number, retries: number, failures: number, failuresByCode: ReadonlyMap<string, number>, rejected: number, queued: number, healthy: boolean, timings: DurationHistogram | undefined }>
  deadLettered: number
  pendingEvents: number
  checkpoints: number
  lag: { seconds: number, bytes: number }
}

function total (reg: Registry, name: string, help: string, read: (s: MetricsSource) => number, src: () => MetricsSource): void {
  // a counter whose value is read from a running total at scrape time
  new Counter({ name, help, registers: [reg], collect () { this.reset(); this.inc(read(src())) } }) // eslint-disable-line no-new
}

export function createMetrics (src: () => MetricsSource, withProcess = true): Registry {
  const reg = new Registry()
  if (withProcess) {
    collectDefaultMetrics({ register: reg, prefix: 'auditship_' })
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
  total(reg, 'auditship_events_invalid_total', 'Events that failed the event schema (dead-lettered).', (s) => s.pipeline.invalid, src)
  total(reg, 'auditship_dead_lettered_total', 'Entries written to the dead-letter file.', (s) => s.deadLettered, src)
  total(reg, 'auditship_checkpoints_total', 'Checkpoints saved.', (s) => s.checkpoints, src)
  total(reg, 'auditship_files_rotated_total', 'Rotations followed.', (s) => s.source?.rotations ?? 0, src)
  total(reg, 'auditship_files_truncated_total', 'Truncations (file read again from 0) and copytruncates followed.', (s) => (s.source?.truncations ?? 0) + (s.source?.copytruncates ?? 0), src)
  total(reg, 'auditship_files_lost_total', 'Checkpointed files gone under every name before they were read to the end.', (s) => s.source?.filesLost ?? 0, src)
  new Counter({ // eslint-disable-line no-new
    name: 'auditship_teleport_attributed_events_total',
    help: 'Events attributed to a Teleport user, by how.',
    labelNames: ['attribution'],
    registers: [reg],
    collect () {
      this.reset()
      const t = src().teleport
      for (const how of ['record', 'session', 'process'] as const) this.labels(how).inc(t?.[how] ?? 0)
    },
  })
  new Counter({ // eslint-disable-line no-new
    name: 'auditship_events_by_type_total',
    help: 'Events emitted, by the type of their primary record (lower case).',
    labelNames: ['type'],
    registers: [reg],
    collect () {
      this.reset()
      for (const [type, n] of src().byType) this.labels(type).inc(n)
    },
  })
  new Gauge({ name: 'auditship_checkpoint_lag_seconds', help: 'Age of the oldest event not yet delivered (wall clock minus its log time); 0 when all is delivered.', registers: [reg], collect () { this.set(src().lag.seconds) } }) // eslint-disable-line no-new
  new Gauge({ name: 'auditship_checkpoint_lag_bytes', help: 'Bytes read but behind the checkpoint (in the same file; else the read offset, a lower bound).', registers: [reg], collect () { this.set(src().lag.bytes) } }) // eslint-disable-line no-new
  new Gauge({ name: 'auditship_pending_events', help: 'Events read and not yet delivered by every sink.', registers: [reg], collect () { this.set(src().pendingEvents) } }) // eslint-disable-line no-new
  const perSink = (name: string, help: string, read: (s: MetricsSource['sinks'][number]) => number, gauge = false): void => {
    const cfg = {
      name, help, labelNames: ['sink'] as const, registers: [reg],
      collect (this: Counter<'sink'> | Gauge<'sink'>) {
        this.reset()
        for (const s of src().sinks) {
          if (this instanceof Gauge) this.labels(s.name).set(read(s))
          else this.labels(s.name).inc(read(s))
        }
      },
    }
    if (gauge) new Gauge(cfg) // eslint-disable-line no-new
    else new Counter(cfg) // eslint-disable-line no-new
  }
  perSink('auditship_sink_events_sent_total', 'Events delivered by the sink.', (s) => s.events)
  perSink('auditship_sink_batches_total', 'Batches delivered by the sink.', (s) => s.batches)
  perSink('auditship_sink_retries_total', 'Batch retries after a failure.', (s) => s.retries)
  perSink('auditship_sink_dead_lettered_total', 'Events the sink refused for good or that expired (retry.max_age_secs): written to the dead-letter file.', (s) => s.rejected)
  perSink('auditship_sink_in_flight_events', 'Events buffered or being sent by the sink.', (s) => s.queued, true)
  perSink('auditship_sink_healthy', '1 when the sink works or retries a transient failure within its budget; 0 after repeated failures or refused credentials.', (s) => (s.healthy ? 1 : 0), true)
  new Counter({ // eslint-disable-line no-new
    name: 'auditship_sink_failures_total',
    help: 'Failed attempts (whole or partial batches), by sink and error code (docs/errors.md, AS_SINK_*).',
    labelNames: ['sink', 'code'],
    registers: [reg],
    collect () {
      this.reset()
      for (const s of src().sinks) for (const [code, n] of s.failuresByCode) this.labels(s.name, code).inc(n)
    },
  })
  reg.registerMetric(durations(src))
  return reg
}

/**
 * `auditship_sink_request_duration_seconds`: a histogram whose buckets the sinks keep
 * themselves (ship/sink.ts DurationHistogram), read at scrape time like the counters.
 */
function durations (src: () => MetricsSource): Metric {
  const name = 'auditship_sink_request_duration_seconds'
  const help = 'Duration of HTTP requests to the sink (until the response headers and body are read).'
  const m = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get () {
      const values: Array<{ metricName: string, labels: Record<string, string | number>, value: number }> = []
      for (const s of src().sinks) {
        const t = s.timings
        if (t === undefined) continue
        DurationHistogram.BUCKETS.forEach((le, i) => values.push({ metricName: `${name}_bucket`, labels: { sink: s.name, le }, value: t.counts[i] }))
        values.push({ metricName: `${name}_bucket`, labels: { sink: s.name, le: '+Inf' }, value: t.count })
        values.push({ metricName: `${name}_sum`, labels: { sink: s.name }, value: t.sum })
        values.push({ metricName: `${name}_count`, labels: { sink: s.name }, value: t.count })
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' }
    },
    reset () {},
  }
  return m as unknown as Metric
}
