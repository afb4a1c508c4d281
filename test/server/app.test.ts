import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import { buildServer } from '../../src/server/app.js'
import { repoRoot } from '../helpers/pipeline.js'
import { createMetrics, type MetricsSource } from '../../src/telemetry/metrics.js'
import { requestDurations } from '../../src/telemetry/request-durations.js'

const timings = requestDurations()
timings.observe(0.003)
timings.observe(0.2)
timings.observe(120)

function source (): MetricsSource {
  return {
    pipeline: { lines: 10, records: 9, parseErrors: 1, events: 4, incomplete: 1, invalid: 0, truncated: 0, skipped: 0 },
    byType: new Map([['syscall', 3], ['user_login', 1]]),
    teleport: { record: 2, session: 1, process: 0 },
    source: { bytesRead: 1234, rotations: 1, truncations: 0, copytruncates: 1, filesLost: 0 },
    sinks: [
      { name: 'file-0', events: 4, batches: 1, retries: 2, failures: 2, failuresByCode: new Map([['AS_SINK_WRITE', 2]]), rejected: 0, queued: 0, healthy: true, timings: undefined },
      { name: 'es', events: 3, batches: 1, retries: 1, failures: 1, failuresByCode: new Map([['AS_SINK_THROTTLED', 1]]), rejected: 1, queued: 0, healthy: true, timings },
    ],
    deadLettered: 1,
    pendingEvents: 0,
    checkpoints: 3,
    lag: { seconds: 1.5, bytes: 300 },
  }
}

t.test('healthz, readyz and metrics', async (t) => {
  let alive = true
  let ready = true
  const app = buildServer({
    alive: () => alive,
    ready: () => ({ ready, checks: { source: { ok: true }, 'sink:file-0': { ok: ready, detail: ready ? undefined : 'last write failed' } } }),
    metrics: createMetrics(source, false),
  })
  t.teardown(async () => await app.close())
  const h = await app.inject({ url: '/healthz' })
  t.equal(h.statusCode, 200)
  t.same(h.json(), { status: 'ok' })
  const r = await app.inject({ url: '/readyz' })
  t.equal(r.statusCode, 200)
  ready = false
  const r2 = await app.inject({ url: '/readyz' })
  t.equal(r2.statusCode, 503)
  t.same(r2.json(), { ready: false, checks: { source: { ok: true }, 'sink:file-0': { ok: false, detail: 'last write failed' } } })
  alive = false
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 503)
  const m = await app.inject({ url: '/metrics' })
  t.equal(m.statusCode, 200)
  t.match(m.headers['content-type'], /text\/plain/)
  t.match(m.body, /^auditship_records_read_total 9$/m)
  t.match(m.body, /^auditship_parse_errors_total 1$/m)
  t.match(m.body, /^auditship_teleport_attributed_events_total\{attribution="record"\} 2$/m)
  t.match(m.body, /^auditship_sink_retries_total\{sink="file-0"\} 2$/m)
  t.match(m.body, /^auditship_files_truncated_total 1$/m)
  t.match(m.body, /^# TYPE auditship_pending_events gauge$/m)
  t.match(m.body, /^auditship_checkpoint_lag_seconds 1.5$/m)
  t.match(m.body, /^auditship_events_by_type_total\{type="user_login"\} 1$/m)
  t.match(m.body, /^auditship_checkpoint_lag_bytes 300$/m)
  t.match(m.body, /^auditship_sink_failures_total\{sink="file-0",code="AS_SINK_WRITE"\} 2$/m)
  t.match(m.body, /^auditship_sink_failures_total\{sink="es",code="AS_SINK_THROTTLED"\} 1$/m)
  t.match(m.body, /^auditship_sink_dead_lettered_total\{sink="es"\} 1$/m)
  t.match(m.body, /^# TYPE auditship_sink_request_duration_seconds histogram$/m)
  t.match(m.body, /^auditship_sink_request_duration_seconds_bucket\{sink="es",le="0.005"\} 1$/m)
  t.match(m.body, /^auditship_sink_request_duration_seconds_bucket\{sink="es",le="0.25"\} 2$/m)
  t.match(m.body, /^auditship_sink_request_duration_seconds_bucket\{sink="es",le="60"\} 2$/m)
  t.match(m.body, /^auditship_sink_request_duration_seconds_bucket\{sink="es",le="\+Inf"\} 3$/m)
  t.match(m.body, /^auditship_sink_request_duration_seconds_count\{sink="es"\} 3$/m)
  t.notMatch(m.body, /request_duration_seconds_bucket\{sink="file-0"/, 'no histogram for a sink without requests')
})

t.test('a bearer token guards every endpoint', async (t) => {
  const app = buildServer({ alive: () => true, ready: () => ({ ready: true, checks: {} }), metrics: createMetrics(source, false), token: 's3cret' })
  t.teardown(async () => await app.close())
  for (const url of ['/healthz', '/readyz', '/metrics']) {
    t.equal((await app.inject({ url })).statusCode, 401, `${url} without a token`)
    t.equal((await app.inject({ url, headers: { authorization: 'Bearer wrong' } })).statusCode, 401, `${url} with a wrong token`)
    t.equal((await app.inject({ url, headers: { authorization: 'Bearer s3cret' } })).statusCode, 200, `${url} with the token`)
  }
  const r = await app.inject({ url: '/healthz' })
  t.notMatch(r.body, /s3cret/)
})

t.test('the 401 body comes from the error registry', async (t) => {
  const app = buildServer({ alive: () => true, ready: () => ({ ready: true, checks: {} }), metrics: createMetrics(source, false), token: 's3cret' })
  t.teardown(async () => await app.close())
  for (const url of ['/healthz', '/readyz', '/metrics']) {
    const r = await app.inject({ url })
    t.same(r.json(), { error: 'unauthorized', code: 'AS_SERVER_UNAUTHORIZED' }, url)
    t.equal(r.headers['www-authenticate'], 'Bearer')
  }
})

t.test('every body follows schemas/health.schema.json; what it does not declare is not sent', async (t) => {
  const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'health.schema.json'), 'utf8'))
  const ajv = new Ajv({ strict: true })
  ajv.addSchema(schema)
  const valid = (name: string, body: unknown): boolean => ajv.validate(`${schema.$id as string}#/definitions/${name}`, body)
  let alive = true
  let ready = false
  const app = buildServer({
    alive: () => alive,
    // a stray field (`extra`) must not reach the wire: the serializer follows the schema
    ready: () => ({ ready, checks: { pipeline: { ok: true }, 'sink:es': { ok: ready, detail: 'failing', extra: 1 } as { ok: boolean } } }),
    metrics: createMetrics(source, false),
  })
  t.teardown(async () => await app.close())
  for (const a of [true, false]) {
    alive = a
    const h = await app.inject({ url: '/healthz' })
    t.ok(valid('healthz', h.json()), `healthz ${h.statusCode} ${h.body}`)
  }
  for (const r of [true, false]) {
    ready = r
    const res = await app.inject({ url: '/readyz' })
    t.ok(valid('readyz', res.json()), `readyz ${res.statusCode} ${res.body}`)
    t.notMatch(res.body, /extra/)
  }
  const guarded = buildServer({ alive: () => true, ready: () => ({ ready: true, checks: {} }), metrics: createMetrics(source, false), token: 'x' })
  t.teardown(async () => await guarded.close())
  t.ok(valid('unauthorized', (await guarded.inject({ url: '/readyz' })).json()))
})

