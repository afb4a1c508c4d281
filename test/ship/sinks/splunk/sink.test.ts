import t, { type Test } from 'tap'
import { createServer } from 'node:http'
import { once } from 'node:events'
import { HecSink, type HecSinkOptions } from '../../../../src/ship/sinks/splunk/sink.js'
import { startFakeHec, type FakeHec, type FakeHecOptions } from '../../../helpers/fake-hec.js'
import { outEvents, doc } from '../../../helpers/out-events.js'

const TOKEN = '6d1b1e0c-0000-4000-8000-000000000000'
const ACK_TOKEN = '6d1b1e0c-0000-4000-8000-00000000000a'

async function fake (t: Test, o: Partial<FakeHecOptions> = {}): Promise<FakeHec> {
  const h = await startFakeHec({ tokens: [{ token: TOKEN }, { token: ACK_TOKEN, useACK: true }], ...o })
  t.teardown(async () => await h.close())
  return h
}

/** The sink's options, with `token` (default TOKEN) standing for its Authorization header (as its factory builds it). */
function sink (t: Test, url: string, o: Partial<HecSinkOptions> & { token?: string } = {}): HecSink {
  const { token = TOKEN, ...rest } = o
  const s = new HecSink({
    name: 'hec',
    http: { endpoints: [url], tls: { insecure: false }, connectTimeoutMs: 1000, requestTimeoutMs: 5000, gzip: true, headers: {}, connections: 2 },
    authorization: `Splunk ${token}`,
    envelope: { source: 'auditship', sourcetype: 'auditship:json', index: null, host: null, fields: {}, defaultHost: 'node-1' },
    ack: false,
    ackTimeoutMs: 5000,
    ackPollIntervalMs: 20,
    ...rest,
  })
  t.teardown(async () => await s.close())
  return s
}

const count = (r: { retry?: unknown[], rejected?: unknown[] }): { retry: number, rejected: number } => ({ retry: r.retry?.length ?? 0, rejected: r.rejected?.length ?? 0 })

t.test('events concatenated, Splunk token, a GUID channel, the envelope on each event', async (t) => {
  const h = await fake(t)
  const ev = outEvents(20, 0, { node: 'web-01' })
  const s = sink(t, h.url)
  t.same(count(await s.write(ev)), { retry: 0, rejected: 0 })
  t.equal(h.events.length, 20)
  const e = h.events[3]
  t.equal(e.token, TOKEN)
  t.equal(e.channel, s.channel)
  t.match(s.channel, /^[0-9a-f-]{36}$/)
  t.same([e.host, e.source, e.sourcetype, e.time], ['web-01', 'auditship', 'auditship:json', ev[3].meta.sec + 0.003])
  t.same(e.event, doc(ev[3]))
  t.equal(h.requests[0].headers.authorization, `Splunk ${TOKEN}`)
  t.equal(h.requests[0].gzip, true)
  t.equal(h.requests[0].path, '/services/collector/event')
})

t.test('invalid-event-number n: before n delivered, n dead-lettered, the rest sent again at once', async (t) => {
  const h = await fake(t)
  h.onEvent(({ obj }) => ((obj as { event: { n: number } }).event.n === 4 ? 6 : undefined))
  const ev = outEvents(10)
  const r = await sink(t, h.url).write(ev)
  t.same(r.retry ?? [], [])
  t.same(r.rejected?.map((x) => [x.event.meta.serial, x.error.code]), [[4, 'AS_SINK_REJECTED']])
  t.match(r.rejected?.[0].error.message, /HEC code 6 "Invalid data format"/)
  t.same(h.events.map((e) => (e.event as { n: number }).n), [0, 1, 2, 3, 5, 6, 7, 8, 9], 'each good event indexed once')
})

t.test('HEC codes: 9 busy (throttled), 8 (server), bad token (auth, unhealthy), index not allowed (config)', async (t) => {
  const h = await fake(t)
  h.onRequest((n) => n === 0 ? { status: 503, headers: { 'retry-after': '2' } } : n === 1 ? { status: 500 } : undefined)
  const s = sink(t, h.url)
  const ev = outEvents(2)
  const a = await s.write(ev)
  t.same([a.error?.code, a.error?.retryAfterMs, a.retry?.length], ['AS_SINK_THROTTLED', 2000, 2])
  t.equal((await s.write(ev)).error?.code, 'AS_SINK_SERVER')
  const bad = await sink(t, h.url, { token: 'no-such-token' }).write(ev)
  t.same([bad.error?.code, bad.error?.unhealthy, bad.retry?.length], ['AS_SINK_AUTH', true, 2])
  t.notMatch(bad.error?.message, /no-such-token/)
  const h2 = await fake(t, { tokens: [{ token: TOKEN, allowedIndexes: ['os'] }] })
  const idx = await sink(t, h2.url, { envelope: { source: 's', sourcetype: 'st', index: 'secret', host: null, fields: {}, defaultHost: 'node-1' } }).write(ev)
  t.same([idx.error?.code, idx.error?.unhealthy, idx.retry?.length], ['AS_SINK_CONFIG', true, 2], 'data kept')
  t.equal(h.events.length, 0, 'nothing indexed by the failed requests')
})

t.test('413 splits down to the event that is too large', async (t) => {
  const h = await fake(t, { maxContentLength: 3000 })
  const ev = outEvents(12, 0, { body: (i) => ({ n: i, pad: 'y'.repeat(i === 5 ? 4000 : 50) }) })
  const r = await sink(t, h.url).write(ev)
  t.same(r.rejected?.map((x) => [x.event.meta.serial, x.error.code]), [[5, 'AS_SINK_TOO_LARGE']])
  t.equal(h.events.length, 11)
})

t.test('ack: delivered only once the ackId polls true', async (t) => {
  const h = await fake(t, { ackDelayMs: 150 })
  const s = sink(t, h.url, { token: ACK_TOKEN, ack: true })
  const t0 = Date.now()
  t.same(count(await s.write(outEvents(3))), { retry: 0, rejected: 0 })
  t.ok(Date.now() - t0 >= 140, `waited for the ack (${Date.now() - t0} ms)`)
  t.ok(h.requests.some((q) => q.path === '/services/collector/ack'), 'polled the ack endpoint')
})

t.test('ack never true: resent after ack_timeout; late ack on a second request', async (t) => {
  const h = await fake(t)
  h.onAck(({ n }) => (n === 0 ? 'never' : n === 1 ? 100 : undefined))
  const s = sink(t, h.url, { token: ACK_TOKEN, ack: true, ackTimeoutMs: 300 })
  const ev = outEvents(4)
  const r = await s.write(ev)
  t.same([r.error?.code, r.retry?.length], ['AS_SINK_ACK_TIMEOUT', 4])
  t.same(count(await s.write(ev)), { retry: 0, rejected: 0 })
  t.equal(h.events.length, 8, 'HEC has no idempotency: the resend is indexed again (at least once)')
})

t.test('ack: true with a token without useACK: delivered on 200, warned once', async (t) => {
  const h = await fake(t)
  const warned: string[] = []
  const s = sink(t, h.url, { ack: true, warn: (m) => warned.push(m) })
  t.same(count(await s.write(outEvents(2))), { retry: 0, rejected: 0 })
  t.same(count(await s.write(outEvents(2, 2))), { retry: 0, rejected: 0 })
  t.equal(warned.length, 1)
  t.match(warned[0], /useACK/)
})

t.test('health: code 17, or what is wrong', async (t) => {
  const h = await fake(t)
  const s = sink(t, h.url)
  t.same(await s.health(), { ok: true, detail: `${h.url}: HEC is healthy` })
  h.setHealth(18)
  const bad = await s.health()
  t.equal(bad.ok, false)
  t.match(bad.detail, /503.*queues are full/)
})

t.test('a write whose ack would come after close() resolves at once, with the batch to retry', async (t) => {
  const h = await fake(t)
  let arrived!: () => void
  const atFake = new Promise<void>((resolve) => { arrived = resolve })
  h.onRequest(() => { arrived(); return { delayMs: 300 } })
  const s = sink(t, h.url, { token: ACK_TOKEN, ack: true, ackTimeoutMs: 60_000 })
  const w = s.write(outEvents(2))
  await atFake // the request is at the fake, its answer 300 ms away
  const t0 = Date.now()
  await s.close()
  const r = await w
  t.ok(Date.now() - t0 < 5000, 'not held for the ack timeout')
  t.equal(r.retry?.length, 2, 'not known to be indexed: kept')
})

t.test('an indexer whose ack endpoint hangs does not hold up the acks of another', async (t) => {
  // endpoint A takes the data, then never answers an ack poll
  let polledAtA!: () => void
  const aPolled = new Promise<void>((resolve) => { polledAtA = resolve })
  const stuck = createServer((req, res) => {
    if (req.url?.startsWith('/services/collector/ack') === true) polledAtA()
    req.resume()
    req.on('end', () => { if (req.url?.startsWith('/services/collector/event') === true) res.writeHead(200).end('{"text":"Success","code":0,"ackId":0}') })
  })
  stuck.listen(0, '127.0.0.1')
  await once(stuck, 'listening')
  t.teardown(() => { stuck.closeAllConnections(); stuck.close() })
  const h = await fake(t)
  // one sink with both endpoints: round-robin sends the first request to A, the second to B
  const both = new HecSink({
    name: 'hec2',
    http: { endpoints: [`http://127.0.0.1:${(stuck.address() as { port: number }).port}`, h.url], tls: { insecure: false }, connectTimeoutMs: 1000, requestTimeoutMs: 5000, gzip: true, headers: {}, connections: 2 },
    authorization: `Splunk ${ACK_TOKEN}`,
    envelope: { source: 's', sourcetype: 'st', index: null, host: null, fields: {}, defaultHost: 'node-1' },
    ack: true,
    ackTimeoutMs: 1500,
    ackPollIntervalMs: 20,
  })
  t.teardown(async () => await both.close())
  const a = both.write(outEvents(1))
  await aPolled // the first request went to A, and A's ack poll now hangs
  const t0 = Date.now()
  const b = await both.write(outEvents(1, 1))
  t.same(count(b), { retry: 0, rejected: 0 })
  t.ok(Date.now() - t0 < 1000, `B acknowledged in ${Date.now() - t0} ms while A's poll hangs`)
  t.equal((await a).error?.code, 'AS_SINK_ACK_TIMEOUT', 'A is resent after its ack timeout')
})
