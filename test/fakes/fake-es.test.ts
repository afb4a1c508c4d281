/**
 * The fake Elasticsearch `_bulk` server (test/helpers/fake-es.ts) against the conformance
 * checklist of docs/sinks.md §5.3 (ES items 1–12), over real HTTP on 127.0.0.1.
 */
import t, { type Test } from 'tap'
import { request } from 'undici'
import { gzipSync } from 'node:zlib'
import { startFakeEs, type FakeEs, type FakeEsOptions } from '../helpers/fake-es.js'

interface Res { status: number, headers: Record<string, string | string[] | undefined>, text: string, json: any }

async function call (url: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> | string[] = {}, extra: { signal?: AbortSignal } = {}): Promise<Res> {
  const r = await request(url + path, { method: method as 'POST', body, headers, ...extra })
  const text = await r.body.text()
  let json: any
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: r.statusCode, headers: r.headers, text, json }
}

function ndjson (lines: unknown[]): string {
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n'
}

async function bulk (es: FakeEs, path: string, lines: unknown[] | string, o: { gzip?: boolean, headers?: Record<string, string>, signal?: AbortSignal } = {}): Promise<Res> {
  const text = typeof lines === 'string' ? lines : ndjson(lines)
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', ...o.headers }
  let body: string | Buffer = text
  if (o.gzip === true) {
    body = gzipSync(text)
    headers['content-encoding'] = 'gzip'
  }
  return await call(es.url, 'POST', path, body, headers, { signal: o.signal })
}

async function fake (t: Test, opts?: FakeEsOptions): Promise<FakeEs> {
  const es = await startFakeEs(opts)
  t.teardown(async () => { await es.close() })
  return es
}

const doc = (k: number): Record<string, unknown> => ({ '@timestamp': '2024-01-01T00:00:00.000Z', n: k, msg: `event ${k} with "quotes" and {braces}` })

t.test('1 routes: GET /, GET /_cluster/health, POST|PUT /_bulk and /{target}/_bulk', async (t) => {
  const es = await fake(t)
  const root = await call(es.url, 'GET', '/')
  t.equal(root.status, 200)
  t.same(root.json, { name: 'fake', cluster_name: 'fake', version: { number: '8.15.0', build_flavor: 'default' }, tagline: 'You Know, for Search' })
  t.equal(root.headers['x-elastic-product'], 'Elasticsearch')
  const health = await call(es.url, 'GET', '/_cluster/health')
  t.equal(health.status, 200)
  t.same(health.json, { cluster_name: 'fake', status: 'green' })
  t.equal((await bulk(es, '/_bulk', [{ create: { _index: 'a', _id: '1' } }, doc(1)])).status, 200)
  t.equal((await bulk(es, '/b/_bulk', [{ create: { _id: '1' } }, doc(1)])).status, 200)
  const put = await call(es.url, 'PUT', '/c/_bulk', ndjson([{ index: {} }, doc(1)]), { 'content-type': 'application/x-ndjson' })
  t.equal(put.status, 200)
  t.equal(es.docCount(), 3)
  t.same([...es.indices.keys()].sort(), ['a', 'b', 'c'])
  const get = await call(es.url, 'GET', '/_bulk')
  t.equal(get.status, 405)
  t.match(get.json, { error: /Incorrect HTTP method for uri \[\/_bulk\] and method \[GET\]/, status: 405 })
  t.equal((await call(es.url, 'GET', '/nope')).status, 400)
  t.same(es.requests.map((r) => r.status), [200, 200, 200, 200, 200, 405, 400])
})

t.test('1 routes: OpenSearch flavour', async (t) => {
  const os = await fake(t, { flavor: 'opensearch' })
  const root = await call(os.url, 'GET', '/')
  t.equal(root.status, 200)
  t.equal(root.json.version.distribution, 'opensearch')
  t.equal(root.headers['x-elastic-product'], undefined)
  t.equal((await bulk(os, '/x/_bulk', [{ create: {} }, doc(1)])).status, 200)
})

t.test('2 content types', async (t) => {
  const es = await fake(t)
  const body = ndjson([{ create: { _index: 'ct' } }, doc(1)])
  for (const ct of ['application/x-ndjson', 'application/json', 'application/json; charset=UTF-8', 'application/vnd.elasticsearch+x-ndjson;compatible-with=8', 'application/vnd.elasticsearch+x-ndjson; compatible-with=9']) {
    t.equal((await call(es.url, 'POST', '/_bulk', body, { 'content-type': ct })).status, 200, ct)
  }
  const bad = await call(es.url, 'POST', '/_bulk', body, { 'content-type': 'text/plain' })
  t.equal(bad.status, 406)
  t.same(bad.json, { error: 'Content-Type header [text/plain] is not supported', status: 406 })
  const weird = await call(es.url, 'POST', '/_bulk', body, { 'content-type': 'foo' })
  t.same(weird.json, { error: 'Content-Type header [foo] is not supported', status: 406 })
  const dup = await call(es.url, 'POST', '/_bulk', body, ['content-type', 'application/x-ndjson', 'content-type', 'application/json'])
  t.equal(dup.status, 406, 'duplicated header → 406')
  t.same(dup.json, { error: 'Content-Type header [application/x-ndjson, application/json] is not supported', status: 406 })
  const none = await call(es.url, 'POST', '/_bulk', body, {})
  t.same(none.json, { error: 'Content-Type header is missing', status: 406 })
  t.equal(es.docCount(), 5)

  const os = await fake(t, { flavor: 'opensearch' })
  const vnd = await call(os.url, 'POST', '/_bulk', body, { 'content-type': 'application/vnd.elasticsearch+x-ndjson;compatible-with=8' })
  t.equal(vnd.status, 406)
  t.same(vnd.json, { error: 'Content-Type header [application/vnd.elasticsearch+x-ndjson;compatible-with=8] is not supported', status: 406 })
  t.equal(os.docCount(), 0)
})

t.test('3 gzip and max_content_length on the decompressed size', async (t) => {
  const es = await fake(t, { maxContentLength: 10000 })
  const small = [{ create: { _index: 'g', _id: 'a' } }, doc(1)]
  const ok = await bulk(es, '/_bulk', small, { gzip: true })
  t.equal(ok.status, 200)
  t.equal(es.requests[0].gzip, true)
  t.equal(es.requests[0].body.toString(), ndjson(small), 'recorded body is decompressed')
  t.ok(es.requests[0].rawLength > 0 && es.requests[0].rawLength !== es.requests[0].body.length)
  const lines: unknown[] = []
  for (let k = 0; k < 200; k++) lines.push({ create: { _index: 'g' } }, { '@timestamp': 'x', pad: 'a'.repeat(100) })
  const big = ndjson(lines)
  t.ok(gzipSync(big).length < 10000 && big.length > 10000, 'compressed below, decompressed above the limit')
  const r = await bulk(es, '/_bulk', big, { gzip: true })
  t.equal(r.status, 413)
  t.equal(r.text, '')
  t.equal(r.headers['content-length'], '0')
  const r2 = await bulk(es, '/_bulk', big)
  t.equal(r2.status, 413)
  t.equal(r2.text, '')
  const huge = await bulk(es, '/_bulk', 'x'.repeat(3 * 1024 * 1024))
  t.same([huge.status, huge.text], [413, ''], 'a body over the buffering limit (not read) → 413 as well')
  t.equal(es.docCount(), 1, 'nothing indexed from 413 requests')
  const deflated = await call(es.url, 'POST', '/_bulk', Buffer.from('garbage'), { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' })
  t.equal(deflated.status, 400, 'undecodable gzip → 400')
})

t.test('4 auth: none | Basic | ApiKey | Bearer, 401 bodies, per-index 403', async (t) => {
  const apiKey = Buffer.from('myid:mysecret').toString('base64')
  const es = await fake(t, { auth: { basic: { username: 'elastic', password: 'pw' }, apiKey, bearer: 'tok' }, denyIndices: ['secret-*'] })
  const lines = [{ create: { _index: 'a' } }, doc(1)]
  const missing = await bulk(es, '/_bulk', lines)
  t.equal(missing.status, 401)
  const reason = 'missing authentication credentials for REST request [/_bulk]'
  t.match(missing.json, { error: { root_cause: [{ type: 'security_exception', reason }], type: 'security_exception', reason }, status: 401 })
  t.ok(missing.headers['www-authenticate'], 'WWW-Authenticate sent')
  t.match(String(missing.headers['www-authenticate']), /Basic realm="security"/)
  const basic = (u: string, p: string): string => 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64')
  const wrong = await bulk(es, '/_bulk', lines, { headers: { authorization: basic('x', 'nope') } })
  t.equal(wrong.status, 401)
  t.equal(wrong.json.error.reason, 'unable to authenticate user [x] for REST request [/_bulk]')
  t.equal((await bulk(es, '/_bulk', lines, { headers: { authorization: basic('elastic', 'pw') } })).status, 200)
  t.equal((await bulk(es, '/_bulk', lines, { headers: { authorization: `ApiKey ${apiKey}` } })).status, 200)
  t.equal((await bulk(es, '/_bulk', lines, { headers: { authorization: 'ApiKey bm9wZTpub3Bl' } })).status, 401)
  t.equal((await bulk(es, '/_bulk', lines, { headers: { authorization: 'Bearer tok' } })).status, 200)
  t.equal((await bulk(es, '/_bulk', lines, { headers: { authorization: 'Bearer bad' } })).status, 401)
  t.equal((await call(es.url, 'GET', '/')).status, 401, 'GET / needs auth too')
  t.equal(es.docCount(), 3)
  const deny = await bulk(es, '/_bulk', [{ create: { _index: 'secret-1', _id: 's' } }, doc(1), { create: { _index: 'open', _id: 'o' } }, doc(2)], { headers: { authorization: basic('elastic', 'pw') } })
  t.equal(deny.status, 200)
  t.equal(deny.json.errors, true)
  t.equal(deny.json.items[0].create.status, 403)
  t.equal(deny.json.items[0].create.error.type, 'security_exception')
  t.match(deny.json.items[0].create.error.reason, /is unauthorized for user \[elastic\].*on indices \[secret-1\]/)
  t.equal(deny.json.items[1].create.status, 201)
  t.notOk(es.indices.get('secret-1')?.has('s'))

  const none = await fake(t)
  t.equal((await bulk(none, '/_bulk', lines)).status, 200, 'no auth configured → no auth needed')
})

t.test('5 body rules', async (t) => {
  const es = await fake(t)
  const noNl = await bulk(es, '/_bulk', '{"create":{"_index":"a"}}\n{"x":1}')
  t.equal(noNl.status, 400)
  t.equal(noNl.text, '{"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"}],"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"},"status":400}')
  const empty = await bulk(es, '/_bulk', '')
  t.equal(empty.status, 400)
  t.match(empty.json, { error: { type: 'parse_exception', reason: 'request body is required' }, status: 400 })
  const crlf = await bulk(es, '/_bulk', '{"create":{"_index":"a","_id":"1"}}\r\n{"@timestamp":"t","x":1}\r\n{"delete":{"_index":"a","_id":"nope"}}\r\n')
  t.equal(crlf.status, 200, '\\r\\n accepted; delete has no source line')
  t.same(crlf.json.items.map((i: any) => Object.keys(i)[0]), ['create', 'delete'])
  t.equal(crlf.json.items[1].delete.status, 404)
  t.equal(crlf.json.items[1].delete.result, 'not_found')
  t.equal(crlf.json.errors, false, 'a delete of a missing doc is not an error')
  t.same(es.indices.get('a')?.get('1'), { '@timestamp': 't', x: 1 })
  const badAction = await bulk(es, '/_bulk', [{ upsert: { _index: 'a' } }, { x: 1 }])
  t.equal(badAction.status, 400)
  t.match(badAction.json.error, { type: 'illegal_argument_exception', reason: /expected field \[create\], \[delete\], \[index\] or \[update\] but found \[upsert\]/ })
  const twoKeys = await bulk(es, '/_bulk', '{"create":{"_index":"a"},"index":{"_index":"a"}}\n{"x":1}\n')
  t.equal(twoKeys.status, 400)
  const notJson = await bulk(es, '/_bulk', '{"create":\n{"x":1}\n')
  t.equal(notJson.status, 400)
  const noIndex = await bulk(es, '/_bulk', [{ create: {} }, { x: 1 }])
  t.equal(noIndex.status, 400)
  t.equal(noIndex.text, '{"error":{"root_cause":[{"type":"action_request_validation_exception","reason":"Validation Failed: 1: index is missing;"}],"type":"action_request_validation_exception","reason":"Validation Failed: 1: index is missing;"},"status":400}')
  const twoMissing = await bulk(es, '/_bulk', [{ create: { _index: 'ok' } }, { x: 1 }, { create: {} }, { x: 1 }, { index: {} }, { x: 2 }])
  t.equal(twoMissing.json.error.reason, 'Validation Failed: 1: index is missing;2: index is missing;')
  t.equal(es.indices.get('ok'), undefined, 'a request-level 400 indexes nothing')
  t.equal(es.docCount(), 1)
})

t.test('6 per-action semantics', async (t) => {
  const es = await fake(t)
  const r = await bulk(es, '/idx/_bulk', [{ create: {} }, doc(1), { index: {} }, doc(2), { create: { _id: 'fixed' } }, doc(3)])
  t.equal(r.status, 200)
  const [a, b, c] = r.json.items
  t.match(a.create._id, /^[A-Za-z0-9_-]{20}$/, 'generated 20-char base64url id')
  t.match(b.index._id, /^[A-Za-z0-9_-]{20}$/)
  t.not(a.create._id, b.index._id)
  t.same(Object.keys(c.create), ['_index', '_id', '_version', 'result', '_shards', '_seq_no', '_primary_term', 'status'])
  t.match(c.create, { _index: 'idx', _id: 'fixed', _version: 1, result: 'created', _shards: { total: 2, successful: 1, failed: 0 }, _primary_term: 1, status: 201 })
  t.same([a.create._seq_no, b.index._seq_no, c.create._seq_no], [0, 1, 2])
  const again = await bulk(es, '/idx/_bulk', [{ create: { _id: 'fixed' } }, { changed: true }, { index: { _id: 'fixed' } }, { replaced: 1 }, { index: { _id: 'fixed' } }, { replaced: 2 }])
  t.equal(again.json.errors, true)
  t.same(again.json.items[0], {
    create: {
      _index: 'idx',
      _id: 'fixed',
      status: 409,
      error: { type: 'version_conflict_engine_exception', reason: '[fixed]: version conflict, document already exists (current version [1])', index_uuid: again.json.items[0].create.error.index_uuid, shard: '0', index: 'idx' }
    }
  })
  t.match(again.json.items[1].index, { status: 200, result: 'updated', _version: 2 })
  t.match(again.json.items[2].index, { status: 200, result: 'updated', _version: 3 })
  t.same(es.indices.get('idx')?.get('fixed'), { replaced: 2 })
  const conflict = await bulk(es, '/idx/_bulk', [{ create: { _id: 'fixed' } }, { changed: true }])
  t.equal(conflict.json.items[0].create.error.reason, '[fixed]: version conflict, document already exists (current version [3])')
  t.same(es.indices.get('idx')?.get('fixed'), { replaced: 2 }, 'create on an existing id leaves the doc')
  const upd = await bulk(es, '/idx/_bulk', [{ update: { _id: 'fixed' } }, { doc: { extra: 1 } }, { update: { _id: 'none' } }, { doc: { a: 1 } }, { delete: { _id: 'fixed' } }])
  t.match(upd.json.items[0].update, { status: 200, result: 'updated', _version: 4 })
  t.match(upd.json.items[1].update, { status: 404, error: { type: 'document_missing_exception', reason: '[none]: document missing' } })
  t.match(upd.json.items[2].delete, { status: 200, result: 'deleted', _version: 5 })
  t.equal(es.indices.get('idx')?.has('fixed'), false)
  t.equal(es.docCount(), 2)
})

t.test('7 data streams', async (t) => {
  const es = await fake(t, { dataStreams: ['logs-*-*'] })
  const r = await bulk(es, '/logs-auditd-default/_bulk', [{ create: { _id: 'a' } }, doc(1), { index: { _id: 'b' } }, doc(2), { create: { _id: 'c' } }, { n: 3 }, { create: { _index: 'plain', _id: 'd' } }, { n: 4 }])
  t.equal(r.status, 200)
  const [a, b, c, d] = r.json.items
  t.match(a.create._index, /^\.ds-logs-auditd-default-\d{4}\.\d{2}\.\d{2}-000001$/)
  t.equal(a.create.status, 201)
  t.same(b.index.error, { type: 'illegal_argument_exception', reason: 'only write ops with an op_type of create are allowed in data streams' })
  t.equal(b.index.status, 400)
  t.equal(c.create.status, 400)
  t.equal(c.create.error.type, 'document_parsing_exception')
  t.match(c.create.error.reason, /^\[1:\d+\] failed to parse: data stream timestamp field \[@timestamp\] is missing$/)
  t.same(c.create.error.caused_by, { type: 'illegal_argument_exception', reason: 'data stream timestamp field [@timestamp] is missing' })
  t.match(d.create, { _index: 'plain', status: 201 }, 'a name outside the patterns is a plain index, no @timestamp needed')
  t.same([...(es.indices.get('logs-auditd-default')?.keys() ?? [])], ['a'], 'stored under the stream name')
})

t.test('8 document validation', async (t) => {
  const es = await fake(t)
  const r = await bulk(es, '/v/_bulk', '{"create":{"_id":"x1"}}\n{"@timestamp":"t","_id":"fhHraZEB_XqxG5Ydzpjv"}\n{"create":{"_id":"x2"}}\n[1,2]\n{"create":{"_id":"x3"}}\n{"a":\n{"create":{"_id":"x4"}}\n{"ok":true}\n')
  t.equal(r.status, 200)
  const [a, b, c, d] = r.json.items
  t.equal(a.create.status, 400)
  t.equal(a.create.error.type, 'document_parsing_exception')
  t.match(a.create.error.reason, /^\[1:\d+\] failed to parse field \[_id\] of type \[_id\] in document with id 'x1'\. Preview of field's value: 'fhHraZEB_XqxG5Ydzpjv'$/)
  t.match(a.create.error.caused_by, { type: 'document_parsing_exception', reason: /Field \[_id\] is a metadata field and cannot be added inside a document\. Use the index API request parameters\.$/ })
  t.equal(b.create.status, 400)
  t.equal(b.create.error.type, 'document_parsing_exception')
  t.equal(c.create.status, 400)
  t.equal(d.create.status, 201)
  t.same([...(es.indices.get('v')?.keys() ?? [])], ['x4'])
})

t.test('9 response shape', async (t) => {
  const es = await fake(t)
  const ok = await bulk(es, '/_bulk', [{ create: { _index: 'r', _id: '1' } }, doc(1), { index: { _index: 'r', _id: '2' } }, doc(2)])
  t.equal(ok.status, 200)
  t.match(ok.headers['content-type'], /^application\/json/)
  t.same(Object.keys(ok.json), ['took', 'errors', 'items'])
  t.ok(Number.isInteger(ok.json.took))
  t.equal(ok.json.errors, false)
  t.same(ok.json.items.map((i: any) => Object.keys(i)), [['create'], ['index']])
  const mixed = await bulk(es, '/_bulk', [{ index: { _index: 'r', _id: '3' } }, doc(3), { create: { _index: 'r', _id: '1' } }, doc(1)])
  t.equal(mixed.status, 200, '200 even with errors:true')
  t.equal(mixed.json.errors, true)
  t.same(mixed.json.items.map((i: any) => i.index?.status ?? i.create?.status), [201, 409])
})

t.test('10 filter_path', async (t) => {
  const es = await fake(t)
  const lines = [{ create: { _index: 'f', _id: '1' } }, doc(1)]
  await bulk(es, '/_bulk', lines)
  const body = [{ create: { _index: 'f', _id: '2' } }, doc(2), { create: { _index: 'f', _id: '1' } }, doc(1), { create: { _index: 'f', _id: '3' } }, doc(3)]
  const beats = await bulk(es, '/_bulk?filter_path=errors,items.*.error,items.*.status', body.map((l, k) => k % 2 === 0 ? { create: { ...(l as any).create, _id: `b${k}` } } : l).concat([{ create: { _index: 'f', _id: '1' } }, doc(1)]))
  t.same(beats.json.errors, true)
  t.equal(beats.json.items.length, 4, 'one entry per action')
  t.same(beats.json.items[0], { create: { status: 201 } })
  t.same(Object.keys(beats.json.items[3].create), ['status', 'error'])
  t.equal(beats.json.took, undefined)
  const onlyErr = await bulk(es, '/_bulk?filter_path=items.*.error', body)
  t.same(Object.keys(onlyErr.json), ['items'])
  t.equal(onlyErr.json.items.length, 1, 'successful items vanish')
  t.equal(onlyErr.json.items[0].create.error.type, 'version_conflict_engine_exception')
  const allOk = await bulk(es, '/_bulk?filter_path=items.*.error', [{ create: { _index: 'f' } }, doc(9)])
  t.same(allOk.json, {})
  const okBeats = await bulk(es, '/_bulk?filter_path=errors,items.*.error,items.*.status', [{ create: { _index: 'f' } }, doc(9)])
  t.same(okBeats.json, { errors: false, items: [{ create: { status: 201 } }] })
})

t.test('11 query params accepted and recorded', async (t) => {
  const es = await fake(t)
  const q = 'pipeline=p1&refresh=false&routing=r&timeout=1m&require_data_stream=false&require_alias=false&wait_for_active_shards=1'
  const r = await bulk(es, `/qp/_bulk?${q}`, [{ create: {} }, doc(1)])
  t.equal(r.status, 200)
  t.same(es.requests[0].query, { pipeline: 'p1', refresh: 'false', routing: 'r', timeout: '1m', require_data_stream: 'false', require_alias: 'false', wait_for_active_shards: '1' })
  t.equal(es.requests[0].path, '/qp/_bulk')
  t.equal(es.requests[0].method, 'POST')
  t.equal(es.requests[0].headers['content-type'], 'application/x-ndjson')
  const alias = await bulk(es, '/qp/_bulk?require_alias=true', [{ create: {} }, doc(2)])
  t.equal(alias.json.items[0].create.status, 404, 'require_alias=true: the fake has no aliases')
})

t.test('12 item faults: 429/503/500 not indexed; resend → those indexed, the rest 409', async (t) => {
  const es = await fake(t, { dataStreams: ['logs-*-*'] })
  const seen: Array<{ n: number, i: number, action: string, index: string, id: string | undefined }> = []
  es.onItem(({ n, i, action, index, id, source }) => {
    seen.push({ n, i, action, index, id })
    if (n !== 0) return undefined
    t.ok(source !== undefined, 'parsed source passed')
    if (i === 1) return { status: 429 }
    if (i === 2) return { status: 503 }
    if (i === 3) return { status: 500, type: 'illegal_state_exception', reason: 'boom' }
    return undefined
  })
  const lines: unknown[] = []
  for (let k = 0; k < 5; k++) lines.push({ create: { _id: `id${k}` } }, doc(k))
  const r = await bulk(es, '/logs-a-b/_bulk?filter_path=errors,items.*.error,items.*.status', lines, { gzip: true })
  t.equal(r.json.errors, true)
  const st = r.json.items.map((i: any) => i.create.status)
  t.same(st, [201, 429, 503, 500, 201])
  t.equal(r.json.items[1].create.error.type, 'es_rejected_execution_exception')
  t.match(r.json.items[1].create.error.reason, /^rejected execution of /)
  t.equal(r.json.items[2].create.error.type, 'unavailable_shards_exception')
  t.match(r.json.items[2].create.error.reason, /primary shard is not active/)
  t.same(r.json.items[3].create.error.type, 'illegal_state_exception')
  t.same(r.json.items[3].create.error.reason, 'boom')
  t.same([...(es.indices.get('logs-a-b')?.keys() ?? [])].sort(), ['id0', 'id4'], 'faulted items not indexed')
  t.same(seen.slice(0, 2), [{ n: 0, i: 0, action: 'create', index: 'logs-a-b', id: 'id0' }, { n: 0, i: 1, action: 'create', index: 'logs-a-b', id: 'id1' }])
  // the client resends everything (e.g. after a timeout): failed ones are created, the rest 409
  const again = await bulk(es, '/logs-a-b/_bulk', lines, { gzip: true })
  t.same(again.json.items.map((i: any) => i.create.status), [409, 201, 201, 201, 409])
  t.equal(es.indices.get('logs-a-b')?.size, 5)
  es.onItem(() => ({ status: 400 }))
  const perm = await bulk(es, '/logs-a-b/_bulk', [{ create: { _id: 'p' } }, doc(1)])
  t.match(perm.json.items[0].create, { status: 400, error: { type: 'document_parsing_exception' } })
  es.onItem(() => ({ status: 409 }))
  const dup = await bulk(es, '/logs-a-b/_bulk', [{ create: { _id: 'q' } }, doc(1)])
  t.match(dup.json.items[0].create, { status: 409, error: { type: 'version_conflict_engine_exception' } })
  t.equal(es.indices.get('logs-a-b')?.has('q'), false)
  es.onItem(undefined)
  t.equal((await bulk(es, '/logs-a-b/_bulk', [{ create: { _id: 'q' } }, doc(1)])).json.items[0].create.status, 201)
})

t.test('12 request faults: statuses and default bodies, Retry-After, n counts _bulk requests', async (t) => {
  const es = await fake(t)
  const plan: Record<number, object> = {
    0: { status: 429, headers: { 'retry-after': '1' } },
    1: { status: 503 },
    2: { status: 502 },
    3: { status: 413 },
    4: { status: 401 },
    5: { status: 403 },
    6: { status: 500 },
    7: { status: 503, body: '<html><body>Service Unavailable</body></html>' },
    8: { status: 504 }
  }
  const ns: number[] = []
  es.onRequest((n, req) => {
    ns.push(n)
    t.equal(req.path, '/_bulk')
    return plan[n]
  })
  const lines = [{ create: { _index: 'rf', _id: 'x' } }, doc(1)]
  const r429 = await bulk(es, '/_bulk', lines)
  t.equal(r429.status, 429)
  t.equal(r429.headers['retry-after'], '1')
  t.match(r429.json, { error: { root_cause: [{ type: 'circuit_breaking_exception' }], type: 'circuit_breaking_exception', reason: /^\[parent\] Data too large/, bytes_wanted: 123848638, bytes_limit: 123273216, durability: 'TRANSIENT' }, status: 429 })
  const r503 = await bulk(es, '/_bulk', lines)
  t.equal(r503.status, 503)
  t.equal(r503.json.status, 503)
  const r502 = await bulk(es, '/_bulk', lines)
  t.equal(r502.status, 502)
  t.match(r502.headers['content-type'], /text\/html/)
  t.match(r502.text, /502 Bad Gateway/)
  const r413 = await bulk(es, '/_bulk', lines)
  t.equal(r413.status, 413)
  t.equal(r413.text, '')
  t.equal(r413.headers['content-length'], '0')
  const r401 = await bulk(es, '/_bulk', lines)
  t.equal(r401.status, 401)
  t.equal(r401.json.error.type, 'security_exception')
  t.ok(r401.headers['www-authenticate'])
  const r403 = await bulk(es, '/_bulk', lines)
  t.equal(r403.status, 403)
  t.equal(r403.json.error.type, 'security_exception')
  const r500 = await bulk(es, '/_bulk', lines)
  t.equal(r500.status, 500)
  t.equal(r500.json.status, 500)
  const html = await bulk(es, '/_bulk', lines)
  t.equal(html.status, 503)
  t.match(html.headers['content-type'], /text\/html/)
  t.equal(html.text, '<html><body>Service Unavailable</body></html>')
  t.equal((await bulk(es, '/_bulk', lines)).status, 504)
  await call(es.url, 'GET', '/')
  t.equal(es.docCount(), 0, 'no whole-request fault indexes anything')
  t.equal((await bulk(es, '/_bulk', lines)).status, 200)
  t.same(ns, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'GET / is not a _bulk request')
  t.same(es.requests.map((r) => r.status), [429, 503, 502, 413, 401, 403, 500, 503, 504, 200, 200])
  t.equal(es.docCount(), 1)
  // 406 default body names the request's content type
  es.onRequest(() => ({ status: 406 }))
  const r406 = await bulk(es, '/_bulk', lines, { headers: { 'content-type': 'application/vnd.elasticsearch+x-ndjson;compatible-with=9' } })
  t.same(r406.json, { error: 'Content-Type header [application/vnd.elasticsearch+x-ndjson;compatible-with=9] is not supported', status: 406 })
})

t.test('12 delay beyond the client timeout; reset before/after; replay after an unknown outcome', async (t) => {
  const es = await fake(t)
  const lines: unknown[] = []
  for (let k = 0; k < 3; k++) lines.push({ create: { _index: 'u', _id: `u${k}` } }, doc(k))
  es.onRequest((n) => n === 0 ? { delayMs: 400 } : n === 1 ? { reset: 'before' } : n === 2 ? { reset: 'after' } : undefined)
  await t.rejects(bulk(es, '/_bulk', lines, { signal: AbortSignal.timeout(100) }), 'client times out')
  t.equal(es.docCount(), 0, 'not yet indexed while delayed')
  for (let k = 0; k < 100 && es.docCount() < 3; k++) await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(es.docCount(), 3, 'indexed after the delay although the client gave up (unknown outcome)')
  es.indices.get('u')?.clear()
  await t.rejects(bulk(es, '/_bulk', lines), 'reset before')
  t.equal(es.docCount(), 0, 'reset before: nothing indexed')
  await t.rejects(bulk(es, '/_bulk', lines), 'reset after')
  t.equal(es.docCount(), 3, 'reset after: batch indexed')
  const replay = await bulk(es, '/_bulk', lines)
  t.same(replay.json.items.map((i: any) => i.create.status), [409, 409, 409], 'the replay gets 409s')
  t.same(es.requests.map((r) => r.status), [200, 0, 0, 200])
  // a delayed normal answer with extra headers
  es.onRequest(() => ({ delayMs: 50, headers: { 'x-test': 'yes' } }))
  const slow = await bulk(es, '/_bulk', [{ create: { _index: 'u', _id: 'slow' } }, doc(9)])
  t.equal(slow.status, 200)
  t.equal(slow.headers['x-test'], 'yes')
  // a pending delay does not hold close()
  es.onRequest(() => ({ delayMs: 60000 }))
  const pending = bulk(es, '/_bulk', lines).catch((e: Error) => e)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const t0 = Date.now()
  await es.close()
  t.ok(Date.now() - t0 < 2000, 'close() cuts a pending delay short')
  t.ok((await pending) instanceof Error)
})

t.test('load: 100 gzip requests × 1000 docs, 8 in flight, with item and request faults', async (t) => {
  const es = await fake(t, { dataStreams: ['logs-*-*'], recordBodies: false })
  es.onItem(({ n, i }) => n % 10 === 3 && i % 100 === 7 ? { status: 429 } : undefined)
  es.onRequest((n) => n % 25 === 11 ? { status: 503 } : undefined)
  const t0 = Date.now()
  const bodies: Buffer[] = []
  for (let b = 0; b < 100; b++) {
    let s = ''
    for (let k = 0; k < 1000; k++) s += `{"create":{"_id":"d${b}-${k}"}}\n{"@timestamp":"2024-01-01T00:00:00.000Z","event":{"action":"executed"},"n":${k},"msg":"x {\\"y\\"} z"}\n`
    bodies.push(gzipSync(s, { level: 1 }))
  }
  let next = 0
  let retried = 0
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++]
      for (;;) {
        const r = await call(es.url, 'POST', '/logs-load-default/_bulk?filter_path=errors,items.*.error,items.*.status', body, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' })
        retried++
        if (r.status !== 200) continue
        const st: number[] = r.json.items.map((i: any) => i.create.status)
        if (st.some((s) => s !== 201 && s !== 409 && s !== 429)) throw new Error(`unexpected item status ${st.join()}`)
        if (st.every((s) => s === 201 || s === 409)) { retried--; break }
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  const ms = Date.now() - t0
  t.equal(es.docCount(), 100000)
  t.ok(retried > 0)
  t.ok(ms < 10000, `took ${ms} ms`)
  t.equal(es.requests.length, 100 + retried)
})

t.test('echoHeaders: item errors and error answers quote the request headers, Authorization first', async (t) => {
  const auth = `Basic ${Buffer.from('elastic:pw-echoed').toString('base64')}`
  const es = await fake(t, { echoHeaders: true, auth: { basic: { username: 'elastic', password: 'pw-echoed' } } })
  es.onItem(({ i }) => i === 1 ? { status: 400, type: 'mapper_parsing_exception', reason: 'bad field' } : undefined)
  es.onRequest((n) => n === 1 ? { status: 503 } : n === 2 ? { status: 502 } : undefined)
  const items = await bulk(es, '/_bulk', [{ create: { _index: 'a' } }, { x: 1 }, { create: { _index: 'a' } }, { x: 2 }], { headers: { authorization: auth } })
  t.equal(items.status, 200)
  t.match(items.json.items[1].create.error.reason, `request headers: authorization: ${auth}; `)
  t.match(items.json.items[1].create.error.reason, /bad field$/)
  t.notOk('error' in items.json.items[0].create, 'a success quotes nothing')
  const json = await bulk(es, '/_bulk', [{ create: { _index: 'a' } }, { x: 1 }], { headers: { authorization: auth } })
  t.equal(json.status, 503)
  t.match(json.json.error.reason, new RegExp(`^request headers: authorization: ${auth.replace(/[+/]/g, '\\$&')}; .*no master`))
  const html = await bulk(es, '/_bulk', [{ create: { _index: 'a' } }, { x: 1 }], { headers: { authorization: auth } })
  t.match(html.text, /^request headers: authorization: Basic [^\n]*\n<html>/)
  const denied = await bulk(es, '/_bulk', [{ create: { _index: 'a' } }, { x: 1 }], { headers: { authorization: 'Basic d3Jvbmc6d3Jvbmc=' } })
  t.equal(denied.status, 401)
  t.match(denied.json.error.root_cause[0].reason, /^request headers: authorization: Basic d3Jvbmc6d3Jvbmc=; /)
  const plain = await fake(t)
  t.notMatch((await bulk(plain, '/x/y', [])).text, /request headers/, 'off by default')
})
