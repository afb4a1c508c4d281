import t, { type Test } from 'tap'
import { createServer, type IncomingMessage } from 'node:http'
import { once } from 'node:events'
import { join } from 'node:path'
import { checkConfig } from '../../src/config/validate.js'
import type { Config } from '../../src/config/types.js'
import { buildSinks, type BuiltSink } from '../../src/ship/build.js'
import { factories } from '../../src/ship/sinks/registry.js'
import { outEvents } from '../helpers/out-events.js'

async function config (sinks: unknown[]): Promise<Config> {
  const r = checkConfig({ sinks })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.config
}

async function built (t: Test, c: Config, warn: (fields: Record<string, unknown>, msg: string) => void = () => {}): Promise<BuiltSink[]> {
  const b = await buildSinks(c, { warn, host: 'node-1' })
  if (!b.ok) throw new Error(JSON.stringify(b.errors))
  t.teardown(async () => { for (const s of b.sinks) await s.sink.close() })
  return b.sinks
}

/** A server that answers what each protocol wants to hear, and keeps the requests' headers. */
async function capture (t: Test): Promise<{ url: string, seen: IncomingMessage['headers'][] }> {
  const seen: IncomingMessage['headers'][] = []
  const s = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      seen.push(req.headers)
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.url?.includes('_bulk') === true ? '{"errors":false}' : '{"text":"Success","code":0}')
    })
  })
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  t.teardown(() => { s.closeAllConnections(); s.close() })
  return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}`, seen }
}

t.test('every sink type of the config has a factory', async (t) => {
  t.same(Object.keys(factories).sort(), ['blackhole', 'elasticsearch', 'file', 'http', 'splunk_hec', 'stdout'])
  const dir = t.testdir({})
  const c = await config([{ type: 'file', path: join(dir, 'out.ndjson'), batch: { max_events: 7, max_bytes: 7000, flush_interval_ms: 70 } }, { type: 'stdout' }, { type: 'blackhole', delay_ms: 5 }])
  const sinks = await built(t, c)
  t.same(sinks.map((s) => s.sink.name), ['file-0', 'stdout-1', 'blackhole-2'])
  t.same(sinks[0].queue, { maxEvents: 7, maxBytes: 7000, flushIntervalMs: 70 }, 'a local sink: the batch bounds only')
})

t.test('each network sink carries its secret in its own Authorization header', async (t) => {
  const srv = await capture(t)
  const dir = t.testdir({ 'hec.token': 'hec-token\n', 'es.key': 'id:key\n' })
  process.env.AUDITSHIP_TEST_PW = 'pw'
  t.teardown(() => { delete process.env.AUDITSHIP_TEST_PW })
  const sinks = await built(t, await config([
    { type: 'elasticsearch', endpoints: [srv.url], auth: { type: 'api_key', api_key_file: join(dir, 'es.key') } },
    { type: 'splunk_hec', endpoints: [srv.url], token_file: join(dir, 'hec.token') },
    { type: 'http', endpoints: [`${srv.url}/in`], auth: { type: 'basic', username: 'u', password_env: 'AUDITSHIP_TEST_PW' }, headers: { 'X-Team': 'sec' } },
    { type: 'elasticsearch', name: 'es-open', endpoints: [srv.url] },
  ]))
  for (const s of sinks) {
    const r = await s.sink.write(outEvents(1)) ?? {}
    t.same([r.retry?.length ?? 0, r.rejected?.length ?? 0], [0, 0], `${s.sink.name}: delivered`)
  }
  const [es, hec, http, open] = srv.seen
  t.equal(es.authorization, `ApiKey ${Buffer.from('id:key').toString('base64')}`, 'id:key is encoded')
  t.equal(es.accept, 'application/json')
  t.equal(hec.authorization, 'Splunk hec-token')
  t.equal(http.authorization, `Basic ${Buffer.from('u:pw').toString('base64')}`)
  t.equal(http['x-team'], 'sec')
  t.equal(open.authorization, undefined, 'auth none: no header')
  for (const h of srv.seen) t.match(h['user-agent'], /^auditship\/\d+\.\d+\.\d+/)
  t.same(sinks[0].queue, { maxEvents: 1000, maxBytes: 2097152, flushIntervalMs: 1000, maxInFlight: 2, backoffInitialMs: 1000, backoffMaxMs: 60000, maxAgeMs: 86_400_000 }, 'a network sink: in flight, backoff, max age')
})

t.test('missing secrets and unreadable TLS files: every issue with its key, nothing left open', async (t) => {
  const warned: Array<[unknown, string]> = []
  const c = await config([
    { type: 'splunk_hec', endpoints: ['https://hec:8088'], token_env: 'AUDITSHIP_NOT_SET' },
    { type: 'elasticsearch', endpoints: ['https://es:9200'], auth: { type: 'bearer', token_env: 'AUDITSHIP_NOT_SET_EITHER' }, tls: { ca_file: '/no/such/ca.pem', insecure_skip_verify: true } },
  ])
  const b = await buildSinks(c, { warn: (f, m) => warned.push([f, m]), host: 'node-1' })
  t.same(b, {
    ok: false,
    errors: [
      { path: 'sinks[0].token_env', message: 'the environment variable AUDITSHIP_NOT_SET is not set or empty' },
      { path: 'sinks[1].auth.token_env', message: 'the environment variable AUDITSHIP_NOT_SET_EITHER is not set or empty' },
      { path: 'sinks[1].tls.ca_file', message: 'cannot read /no/such/ca.pem: ENOENT' },
    ],
  })
  t.same(warned, [[{ sink: 'elasticsearch-1' }, 'tls.insecure_skip_verify is on: the server certificate is not verified']])
})
