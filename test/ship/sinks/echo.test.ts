/**
 * Peers that echo our request headers (the Authorization header first) in their item errors
 * and request-level errors: nothing of the credentials reaches the sinks' error messages, the
 * dead-letter entries made from them, the readiness text or the health details. The sinks are
 * built by their factories from a config, as `run` builds them.
 */
import t, { type Test } from 'tap'
import { checkConfig } from '../../../src/config/validate.js'
import { buildSinks } from '../../../src/ship/build.js'
import { SinkQueue } from '../../../src/ship/queue.js'
import type { Sink } from '../../../src/ship/sink.js'
import { refusedEvent } from '../../../src/run/dead-letters.js'
import { startFakeEs } from '../../helpers/fake-es.js'
import { startFakeHec } from '../../helpers/fake-hec.js'
import { outEvents } from '../../helpers/out-events.js'

const PASSWORD = 'pw-Echo-5f2c9a77d1'
const ID_KEY = 'VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw'
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhdWRpdHNoaXAifQ.c2lnbmF0dXJl'
const HEC_TOKEN = '7b9a2c41-3f0e-4d8b-a1c6-52e9f0d4b8a3'
const HEADER_KEY = 'hdr-Secret-0c1d2e3f4a'

/** Every text a secret may be found as in what the operator sees. */
const SECRETS = [
  PASSWORD,
  Buffer.from(`elastic:${PASSWORD}`).toString('base64'),
  ID_KEY, Buffer.from(ID_KEY).toString('base64'),
  BEARER, HEC_TOKEN, HEADER_KEY,
]

function leaks (text: string): string[] {
  return SECRETS.filter((s) => text.includes(s))
}

interface Seen { messages: string[], deadLetters: string[], lastErrors: string[] }

/** Events through a queue in front of `sink` until each is delivered or refused, as the daemon does. */
async function ship (sink: Sink, n: number): Promise<Seen> {
  const seen: Seen = { messages: [], deadLetters: [], lastErrors: [] }
  const q: SinkQueue = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1 << 20, flushIntervalMs: 1, maxInFlight: 1, backoffInitialMs: 1, backoffMaxMs: 5 }, {
    delivered: () => {},
    rejected: (r) => { for (const x of r) seen.deadLetters.push(JSON.stringify(refusedEvent(sink.name, x))) },
    failed: (e) => { seen.messages.push(e.message); seen.lastErrors.push(q.lastError ?? '') },
    recovered: () => {},
  })
  for (const e of outEvents(n)) q.push(e)
  const drained = await q.drain(20_000)
  q.stop()
  if (!drained) throw new Error(`not drained: ${seen.messages.slice(-3).join(' | ')}`)
  return seen
}

async function sinksOf (t: Test, sinks: unknown[]): Promise<Sink[]> {
  process.env.AUDITSHIP_ECHO_PW = PASSWORD
  process.env.AUDITSHIP_ECHO_ID_KEY = ID_KEY
  process.env.AUDITSHIP_ECHO_BEARER = BEARER
  process.env.AUDITSHIP_ECHO_HEC = HEC_TOKEN
  const c = checkConfig({ sinks })
  if (!c.ok) throw new Error(JSON.stringify(c.errors))
  const b = await buildSinks(c.config, { warn: () => {}, host: 'node-1' })
  if (!b.ok) throw new Error(JSON.stringify(b.errors))
  t.teardown(async () => { for (const s of b.sinks) await s.sink.close() })
  return b.sinks.map((s) => s.sink)
}

const retry = { initial_backoff_ms: 1, max_backoff_ms: 5 }

t.test('Elasticsearch (basic, api_key, bearer) echoing the header in item errors and request errors', async (t) => {
  for (const [name, auth, fakeAuth] of [
    ['basic', { type: 'basic', username: 'elastic', password_env: 'AUDITSHIP_ECHO_PW' }, { basic: { username: 'elastic', password: PASSWORD } }],
    ['api_key', { type: 'api_key', api_key_env: 'AUDITSHIP_ECHO_ID_KEY' }, { apiKey: Buffer.from(ID_KEY).toString('base64') }],
    ['bearer', { type: 'bearer', token_env: 'AUDITSHIP_ECHO_BEARER' }, { bearer: BEARER }],
  ] as const) {
    const es = await startFakeEs({ echoHeaders: true, auth: fakeAuth })
    t.teardown(async () => await es.close())
    // request-level: refused credentials, a proxy's HTML page, a 503, a whole-request 400
    es.onRequest((n) => n === 0 ? { status: 401 } : n === 1 ? { status: 502 } : n === 2 ? { status: 503 } : n === 3 ? { status: 400 } : undefined)
    es.onItem(({ source }) => (source as { n: number }).n % 4 === 1 ? { status: 400, type: 'document_parsing_exception', reason: 'failed to parse' } : undefined)
    const [sink] = await sinksOf(t, [{ type: 'elasticsearch', name: `es-${name}`, endpoints: [es.url], auth, retry }])
    const seen = await ship(sink, 20)
    const all = [...seen.messages, ...seen.deadLetters, ...seen.lastErrors].join('\n')
    t.same(leaks(all), [], `${name}: no secret in error messages, dead-letter entries or lastError`)
    t.ok(seen.deadLetters.length >= 5, `${name}: the items refused were dead-lettered`)
    t.ok(seen.deadLetters.every((d) => d.includes('request headers: authorization: [redacted]')), `${name}: each entry shows where the echo was`)
    t.match(seen.messages.join('\n'), /HTTP 401 .*request headers: authorization: \[redacted\]/, `${name}: the 401 answer quoted, credentials removed`)
    t.match(seen.messages.join('\n'), /HTTP 502 request headers: authorization: \[redacted\]/, `${name}: the HTML page quoted, credentials removed`)
  }
})

t.test('Splunk HEC echoing the token in per-event refusals and request errors', async (t) => {
  const hec = await startFakeHec({ tokens: [{ token: HEC_TOKEN }], echoHeaders: true })
  t.teardown(async () => await hec.close())
  hec.onRequest((n) => n === 0 ? { status: 403 } : n === 1 ? { status: 503 } : n === 2 ? { status: 502 } : undefined)
  hec.onEvent(({ obj }) => ((obj as { event: { n: number } }).event.n % 4 === 1 ? 6 : undefined))
  const [sink] = await sinksOf(t, [{ type: 'splunk_hec', name: 'hec', endpoints: [hec.url], token_env: 'AUDITSHIP_ECHO_HEC', retry }])
  const seen = await ship(sink, 20)
  t.same(leaks([...seen.messages, ...seen.deadLetters, ...seen.lastErrors].join('\n')), [])
  t.equal(seen.deadLetters.length, 5)
  t.ok(seen.deadLetters.every((d) => /HEC code 6 \\"request headers: authorization: \[redacted\];/.test(d)), 'the refusal quoted, the token removed')
  t.match(seen.messages.join('\n'), /HEC code 4 "request headers: authorization: \[redacted\]/)
})

t.test('an HTTP collector echoing basic auth and a configured header', async (t) => {
  // the fake Elasticsearch stands in for any collector: POST /ingest and GET /health are "no
  // handler" (400), with the echo
  const es = await startFakeEs({ echoHeaders: true })
  t.teardown(async () => await es.close())
  const [sink] = await sinksOf(t, [{ type: 'http', name: 'web', endpoints: [`${es.url}/ingest`], auth: { type: 'basic', username: 'elastic', password_env: 'AUDITSHIP_ECHO_PW' }, headers: { 'X-Api-Key': HEADER_KEY }, health_path: '/health', retry }])
  const seen = await ship(sink, 3)
  t.equal(seen.deadLetters.length, 3, 'a 400 for each event alone: refused')
  t.ok(seen.deadLetters.every((d) => d.includes('request headers: authorization: [redacted]; ')), 'each entry shows where the echo was')
  const h = await sink.health?.()
  t.match(h?.detail, /HTTP 400 .*request headers: authorization: \[redacted\]; .*x-api-key: \[redacted\]/)
  t.same(leaks([...seen.messages, ...seen.deadLetters, h?.detail ?? ''].join('\n')), [], 'no secret, nor the configured header')
})

t.test('health details (doctor) of an endpoint echoing the header', async (t) => {
  const es = await startFakeEs({ echoHeaders: true, auth: { basic: { username: 'elastic', password: 'another one' } } })
  t.teardown(async () => await es.close())
  const [sink] = await sinksOf(t, [{ type: 'elasticsearch', name: 'es', endpoints: [es.url], auth: { type: 'basic', username: 'elastic', password_env: 'AUDITSHIP_ECHO_PW' } }])
  const h = await sink.health?.()
  t.equal(h?.ok, false)
  t.match(h?.detail, /HTTP 401 .*authorization: \[redacted\]/)
  t.same(leaks(h?.detail ?? ''), [])
})
