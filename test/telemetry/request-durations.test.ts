import t from 'tap'
import { Registry } from 'prom-client'
import { requestDurations, requestDurationsMetric, REQUEST_DURATION_BUCKETS, type DurationObserver, type RequestDurations } from '../../src/telemetry/request-durations.js'

t.test('each sink observes into its own histogram; one metric shows them all with a sink label', async (t) => {
  const es = requestDurations()
  const hec = requestDurations()
  const report: DurationObserver = es // what the HTTP client is given
  report.observe(0.003)
  report.observe(0.2)
  report.observe(120)
  const sinks: Array<{ name: string, timings: RequestDurations | undefined }> = [{ name: 'file-0', timings: undefined }, { name: 'es', timings: es }, { name: 'hec', timings: hec }]
  const reg = new Registry()
  reg.registerMetric(requestDurationsMetric(() => sinks))
  const text = await reg.metrics()
  t.match(text, /^# TYPE auditship_sink_request_duration_seconds histogram$/m)
  t.match(text, /^auditship_sink_request_duration_seconds_bucket\{sink="es",le="0.005"\} 1$/m)
  t.match(text, /^auditship_sink_request_duration_seconds_bucket\{sink="es",le="60"\} 2$/m)
  t.match(text, /^auditship_sink_request_duration_seconds_bucket\{sink="es",le="\+Inf"\} 3$/m)
  t.match(text, /^auditship_sink_request_duration_seconds_sum\{sink="es"\} 120.203$/m)
  t.match(text, /^auditship_sink_request_duration_seconds_count\{sink="hec"\} 0$/m, 'a sink without requests yet: zeros')
  t.notMatch(text, /sink="file-0"/, 'a sink without HTTP: no series')
  t.equal(text.match(/sink="es",le=/g)?.length, REQUEST_DURATION_BUCKETS.length + 1)
  hec.observe(1)
  t.match(await reg.metrics(), /^auditship_sink_request_duration_seconds_count\{sink="hec"\} 1$/m, 'read at scrape time')
})
