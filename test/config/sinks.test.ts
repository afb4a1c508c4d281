import t from 'tap'
import { writeFileSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { checkConfig } from '../../src/config/validate.js'
import type { ConfigIssue } from '../../src/config/types.js'
import { buildSinks } from '../../src/ship/build.js'

async function issuesOf (sink: Record<string, unknown>): Promise<ConfigIssue[]> {
  const r = checkConfig({ source: { path: '/var/log/audit/audit.log' }, sinks: [sink] })
  return r.ok ? [] : r.errors
}

t.test('network sinks get their defaults', async (t) => {
  const r = checkConfig({ sinks: [{ type: 'elasticsearch', endpoints: ['http://es:9200'] }, { type: 'splunk_hec', endpoints: ['https://hec:8088'], token_env: 'HEC_TOKEN' }, { type: 'http', endpoints: ['http://c/in'] }] })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  const [es, hec, http] = r.config.sinks
  t.same(es, {
    type: 'elasticsearch', name: 'elasticsearch-0', endpoints: ['http://es:9200'], index: 'auditship-%Y.%m.%d', data_stream: null, pipeline: null,
    auth: { type: 'none', username: null, password_file: null, password_env: null, api_key_file: null, api_key_env: null, token_file: null, token_env: null },
    compression: 'gzip', max_in_flight: 2,
    tls: { ca_file: null, cert_file: null, key_file: null, server_name: null, insecure_skip_verify: false },
    timeouts: { connect_ms: 10000, request_ms: 60000 },
    retry: { initial_backoff_ms: 1000, max_backoff_ms: 60000, max_age_secs: 86400 },
    batch: { max_events: 1000, max_bytes: 2097152, flush_interval_ms: 1000 },
  })
  if (hec.type !== 'splunk_hec' || http.type !== 'http') throw new Error('order')
  t.equal(hec.sourcetype, 'auditship:json')
  t.equal(hec.ack, false)
  t.equal(hec.max_in_flight, 4)
  t.same(hec.retry, { initial_backoff_ms: 1000, max_backoff_ms: 30000, max_age_secs: 86400 })
  t.same(hec.batch, { max_events: 1000, max_bytes: 786432, flush_interval_ms: 1000 })
  t.equal(http.method, 'POST')
})

t.test('bad network sink settings name the key', async (t) => {
  const es = { type: 'elasticsearch', endpoints: ['http://es:9200'] }
  t.same(await issuesOf({ ...es, endpoints: [] }), [{ path: 'sinks[0].endpoints', message: 'must list at least one entry' }])
  t.same(await issuesOf({ ...es, endpoints: ['http://user:pw@es:9200'] }), [{ path: 'sinks[0].endpoints[0]', message: 'must be http(s)://host[:port][/path prefix], without credentials (they go in auth) (got "http://***@es:9200")' }], 'credentials in the URL are refused, and not echoed')
  for (const url of ['https://u:p@ss@es.example:9200', 'https://u:p@ss@es.example', 'http://admin:a@b@c@es:9200/prefix']) {
    const [i] = await issuesOf({ ...es, endpoints: [url] })
    t.match(i, { path: 'sinks[0].endpoints[0]', message: /\(got "https?:\/\/\*\*\*@es[^@]*"\)$/ }, `${url}: masked up to the last @`)
    t.notMatch(i.message, /p@ss|ss@|a@b|b@c|admin/, `${url}: no part of the user or password`)
  }
  t.match(await issuesOf({ ...es, endpoints: ['es:9200'] }), [{ path: 'sinks[0].endpoints[0]' }])
  t.same(await issuesOf({ ...es, auth: { type: 'api_key' } }), [{ path: 'sinks[0].auth.api_key_file', message: 'is required with auth.type api_key (or api_key_env)' }])
  t.same(await issuesOf({ ...es, auth: { type: 'basic', password_env: 'P' } }), [{ path: 'sinks[0].auth.username', message: 'is required with auth.type basic' }])
  t.same(await issuesOf({ ...es, auth: { type: 'bearer', token_file: '/a', token_env: 'B' } }), [{ path: 'sinks[0].auth.token_env', message: 'give token_file or token_env, not both' }])
  t.same(await issuesOf({ ...es, auth: { type: 'none', api_key_file: '/k' } }), [{ path: 'sinks[0].auth.api_key_file', message: 'is only used with auth.type api_key (auth.type is none)' }])
  t.same(await issuesOf({ ...es, auth: { type: 'api_key', api_key_file: 'es.key' } }), [{ path: 'sinks[0].auth.api_key_file', message: 'must be an absolute path (got "es.key")' }])
  t.same(await issuesOf({ ...es, tls: { cert_file: '/c.pem' } }), [{ path: 'sinks[0].tls.key_file', message: 'is required with tls.cert_file (a client certificate needs its key)' }])
  t.same(await issuesOf({ ...es, auth: { type: 'api_key', api_key_env: 'K' }, tls: { insecure: true } }), [{ path: 'sinks[0].tls.insecure', message: 'unknown key "insecure" (known keys: ca_file, cert_file, key_file, server_name, insecure_skip_verify)' }])
  t.same(await issuesOf({ type: 'splunk_hec', endpoints: ['https://hec:8088'] }), [{ path: 'sinks[0].token_file', message: 'is required (or token_env)' }])
  t.match(await issuesOf({ type: 'splunk_hec', endpoints: ['https://hec:8088'], token_env: 'T', fields: { a: { b: 'c' } } }), [{ path: 'sinks[0].fields.a' }])
  t.match(await issuesOf({ type: 'http', endpoints: ['http://c/in'], auth: { type: 'api_key' } }), [{ path: 'sinks[0].auth.type' }], 'api_key is for elasticsearch only')
})

t.test('secrets come from files or the environment; missing ones refuse the start with the key', async (t) => {
  // the values themselves are checked in test/ship/sinks/secret.test.ts; here: the whole path
  const dir = t.testdir({ 'es.key': ' id:key \n', empty: '\n' })
  const conf = async (auth: Record<string, unknown>): Promise<{ ok: boolean, errors?: unknown }> => {
    const r = checkConfig({ sinks: [{ type: 'elasticsearch', endpoints: ['http://es:9200'], auth }] })
    if (!r.ok) throw new Error(JSON.stringify(r.errors))
    const b = await buildSinks(r.config, { warn: () => {}, host: 'node-1' })
    if (b.ok) { for (const s of b.sinks) await s.sink.close(); return { ok: true } }
    return { ok: false, errors: b.errors }
  }
  t.same(await conf({ type: 'api_key', api_key_file: join(dir, 'es.key') }), { ok: true })
  process.env.AUDITSHIP_TEST_PW = 'pw'
  t.teardown(() => { delete process.env.AUDITSHIP_TEST_PW })
  t.same(await conf({ type: 'basic', username: 'u', password_env: 'AUDITSHIP_TEST_PW' }), { ok: true })
  t.same(await conf({ type: 'api_key', api_key_file: join(dir, 'nope') }), { ok: false, errors: [{ path: 'sinks[0].auth.api_key_file', message: `cannot read ${join(dir, 'nope')}: no such file (ENOENT)` }] })
  t.same(await conf({ type: 'api_key', api_key_file: join(dir, 'empty') }), { ok: false, errors: [{ path: 'sinks[0].auth.api_key_file', message: `${join(dir, 'empty')} is empty` }] })
  t.same(await conf({ type: 'bearer', token_env: 'AUDITSHIP_NOT_SET' }), { ok: false, errors: [{ path: 'sinks[0].auth.token_env', message: 'the environment variable AUDITSHIP_NOT_SET is not set or empty' }] })
  if (process.getuid?.() !== 0) {
    const locked = join(dir, 'locked')
    writeFileSync(locked, 'x')
    chmodSync(locked, 0)
    t.match(await conf({ type: 'api_key', api_key_file: locked }), { ok: false, errors: [{ message: /permission denied/ }] })
  }
})

t.test('unreadable TLS files refuse the start with the key; insecure_skip_verify warns', async (t) => {
  const r = checkConfig({ sinks: [{ type: 'http', endpoints: ['https://c/in'], tls: { ca_file: '/no/such/ca.pem', insecure_skip_verify: true } }] })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  const warned: string[] = []
  const b = await buildSinks(r.config, { warn: (_f, m) => warned.push(m), host: 'node-1' })
  t.same(b, { ok: false, errors: [{ path: 'sinks[0].tls.ca_file', message: 'cannot read /no/such/ca.pem: ENOENT' }] })
  t.match(warned, [/insecure_skip_verify/])
})

t.test('http headers, secrets on one line, backoff order', async (t) => {
  const http = { type: 'http', endpoints: ['http://c/in'] }
  t.same(await issuesOf({ ...http, headers: { 'x team': 'a' } }), [{ path: 'sinks[0].headers["x team"]', message: 'is not a valid header name' }])
  t.same(await issuesOf({ ...http, headers: { 'Transfer-Encoding': 'chunked' } }), [{ path: 'sinks[0].headers["Transfer-Encoding"]', message: 'is set by auditship itself' }])
  t.same(await issuesOf({ ...http, headers: { Authorization: 'Bearer x' } }), [{ path: 'sinks[0].headers["Authorization"]', message: 'is a secret: use auth (read from a file or the environment)' }])
  t.same(await issuesOf({ ...http, headers: { 'x-a': 'a\nb' } }), [{ path: 'sinks[0].headers["x-a"]', message: 'must not contain control characters (line breaks)' }])
  t.same(await issuesOf({ ...http, retry: { initial_backoff_ms: 5000, max_backoff_ms: 1000 } }), [{ path: 'sinks[0].retry.initial_backoff_ms', message: 'must not exceed retry.max_backoff_ms (1000)' }])
  const dir = t.testdir({ two: 'line1\nline2\n' })
  const r = checkConfig({ sinks: [{ type: 'splunk_hec', endpoints: ['https://hec:8088'], token_file: join(dir, 'two') }] })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  t.same(await buildSinks(r.config, { warn: () => {}, host: 'node-1' }), { ok: false, errors: [{ path: 'sinks[0].token_file', message: `${join(dir, 'two')} holds more than one line (or a control character): one secret, one line` }] })
})

t.test('the pending bounds fit the bounded heap', async (t) => {
  const r = checkConfig({ delivery: { max_pending_events: 100000, max_pending_bytes: 1 << 30 }, sinks: [{ type: 'stdout' }] })
  t.same(r.ok ? [] : r.errors, [
    { path: 'delivery.max_pending_events', message: 'must be <= 20000 (got 100000)' },
    { path: 'delivery.max_pending_bytes', message: 'must be <= 67108864 (got 1073741824)' },
  ])
})
