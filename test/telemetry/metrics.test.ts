import t from 'tap'
import { createMetrics, type MetricsSource } from '../../src/telemetry/metrics.js'

function source (n: number): MetricsSource {
  return {
    pipeline: { lines: n, records: n, parseErrors: 0, events: n, incomplete: 0, invalid: 0, truncated: n * 2, skipped: n * 3 },
    byType: new Map([['syscall', n]]),
    teleport: undefined,
    source: undefined,
    sinks: [{ name: 'es', events: n, batches: 1, retries: 0, failures: n, failuresByCode: new Map([['AS_SINK_SERVER', n]]), rejected: 0, queued: n, healthy: n < 10, timings: undefined }],
    deadLettered: 0,
    pendingEvents: n,
    checkpoints: 0,
    lag: { seconds: 0, bytes: 0 },
  }
}

t.test('counters follow the running totals from scrape to scrape without being reset', async (t) => {
  let n = 5
  const reg = createMetrics(() => source(n), false)
  const value = async (name: string): Promise<unknown> => (await reg.getSingleMetric(name)?.get())?.values.map((v) => [v.labels, v.value])
  t.same(await value('auditship_events_total'), [[{}, 5]])
  n = 12
  t.same(await value('auditship_events_total'), [[{}, 12]])
  t.same(await value('auditship_sink_failures_total'), [[{ sink: 'es', code: 'AS_SINK_SERVER' }, 12]])
  t.same(await value('auditship_events_by_type_total'), [[{ type: 'syscall' }, 12]])
  t.same(await value('auditship_teleport_attributed_events_total'), [[{ attribution: 'record' }, 0], [{ attribution: 'session' }, 0], [{ attribution: 'process' }, 0]], 'series at 0 from the first scrape')
  t.same(await value('auditship_sink_healthy'), [[{ sink: 'es' }, 0]], 'gauges are set')
  t.same(await value('auditship_sink_in_flight_events'), [[{ sink: 'es' }, 12]])
  n = 11
  t.same(await value('auditship_events_total'), [[{}, 12]], 'a counter never goes down')
})

t.test('events cut by the event bound and records left out after a restart are counted', async (t) => {
  const reg = createMetrics(() => source(4), false)
  const value = async (name: string): Promise<unknown> => (await reg.getSingleMetric(name)?.get())?.values.map((v) => [v.labels, v.value])
  t.same(await value('auditship_events_truncated_total'), [[{}, 8]])
  t.same(await value('auditship_records_skipped_total'), [[{}, 12]])
})

t.test('build info: always 1, labelled with the version and the Node.js version', async (t) => {
  const reg = createMetrics(() => source(0), false, { version: '9.8.7' })
  const text = await reg.metrics()
  t.match(text, /^# TYPE auditship_build_info gauge$/m)
  t.match(text, new RegExp(`^auditship_build_info\\{version="9\\.8\\.7",node_version="${process.version.replaceAll('.', '\\.')}"\\} 1$`, 'm'))
  const own = await createMetrics(() => source(0), false).metrics()
  t.match(own, /^auditship_build_info\{version="\d+\.\d+\.\d+[^"]*",node_version="v\d+/m, "package.json's version by default")
})

t.test('bytes behind: asked once per scrape, absent when not given', async (t) => {
  let asked = 0
  let behind = 1234
  const reg = createMetrics(() => source(0), false, { behindBytes: async () => { asked++; return behind } })
  t.match(await reg.metrics(), /^auditship_behind_bytes 1234$/m)
  behind = 0
  t.match(await reg.metrics(), /^auditship_behind_bytes 0$/m)
  t.equal(asked, 2)
  t.notMatch(await createMetrics(() => source(0), false).metrics(), /auditship_behind_bytes/)
})

t.test("the kernel's lost count (auditctl -s): a sample while known, none while it cannot be asked", async (t) => {
  let lost: number | undefined = 7
  const reg = createMetrics(() => source(1), false, { kernelLost: async () => lost })
  const value = async (name: string): Promise<unknown> => (await reg.getSingleMetric(name)?.get())?.values.map((v) => [v.labels, v.value])
  t.same(await value('auditship_kernel_audit_lost'), [[{ source: 'auditctl' }, 7]])
  lost = undefined
  t.same(await value('auditship_kernel_audit_lost'), [], 'no sample, not a made-up 0')
  t.notOk((await reg.metrics()).includes('auditship_kernel_audit_lost{'), 'absent from the exposition')
  t.equal(createMetrics(() => source(1), false).getSingleMetric('auditship_kernel_audit_lost'), undefined, 'no gauge without a reader')
})
