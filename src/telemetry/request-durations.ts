/**
 * `auditship_sink_request_duration_seconds`: how long each HTTP request of a sink took (until
 * the response headers and body are read).
 *
 * The HTTP layer reports through `DurationObserver` alone, so it knows nothing of prom-client.
 * Each network sink keeps its own `RequestDurations` (prom-client's Histogram, registered
 * nowhere); `requestDurationsMetric` shows all of them at scrape time as one histogram with a
 * `sink` label.
 */
import { Histogram, type Metric } from 'prom-client'

/** What a request reports when it ends: its duration in seconds. */
export interface DurationObserver {
  observe (seconds: number): void
}

/** One sink's request durations. */
export type RequestDurations = Histogram

export const REQUEST_DURATION_NAME = 'auditship_sink_request_duration_seconds'
const HELP = 'Duration of HTTP requests to the sink (until the response headers and body are read).'
/** Seconds; a request is bounded by timeouts.request_ms (60 s by default). */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export function requestDurations (): RequestDurations {
  return new Histogram({ name: REQUEST_DURATION_NAME, help: HELP, buckets: REQUEST_DURATION_BUCKETS, registers: [] })
}

/** The sinks' histograms as one metric, each series labelled with its sink's name (first). */
export function requestDurationsMetric (read: () => Iterable<{ name: string, timings: RequestDurations | undefined }>): Metric {
  const metric = {
    name: REQUEST_DURATION_NAME,
    help: HELP,
    type: 'histogram',
    aggregator: 'sum',
    async get () {
      const values: Array<{ value: number, labels: Record<string, string | number>, metricName?: string }> = []
      for (const s of read()) {
        if (s.timings === undefined) continue
        for (const v of (await s.timings.get()).values) values.push({ ...v, labels: { sink: s.name, ...v.labels } })
      }
      return { name: REQUEST_DURATION_NAME, help: HELP, type: 'histogram', values, aggregator: 'sum' }
    },
    reset () {},
  }
  // a collector, not a metric with values of its own: the registry asks it for get() only
  return metric as unknown as Metric
}
