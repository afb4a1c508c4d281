/**
 * The fake Splunk HEC server (test/helpers/fake-hec.ts) against the conformance checklist of
 * docs/sinks.md §5.3 (HEC items 1–10), over real HTTP on 127.0.0.1.
 */
import t, { type Test } from 'tap'
import { request } from 'undici'
import { deflateSync, gzipSync } from 'node:zlib'
import { nextObject, startFakeHec, type FakeHec, type FakeHecOptions } from '../helpers/fake-hec.js'

const TOK = '6d1b1e0c-0000-4000-8000-000000000001'
const ACK = '6d1b1e0c-0000-4000-8000-000000000002'
const DIS = '6d1b1e0c-0000-4000-8000-000000000003'
const QS = '6d1b1e0c-0000-4000-8000-000000000004'
const CH1 = '0e3c0f38-5b1a-4c55-9a38-2b8f6f3c9d11'
const CH2 = 'FE0ECFAD-13D5-401B-847D-77833BD77131'

const TOKENS: FakeHecOptions['tokens'] = [
  { token: TOK, allowedIndexes: ['os', 'main'], defaultIndex: 'os', defaultSourcetype: 'auditd:json' },
  { token: ACK, useACK: true },
  { token: DIS, disabled: true },
  { token: QS, allowQueryString: true }
]

interface Res { status: number, headers: Record<string, string | string[] | undefined>, text: string, json: any }

async function call (url: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Res> {
  const r = await request(url + path, { method: method as 'POST', body, headers, signal })
  const text = await r.body.text()
  let json: any
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: r.statusCode, headers: r.headers, text, json }
}

async function send (hec: FakeHec, path: string, body: string | unknown[], o: { token?: string | null, channel?: string, gzip?: boolean, headers?: Record<string, string>, signal?: AbortSignal } = {}): Promise<Res> {
  const text = typeof body === 'string' ? body : body.map((e) => JSON.stringify(e)).join('')
  const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers }
  if (o.token !== null) headers.authorization = `Splunk ${o.token ?? TOK}`
  if (o.channel !== undefined) headers['x-splunk-request-channel'] = o.channel
  let b: string | Buffer = text
  if (o.gzip === true) {
    b = gzipSync(text)
    headers['content-encoding'] = 'gzip'
  }
  return await call(hec.url, 'POST', path, b, headers, o.signal)
}

async function poll (hec: FakeHec, channel: string, acks: number[], token = ACK): Promise<Res> {
  return await call(hec.url, 'POST', `/services/collector/ack?channel=${channel}`, JSON.stringify({ acks }), { authorization: `Splunk ${token}` })
}

async function fake (t: Test, opts: Partial<FakeHecOptions> = {}): Promise<FakeHec> {
  const hec = await startFakeHec({ tokens: TOKENS, ...opts })
  t.teardown(async () => { await hec.close() })
  return hec
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const ev = (k: number): Record<string, unknown> => ({ time: 1553501549.148, host: 'web-01', source: 'auditd', sourcetype: 'auditd:json', event: { n: k, s: `text "${k}" {}` } })

t.test('nextObject: concatenated JSON splitter respects strings and escapes', async (t) => {
  const s = ' {"a":"}{"}\n\t{"b":{"c":"\\"}"},"d":[1,{"e":2}]}{"f":"\\\\"}{}  '
  const parts: string[] = []
  let pos = 0
  for (;;) {
    const r = nextObject(s, pos)
    if (r === null) break
    if (r === -1) { t.fail('unexpected -1'); break }
    parts.push(s.slice(r[0], r[1]))
    pos = r[1]
  }
  t.same(parts.map((p) => JSON.parse(p)), [{ a: '}{' }, { b: { c: '"}' }, d: [1, { e: 2 }] }, { f: '\\' }, {}])
  t.equal(nextObject('[{"a":1}]', 0), -1, 'an array is not an object')
  t.equal(nextObject('{"a":"x}', 0), -1, 'unterminated string')
  t.equal(nextObject('{"a":{}', 0), -1, 'unterminated object')
  t.equal(nextObject(' \r\n ', 0), null)
  // fuzz: random objects with nasty strings, random separators
  const alphabet = ['{', '}', '"', '\\', '[', ']', ',', ':', ' ', '\n', 'a', 'é', '\u2028', '😀', '\u0000']
  let seed = 42
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
  const str = (): string => { let x = ''; const len = rnd(12); for (let k = 0; k < len; k++) x += alphabet[rnd(alphabet.length)]; return x }
  const val = (d: number): unknown => {
    const k = rnd(d > 2 ? 3 : 6)
    if (k === 0) return str()
    if (k === 1) return rnd(1000)
    if (k === 2) return null
    if (k === 3) { const o: Record<string, unknown> = {}; for (let j = rnd(4); j > 0; j--) o[str()] = val(d + 1); return o }
    if (k === 4) return [val(d + 1), val(d + 1)]
    return true
  }
  for (let round = 0; round < 200; round++) {
    const objs: unknown[] = []
    let text = ''
    for (let j = rnd(6) + 1; j > 0; j--) {
      const o: Record<string, unknown> = { event: val(0) }
      for (let m = rnd(3); m > 0; m--) o[str()] = val(1)
      objs.push(o)
      text += JSON.stringify(o) + [' ', '', '\n', '\r\n', '\t'][rnd(5)]
    }
    const got: unknown[] = []
    let p = 0
    for (;;) {
      const r = nextObject(text, p)
      if (r === null || r === -1) { if (r === -1) got.push('ERR'); break }
      got.push(JSON.parse(text.slice(r[0], r[1])))
      p = r[1]
    }
    if (JSON.stringify(got) !== JSON.stringify(objs)) { t.fail(`round ${round}: ${text}`); return }
  }
  t.pass('200 random bodies split correctly')
})

t.test('1 routes: health, aliases, 404, 405, OPTIONS', async (t) => {
  const hec = await fake(t)
  for (const p of ['/services/collector/health', '/services/collector/health/1.0']) {
    const h = await call(hec.url, 'GET', p)
    t.equal(h.status, 200)
    t.same(h.json, { text: 'HEC is healthy', code: 17 }, `${p} needs no token`)
  }
  const texts: Record<number, string> = { 18: 'HEC is unhealthy, queues are full', 19: 'HEC is unhealthy, ack service unavailable', 20: 'HEC is unhealthy, queues are full, ack service unavailable' }
  for (const code of [18, 19, 20] as const) {
    hec.setHealth(code)
    const h = await call(hec.url, 'GET', '/services/collector/health')
    t.equal(h.status, 503)
    t.same(h.json, { text: texts[code], code })
  }
  const busy = await send(hec, '/services/collector/event', [ev(0)])
  t.same([busy.status, busy.json], [503, { text: 'Server is busy', code: 9 }], 'queues full: data requests are busy')
  hec.setHealth('healthy')
  for (const p of ['/services/collector', '/services/collector/event', '/services/collector/event/1.0']) {
    const r = await send(hec, p, [ev(1)])
    t.same([r.status, r.json], [200, { text: 'Success', code: 0 }], p)
  }
  for (const p of ['/services/collector/raw', '/services/collector/raw/1.0']) {
    t.equal((await send(hec, p, 'line\n')).status, 200, p)
  }
  t.equal(hec.events.length, 5)
  const nf = await call(hec.url, 'GET', '/nope')
  t.same([nf.status, nf.json], [404, { text: 'The requested URL was not found on this server.', code: 404 }])
  const wrong = await call(hec.url, 'GET', '/services/collector/event')
  t.same([wrong.status, wrong.json], [405, { text: 'The requested URL was not found on this server.', code: 404 }])
  t.equal((await call(hec.url, 'POST', '/services/collector/health', '{}')).status, 405)
  const opt = await call(hec.url, 'OPTIONS', '/services/collector/event')
  t.same([opt.status, opt.text], [200, ''])
})

t.test('2 tokens: Splunk/Basic/query string, codes 1 2 3 4 16', async (t) => {
  const hec = await fake(t)
  const body = [ev(0)]
  t.equal((await send(hec, '/services/collector/event', body)).status, 200)
  const basic = await send(hec, '/services/collector/event', body, { token: null, headers: { authorization: 'Basic ' + Buffer.from(`anyone:${TOK}`).toString('base64') } })
  t.equal(basic.status, 200, 'Basic with the token as password')
  const missing = await send(hec, '/services/collector/event', body, { token: null })
  t.same([missing.status, missing.json], [401, { text: 'Token is required', code: 2 }])
  const scheme = await send(hec, '/services/collector/event', body, { token: null, headers: { authorization: TOK } })
  t.same([scheme.status, scheme.json], [401, { text: 'Invalid authorization', code: 3 }])
  const bearer = await send(hec, '/services/collector/event', body, { token: null, headers: { authorization: `Bearer ${TOK}` } })
  t.same([bearer.status, bearer.json], [401, { text: 'Invalid authorization', code: 3 }])
  const unknown = await send(hec, '/services/collector/event', body, { token: '00000000-0000-0000-0000-000000000000' })
  t.same([unknown.status, unknown.json], [403, { text: 'Invalid token', code: 4 }])
  const disabled = await send(hec, '/services/collector/event', body, { token: DIS })
  t.same([disabled.status, disabled.json], [403, { text: 'Token disabled', code: 1 }])
  const qsNo = await send(hec, `/services/collector/event?token=${TOK}`, body, { token: null })
  t.same([qsNo.status, qsNo.json], [400, { text: 'Query string authorization is not enabled', code: 16 }])
  const qsYes = await send(hec, `/services/collector/event?token=${QS}`, body, { token: null })
  t.equal(qsYes.status, 200)
  t.equal(hec.events.length, 3)
  t.same(hec.events.map((e) => e.token), [TOK, TOK, QS])
})

t.test('3 /event parser, codes 5 6 12 13 15 7 and prefix indexing', async (t) => {
  const hec = await fake(t)
  const tricky = '{"event":"a } { \\" \\\\ ]"}\n  {"event":{"x":"{{{"}}\t{"event":0}{"event":{}}{"event":[]}'
  const ok = await send(hec, '/services/collector/event', tricky)
  t.same([ok.status, ok.json], [200, { text: 'Success', code: 0 }])
  t.same(hec.events.map((e) => e.event), ['a } { " \\ ]', { x: '{{{' }, 0, {}, []])
  hec.events.length = 0
  const empty = await send(hec, '/services/collector/event', '')
  t.same([empty.status, empty.json], [400, { text: 'No data', code: 5 }])
  const blankBody = await send(hec, '/services/collector/event', ' \n ')
  t.same(blankBody.json, { text: 'No data', code: 5 })
  const arr = await send(hec, '/services/collector/event', JSON.stringify([{ event: 'x' }]))
  t.same([arr.status, arr.json], [400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 }])
  const cases: Array<[string, unknown, number, string]> = [
    ['syntax error', '{"event":"x",}', 6, 'Invalid data format'],
    ['event null', { event: null }, 6, 'Invalid data format'],
    ['event false', { event: false }, 6, 'Invalid data format'],
    ['no event', { host: 'h' }, 12, 'Event field is required'],
    ['blank event', { event: ' ' }, 13, 'Event field cannot be blank'],
    ['empty event', { event: '' }, 13, 'Event field cannot be blank'],
    ['nested fields', { event: 'x', fields: { a: { b: 1 } } }, 15, 'Error in handling indexed fields'],
    ['index not allowed', { event: 'x', index: 'secret' }, 7, 'Incorrect index']
  ]
  for (const [name, bad, code, text] of cases) {
    hec.events.length = 0
    const mid = typeof bad === 'string' ? bad : JSON.stringify(bad)
    const r = await send(hec, '/services/collector/event', JSON.stringify({ event: 'first' }) + mid + JSON.stringify({ event: 'third' }))
    t.same([r.status, r.json], [400, { text, code, 'invalid-event-number': 1 }], name)
    t.same(hec.events.map((e) => e.event), ['first'], `${name}: object 0 indexed, 1 and 2 not`)
  }
  hec.events.length = 0
  const flat = await send(hec, '/services/collector/event', [{ event: 'x', fields: { club: 'glee', wins: ['regionals', 'nationals'], n: 3 } }])
  t.equal(flat.status, 200, 'flat fields with string arrays accepted')
  t.same(hec.events[0].fields, { club: 'glee', wins: ['regionals', 'nationals'], n: 3 })
  hec.events.length = 0
  const unknownKey = await send(hec, '/services/collector/event', [{ event: 'a' }, { event: 'b', nested: { k: 1 } }, { event: 'c' }])
  t.same([unknownKey.status, unknownKey.json], [200, { text: 'Success', code: 0 }], 'unknown envelope key: 200 …')
  t.same(hec.events.map((e) => e.event), ['a'], '… but only the objects before it are indexed (probe 10.4.3)')
})

t.test('onEvent: injected per-event codes with invalid-event-number', async (t) => {
  const hec = await fake(t)
  const seen: number[] = []
  hec.onEvent(({ n, i, obj }) => {
    if (n === 0) seen.push(i)
    if (n === 0 && i === 3) { t.same(obj, { event: 'e3' }); return 12 }
    if (n === 1 && i === 0) return 6
    return undefined
  })
  const body = [0, 1, 2, 3, 4, 5].map((k) => ({ event: `e${k}` }))
  const r = await send(hec, '/services/collector/event', body, { gzip: true })
  t.same([r.status, r.json], [400, { text: 'Event field is required', code: 12, 'invalid-event-number': 3 }])
  t.same(seen, [0, 1, 2, 3])
  t.same(hec.events.map((e) => e.event), ['e0', 'e1', 'e2'])
  t.same(hec.events.map((e) => e.requestNo), [0, 0, 0])
  const r2 = await send(hec, '/services/collector/event', body.slice(3))
  t.same([r2.status, r2.json], [400, { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 }])
  t.equal(hec.events.length, 3, 'nothing of request 1 indexed')
  const r3 = await send(hec, '/services/collector/event', body.slice(4))
  t.equal(r3.status, 200, 'the client resends the suffix')
  t.same(hec.events.map((e) => e.event), ['e0', 'e1', 'e2', 'e4', 'e5'])
  t.same(hec.events.slice(3).map((e) => e.requestNo), [2, 2])
})

t.test('4 envelope: time formats, defaults from the token, no carry-over', async (t) => {
  const hec = await fake(t)
  const body = [
    { time: 1553501549.148, event: 'a', host: 'h1', source: 's1', sourcetype: 'st1', index: 'main', fields: { f: 'v' } },
    { time: '1553501549.5', event: 'b' },
    { time: 1553501549148, event: 'c' },
    { time: '1553501549148000000', event: 'd' },
    { time: 1553501549, event: 'e' }
  ]
  const r = await send(hec, '/services/collector/event', body)
  t.equal(r.status, 200)
  const e = hec.events
  t.match(e[0], { token: TOK, channel: undefined, time: 1553501549.148, host: 'h1', source: 's1', sourcetype: 'st1', index: 'main', fields: { f: 'v' }, event: 'a', requestNo: 0 })
  t.match(e[1], { time: 1553501549.5, host: undefined, source: undefined, sourcetype: 'auditd:json', index: 'os', fields: undefined }, 'token defaults, nothing carried over from object 0')
  t.equal(e[2].time, 1553501549.148, '13 digits = ms')
  t.equal(e[3].time, 1553501549.148, '19 digits = ns')
  t.equal(e[4].time, 1553501549)
  const bad = await send(hec, '/services/collector/event', [{ event: 'x', time: 'yesterday' }])
  t.same(bad.json, { text: 'Invalid data format', code: 6, 'invalid-event-number': 0 })
  const other = await fake(t, { tokens: [{ token: TOK }] })
  await send(other, '/services/collector/event', [{ event: 'x' }])
  t.match(other.events[0], { sourcetype: 'httpevent', index: 'main' }, 'Splunk defaults without token defaults')
})

t.test('5 /raw: lines are events, metadata from the query string, fields ignored', async (t) => {
  const hec = await fake(t)
  const r = await send(hec, '/services/collector/raw?sourcetype=linux:audit&source=auditd&host=web-01&index=main&time=1553501549.148', 'type=USER_LOGIN msg=audit(1553501549.148:1): a\r\n\ntype=PROCTITLE msg=audit(1553501549.148:1): b\n')
  t.same([r.status, r.json], [200, { text: 'Success', code: 0 }])
  t.same(hec.events.map((e) => e.event), ['type=USER_LOGIN msg=audit(1553501549.148:1): a', 'type=PROCTITLE msg=audit(1553501549.148:1): b'])
  t.match(hec.events[0], { sourcetype: 'linux:audit', source: 'auditd', host: 'web-01', index: 'main', time: 1553501549.148, fields: undefined })
  const json = await send(hec, '/services/collector/raw', '{"event":"x","fields":{"a":"b"}}\n')
  t.equal(json.status, 200)
  t.same(hec.events[2].event, '{"event":"x","fields":{"a":"b"}}', 'raw keeps the line, fields not applied')
  t.equal(hec.events[2].fields, undefined)
  const idx = await send(hec, '/services/collector/raw?index=secret', 'x\n')
  t.same([idx.status, idx.json.code], [400, 7])
  const none = await send(hec, '/services/collector/raw', '\n\n')
  t.same(none.json, { text: 'No data', code: 5 })
  hec.onEvent(({ i }) => i === 1 ? 6 : undefined)
  const part = await send(hec, '/services/collector/raw', 'l0\nl1\nl2\n')
  t.same(part.json, { text: 'Invalid data format', code: 6, 'invalid-event-number': 1 })
  t.same(hec.events.slice(3).map((e) => e.event), ['l0'])
})

t.test('6 channels: header or query, GUID check (11), required with useACK (10)', async (t) => {
  const hec = await fake(t)
  const bad = await send(hec, '/services/collector/event', [ev(0)], { channel: 'not-a-guid' })
  t.same([bad.status, bad.json], [400, { text: 'Invalid data channel', code: 11 }])
  const missing = await send(hec, '/services/collector/event', [ev(0)], { token: ACK })
  t.same([missing.status, missing.json], [400, { text: 'Data channel is missing', code: 10 }])
  t.equal(hec.events.length, 0)
  const plain = await send(hec, '/services/collector/event', [ev(0)], { channel: CH1 })
  t.same(plain.json, { text: 'Success', code: 0 }, 'a channel on a non-ack token is harmless')
  const q = await send(hec, `/services/collector/event?channel=${CH1}`, [ev(0)], { token: ACK })
  t.same(q.json, { text: 'Success', code: 0, ackId: 0 }, 'channel in the query string')
  t.same(hec.events.map((e) => e.channel), [CH1, CH1])
  const rawNoCh = await send(hec, '/services/collector/raw', 'x\n')
  t.equal(rawNoCh.status, 200, '/raw without channel on a non-ack token')
})

t.test('7 acks: per channel from 0, true once then forgotten, late, never, code 14', async (t) => {
  const hec = await fake(t, { ackDelayMs: 500 })
  const ids: number[] = []
  for (let k = 0; k < 3; k++) {
    const r = await send(hec, '/services/collector/event', [ev(k)], { token: ACK, channel: CH1 })
    t.same(r.json, { text: 'Success', code: 0, ackId: k })
    ids.push(r.json.ackId)
  }
  t.equal(hec.events.length, 3, 'indexed at request time')
  const other = await send(hec, '/services/collector/event', [ev(9)], { token: ACK, channel: CH2 })
  t.equal(other.json.ackId, 0, 'ids are per channel')
  const early = await poll(hec, CH1, [0, 1, 2, 7])
  t.same([early.status, early.json], [200, { acks: { 0: false, 1: false, 2: false, 7: false } }], 'not yet (ackDelayMs)')
  await sleep(600)
  const late = await poll(hec, CH1, [0, 1, 7])
  t.same(late.json, { acks: { 0: true, 1: true, 7: false } })
  const again = await poll(hec, CH1, [0, 1, 2])
  t.same(again.json, { acks: { 0: false, 1: false, 2: true } }, 'an id answered true is forgotten')
  const ch2 = await poll(hec, CH2, [0])
  t.same(ch2.json, { acks: { 0: true } })
  const fresh = await poll(hec, '11111111-2222-3333-4444-555555555555', [0])
  t.same(fresh.json, { acks: { 0: false } }, 'a new channel polled for 0 → false')
  const noAck = await poll(hec, CH1, [0], TOK)
  t.same([noAck.status, noAck.json], [400, { text: 'ACK is disabled', code: 14 }])
  const noCh = await call(hec.url, 'POST', '/services/collector/ack', '{"acks":[0]}', { authorization: `Splunk ${ACK}` })
  t.same(noCh.json, { text: 'Data channel is missing', code: 10 })
  const badBody = await call(hec.url, 'POST', `/services/collector/ack?channel=${CH1}`, '{"acks":"x"}', { authorization: `Splunk ${ACK}` })
  t.same([badBody.status, badBody.json.code], [400, 6])
  const unauth = await call(hec.url, 'POST', `/services/collector/ack?channel=${CH1}`, '{"acks":[0]}')
  t.same(unauth.json, { text: 'Token is required', code: 2 })

  // lost ack: the client resends after its timeout → duplicates in events
  const seen: Array<{ channel: string, ackId: number, n: number }> = []
  hec.onAck((e) => { seen.push(e); return e.ackId === 3 ? 'never' : e.ackId === 4 ? 50 : undefined })
  const lost = await send(hec, '/services/collector/event', [ev(100), ev(101)], { token: ACK, channel: CH1 })
  t.equal(lost.json.ackId, 3)
  const quick = await send(hec, '/services/collector/event', [ev(102)], { token: ACK, channel: CH1 })
  t.equal(quick.json.ackId, 4)
  t.same(seen, [{ channel: CH1, ackId: 3, n: 4 }, { channel: CH1, ackId: 4, n: 5 }])
  await sleep(80)
  t.same((await poll(hec, CH1, [3, 4])).json, { acks: { 3: false, 4: true } }, 'onAck delay overrides ackDelayMs')
  await sleep(200)
  t.same((await poll(hec, CH1, [3])).json, { acks: { 3: false } }, 'never true')
  const resend = await send(hec, '/services/collector/event', [ev(100), ev(101)], { token: ACK, channel: CH1 })
  t.equal(resend.json.ackId, 5)
  t.same(hec.events.filter((e) => (e.event as { n: number }).n === 100).length, 2, 'the resend duplicates the events')
  // a 400 partial request: prefix indexed, no ackId
  hec.onEvent(({ i }) => i === 1 ? 13 : undefined)
  const partial = await send(hec, '/services/collector/event', [ev(200), ev(201)], { token: ACK, channel: CH1 })
  t.same(partial.json, { text: 'Event field cannot be blank', code: 13, 'invalid-event-number': 1 })
  t.same(hec.events[hec.events.length - 1].event, ev(200).event, 'object 0 indexed')
  hec.onEvent(undefined)
  const nextId = await send(hec, '/services/collector/event', [ev(300)], { token: ACK, channel: CH1 })
  t.equal(nextId.json.ackId, 6, 'no ackId consumed by the 400')
})

t.test('8 encoding: gzip accepted, deflate → 415', async (t) => {
  const hec = await fake(t)
  const gz = await send(hec, '/services/collector/event', [ev(0), ev(1)], { gzip: true })
  t.equal(gz.status, 200)
  t.equal(hec.requests[0].gzip, true)
  t.equal(hec.requests[0].body.toString(), JSON.stringify(ev(0)) + JSON.stringify(ev(1)))
  const rawGz = await call(hec.url, 'POST', '/services/collector/raw', gzipSync('a\nb\n'), { authorization: `Splunk ${TOK}`, 'content-encoding': 'gzip' })
  t.equal(rawGz.status, 200)
  const df = await call(hec.url, 'POST', '/services/collector/event', deflateSync(JSON.stringify(ev(0))), { authorization: `Splunk ${TOK}`, 'content-encoding': 'deflate' })
  t.equal(df.status, 415)
  t.match(df.headers['content-type'], /text\/html/)
  t.equal(hec.events.length, 4)
})

t.test('9 limits: 413 on the decompressed size; large bodies under the default', async (t) => {
  const small = await fake(t, { maxContentLength: 1000000 })
  const many: unknown[] = []
  for (let k = 0; k < 5000; k++) many.push({ event: { k, pad: 'x'.repeat(200) } })
  const text = many.map((e) => JSON.stringify(e)).join('\n')
  t.ok(text.length > 1000000 && gzipSync(text).length < 1000000)
  const big = await send(small, '/services/collector/event', text, { gzip: true })
  t.equal(big.status, 413, 'gzip under, decompressed over the limit')
  const plain = await send(small, '/services/collector/event', text)
  t.equal(plain.status, 413)
  t.equal(small.events.length, 0)
  t.equal((await send(small, '/services/collector/event', many.slice(0, 100))).status, 200)
  const huge = await send(small, '/services/collector/event', 'x'.repeat(3 * 1024 * 1024))
  t.same([huge.status, huge.headers['content-type']], [413, 'text/html; charset=UTF-8'], 'over the buffering limit too')
  const dflt = await fake(t)
  const r = await send(dflt, '/services/collector/event', text)
  t.equal(r.status, 200, 'a 1+ MB body under the 800 MiB default')
  t.equal(dflt.events.length, 5000)
})

t.test('10 faults: 503 code 9, 500 code 8, Retry-After, delay, reset before/after, recorded', async (t) => {
  const hec = await fake(t)
  hec.onRequest((n, req) => {
    t.match(req.path, /^\/services\/collector/)
    switch (n) {
      case 0: return { status: 503, headers: { 'retry-after': '2' } }
      case 1: return { status: 500 }
      case 2: return { reset: 'before' }
      case 3: return { reset: 'after' }
      case 4: return { delayMs: 400 }
      case 5: return { status: 502 }
      default: return undefined
    }
  })
  const r503 = await send(hec, '/services/collector/event', [ev(0)])
  t.same([r503.status, r503.json, r503.headers['retry-after']], [503, { text: 'Server is busy', code: 9 }, '2'])
  const r500 = await send(hec, '/services/collector/event', [ev(0)])
  t.same([r500.status, r500.json], [500, { text: 'Internal server error', code: 8 }])
  t.equal(hec.events.length, 0)
  await t.rejects(send(hec, '/services/collector/event', [ev(0)]), 'reset before')
  t.equal(hec.events.length, 0, 'nothing indexed')
  await t.rejects(send(hec, '/services/collector/event', [ev(1)]), 'reset after')
  t.equal(hec.events.length, 1, 'indexed, the client does not know')
  await t.rejects(send(hec, '/services/collector/event', [ev(2)], { signal: AbortSignal.timeout(100) }), 'client timeout')
  for (let k = 0; k < 100 && hec.events.length < 2; k++) await sleep(50)
  t.equal(hec.events.length, 2, 'the delayed request was handled after the client gave up')
  const r502 = await send(hec, '/services/collector/event', [ev(3)])
  t.equal(r502.status, 502)
  t.match(r502.text, /Bad Gateway/)
  t.equal((await send(hec, '/services/collector/event', [ev(4)])).status, 200)
  await call(hec.url, 'GET', '/services/collector/health')
  t.same(hec.requests.map((r) => r.status), [503, 500, 0, 0, 200, 502, 200, 200])
  t.same(hec.events.map((e) => e.requestNo), [3, 4, 6])
})

t.test('load: 100 gzip requests × 1000 events, useACK, lost acks resent', async (t) => {
  const hec = await fake(t, { recordBodies: false })
  hec.onAck(({ ackId }) => ackId % 17 === 5 ? 'never' : undefined)
  hec.onRequest((n) => n % 30 === 7 ? { status: 503 } : undefined)
  const bodies: Buffer[] = []
  for (let b = 0; b < 100; b++) {
    let s = ''
    for (let k = 0; k < 1000; k++) s += `{"time":1553501549.148,"host":"h","sourcetype":"auditd:json","event":{"b":${b},"k":${k},"msg":"x {\\"y\\"} z"}}\n`
    bodies.push(gzipSync(s, { level: 1 }))
  }
  const t0 = Date.now()
  let next = 0
  let resent = 0
  const worker = async (w: number): Promise<void> => {
    const channel = `0e3c0f38-5b1a-4c55-9a38-2b8f6f3c9d${String(10 + w)}`
    while (next < bodies.length) {
      const body = bodies[next++]
      for (;;) {
        const r = await call(hec.url, 'POST', '/services/collector/event', body, { authorization: `Splunk ${ACK}`, 'x-splunk-request-channel': channel, 'content-encoding': 'gzip' })
        if (r.status !== 200) { resent++; continue }
        const a = await call(hec.url, 'POST', `/services/collector/ack?channel=${channel}`, JSON.stringify({ acks: [r.json.ackId] }), { authorization: `Splunk ${ACK}` })
        if (a.json.acks[r.json.ackId] === true) break
        resent++
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, async (_, w) => { await worker(w) }))
  const ms = Date.now() - t0
  t.ok(resent > 0)
  const unique = new Set(hec.events.map((e) => `${(e.event as any).b}/${(e.event as any).k}`))
  t.equal(unique.size, 100000, 'every event delivered')
  t.ok(hec.events.length > 100000, 'lost acks produced duplicates')
  t.ok(ms < 10000, `took ${ms} ms`)
})

t.test('echoHeaders: answers of status >= 400 quote the request headers in their text', async (t) => {
  const hec = await fake(t, { echoHeaders: true })
  hec.onEvent(({ i }) => i === 1 ? 6 : undefined)
  const bad = await send(hec, '/services/collector/event', [ev(0), ev(1)])
  t.equal(bad.status, 400)
  t.match(bad.json, { code: 6, 'invalid-event-number': 1, text: `request headers: authorization: Splunk ${TOK}; ` })
  t.match(bad.json.text, /Invalid data format$/)
  const denied = await send(hec, '/services/collector/event', [ev(0)], { token: 'nope-nope' })
  t.match(denied.json, { code: 4, text: /^request headers: authorization: Splunk nope-nope; / })
  const ok = await send(hec, '/services/collector/event', [ev(2)])
  t.same(ok.json, { text: 'Success', code: 0 }, 'a success quotes nothing')
})
