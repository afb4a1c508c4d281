import t, { type Test } from 'tap'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { ElasticsearchSink, type ElasticsearchSinkOptions } from '../../../../src/ship/sinks/elasticsearch/sink.js'
import { documentId } from '../../../../src/ship/sinks/elasticsearch/bulk.js'
import { SinkQueue } from '../../../../src/ship/queue.js'
import type { OutEvent, Rejected } from '../../../../src/ship/sink.js'
import { startFakeEs, type FakeEs, type FakeEsOptions } from '../../../helpers/fake-es.js'
import { outEvents, doc } from '../../../helpers/out-events.js'

async function fake (t: Test, o?: FakeEsOptions): Promise<FakeEs> {
  const es = await startFakeEs(o)
  t.teardown(async () => await es.close())
  return es
}

function sink (t: Test, endpoints: string[], o: Partial<ElasticsearchSinkOptions> = {}, headers: Record<string, string> = {}): ElasticsearchSink {
  const s = new ElasticsearchSink({
    name: 'es',
    http: { endpoints, tls: { insecure: false }, connectTimeoutMs: 1000, requestTimeoutMs: 2000, gzip: true, headers, connections: 2 },
    index: 'auditship-%Y.%m.%d',
    dataStream: null,
    pipeline: null,
    host: 'test-host',
    ...o,
  })
  t.teardown(async () => await s.close())
  return s
}

/** A write result as counts, so that {} and empty lists compare equal. */
function clean (r: { retry?: unknown[], rejected?: unknown[] }): { retry: number, rejected: number } {
  return { retry: r.retry?.length ?? 0, rejected: r.rejected?.length ?? 0 }
}

/** Run events through a queue in front of the sink, as the daemon does; what became of each. */
async function ship (s: ElasticsearchSink, events: OutEvent[], maxEvents = 100): Promise<{ delivered: Set<OutEvent>, rejected: Rejected[], codes: string[], drained: boolean }> {
  const delivered = new Set<OutEvent>()
  const rejected: Rejected[] = []
  const codes: string[] = []
  const q = new SinkQueue(s, { maxEvents, maxBytes: 1 << 22, flushIntervalMs: 1, maxInFlight: 2, backoffInitialMs: 5, backoffMaxMs: 20 }, {
    delivered: (b) => { for (const e of b) { if (delivered.has(e)) throw new Error('delivered twice'); delivered.add(e) } },
    rejected: (r) => rejected.push(...r),
    failed: (e) => codes.push((e as { code: string }).code),
    recovered: () => {},
  })
  for (const e of events) q.push(e)
  const drained = await q.drain(10_000)
  q.stop()
  return { delivered, rejected, codes, drained }
}

t.test('create with the deterministic _id into the daily index; gzip NDJSON', async (t) => {
  const es = await fake(t)
  const ev = outEvents(50, 0, { node: 'n1' })
  t.same(await sink(t, [es.url]).write(ev), {})
  t.equal(es.docCount(), 50)
  const idx = es.indices.get('auditship-2023.11.14')
  t.ok(idx !== undefined, 'index named after the event date')
  t.same(idx?.get(documentId(ev[7].meta, 'test-host')), doc(ev[7]), 'the document is the event as is')
  const req = es.requests[0]
  t.equal(req.gzip, true)
  t.equal(req.headers['content-type'], 'application/x-ndjson')
  t.equal(req.query.filter_path, 'errors,items.*.error,items.*.status')
})

t.test('a resend of delivered events answers 409 and counts as delivered: one document each', async (t) => {
  const es = await fake(t)
  const s = sink(t, [es.url])
  const ev = outEvents(20)
  await s.write(ev.slice(0, 10))
  t.same(clean(await s.write(ev)), { retry: 0, rejected: 0 })
  t.equal(es.docCount(), 20)
})

t.test('per-item faults: 429/5xx resent alone, 4xx dead-lettered with the reason', async (t) => {
  const es = await fake(t)
  es.onItem(({ n, i, source }) => {
    if ((source as { n: number }).n === 3) return { status: 400, type: 'document_parsing_exception', reason: 'failed to parse field [x]' }
    if (n === 0 && i % 5 === 1) return { status: 429 }
    if (n === 0 && i === 9) return { status: 503 }
    return undefined
  })
  const ev = outEvents(30)
  const r = await ship(sink(t, [es.url]), ev, 30)
  t.ok(r.drained)
  t.same(r.rejected.map((x) => x.event.meta.serial), [3])
  t.equal(r.rejected[0].error.code, 'AS_SINK_REJECTED')
  t.match(r.rejected[0].error.message, /item status 400 document_parsing_exception: failed to parse field \[x\]/)
  t.equal(r.delivered.size, 29)
  t.equal(es.docCount(), 29)
  const second = es.requests.filter((q) => q.path.endsWith('_bulk'))[1].body.toString().trim().split('\n')
  t.equal(second.length / 2, 7, 'only the 6 throttled items and the 503 one are sent again')
  t.match(r.codes, ['AS_SINK_THROTTLED'])
})

t.test('413: the batch is split; one event too large alone is dead-lettered', async (t) => {
  const es = await fake(t, { maxContentLength: 4000 })
  const ev = outEvents(40, 0, { body: (i) => ({ '@timestamp': '2023-11-14T22:13:20.000Z', n: i, pad: 'x'.repeat(i === 17 ? 5000 : 100) }) })
  const r = await ship(sink(t, [es.url]), ev, 40)
  t.same(r.rejected.map((x) => [x.event.meta.serial, x.error.code]), [[17, 'AS_SINK_TOO_LARGE']])
  t.equal(es.docCount(), 39)
  t.ok(es.requests.some((q) => q.status === 413))
})

t.test('401: data kept, unhealthy, retried; works once the key is right', async (t) => {
  const es = await fake(t, { auth: { apiKey: 'Z29vZA==' } })
  const bad = sink(t, [es.url], {}, { authorization: 'ApiKey YmFk' })
  const ev = outEvents(5)
  const r = await bad.write(ev)
  t.equal(r.retry?.length, 5)
  t.equal(r.error?.code, 'AS_SINK_AUTH')
  t.equal(r.error?.unhealthy, true)
  t.notMatch(r.error?.message, /YmFk|Z29vZA/, 'no credentials in the message')
  t.same(await sink(t, [es.url], {}, { authorization: 'ApiKey Z29vZA==' }).write(ev), {})
  t.equal(es.docCount(), 5)
})

t.test('whole-request 429/503 with Retry-After, 502 HTML: retried, Retry-After passed on', async (t) => {
  const es = await fake(t)
  es.onRequest((n) => n === 0 ? { status: 429, headers: { 'retry-after': '7' } } : n === 1 ? { status: 502 } : n === 2 ? { status: 503 } : undefined)
  const s = sink(t, [es.url])
  const ev = outEvents(3)
  const a = await s.write(ev)
  t.equal(a.error?.code, 'AS_SINK_THROTTLED')
  t.equal(a.error?.retryAfterMs, 7000)
  t.equal((await s.write(ev)).error?.code, 'AS_SINK_SERVER')
  t.equal((await s.write(ev)).error?.code, 'AS_SINK_SERVER')
  t.same(await s.write(ev), {})
  t.equal(es.docCount(), 3)
})

t.test('a reset after indexing (unknown outcome) is resent and kept once', async (t) => {
  const es = await fake(t)
  es.onRequest((n) => n === 0 ? { reset: 'after' } : undefined)
  const ev = outEvents(10)
  const r = await ship(sink(t, [es.url]), ev, 10)
  t.ok(r.drained)
  t.same(r.codes, ['AS_SINK_NETWORK'])
  t.equal(r.delivered.size, 10)
  t.equal(es.docCount(), 10)
  t.equal(es.requests.filter((q) => q.path.endsWith('_bulk')).length, 2)
})

t.test('a slow answer times out and is resent; the late indexing makes 409s, not copies', async (t) => {
  const es = await fake(t)
  // undici's timers tick about once a second: a 200 ms limit fires after ~1 s
  es.onRequest((n) => n === 0 ? { delayMs: 2500 } : undefined)
  const s = new ElasticsearchSink({ name: 'es', http: { endpoints: [es.url], tls: { insecure: false }, connectTimeoutMs: 500, requestTimeoutMs: 200, gzip: false, headers: {}, connections: 2 }, index: 'a', dataStream: null, pipeline: null, host: 'h' })
  t.teardown(async () => await s.close())
  const ev = outEvents(4)
  const first = await s.write(ev)
  t.equal(first.error?.code, 'AS_SINK_TIMEOUT')
  // real I/O: the fake indexes the first request when its delay ends; wait for that, not a fixed time
  for (let k = 0; k < 200 && es.docCount() < 4; k++) await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(es.docCount(), 4, 'the timed-out request was indexed late')
  t.same(clean(await s.write(ev)), { retry: 0, rejected: 0 }, 'all 409: delivered')
  t.equal(es.docCount(), 4)
})

t.test('data stream: /<stream>/_bulk with create, pipeline parameter', async (t) => {
  const es = await fake(t, { dataStreams: ['logs-*-*'] })
  const ev = outEvents(3)
  t.same(await sink(t, [es.url], { dataStream: 'logs-auditship-default', pipeline: 'audit' }).write(ev), {})
  t.equal(es.indices.get('logs-auditship-default')?.size, 3)
  t.equal(es.requests[0].path, '/logs-auditship-default/_bulk')
  t.equal(es.requests[0].query.pipeline, 'audit')
})

t.test('failover: a dead endpoint is skipped; health names what answers', async (t) => {
  const es = await fake(t)
  const os = await fake(t, { flavor: 'opensearch' })
  const srv = createServer()
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  const dead = `http://127.0.0.1:${(srv.address() as { port: number }).port}`
  srv.close()
  const s = sink(t, [dead, es.url])
  t.same(await s.write(outEvents(5)), {})
  t.equal(es.docCount(), 5)
  const h = await s.health()
  t.equal(h.ok, false)
  t.match(h.detail, /AS_SINK|ECONNREFUSED|connect/i)
  t.match(h.detail, /Elasticsearch 8\.\d+\.\d+/)
  const h2 = await sink(t, [os.url]).health()
  t.same(h2.ok, true)
  t.match(h2.detail, /OpenSearch/)
})

t.test('429 circuit breaker PERMANENT: the batch is split until it fits', async (t) => {
  const es = await fake(t)
  es.onRequest((_n, req) => req.body.toString().trim().split('\n').length / 2 > 10
    ? { status: 429, body: { error: { type: 'circuit_breaking_exception', reason: '[parent] Data too large', durability: 'PERMANENT' }, status: 429 } }
    : undefined)
  const ev = outEvents(40)
  const r = await sink(t, [es.url]).write(ev)
  t.same(clean(r), { retry: 0, rejected: 0 })
  t.equal(es.docCount(), 40)
  es.onRequest((n) => n > 100 ? undefined : { status: 429, body: { error: { type: 'circuit_breaking_exception', reason: 'busy', durability: 'TRANSIENT' }, status: 429 } })
  const r2 = await sink(t, [es.url]).write(outEvents(5, 100))
  t.same([r2.error?.code, r2.retry?.length], ['AS_SINK_THROTTLED', 5], 'TRANSIENT: the same batch later')
})
