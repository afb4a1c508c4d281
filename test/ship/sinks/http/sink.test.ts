import t, { type Test } from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { once } from 'node:events'
import { HttpSink } from '../../../../src/ship/sinks/http/sink.js'
import { outEvents, text } from '../../../helpers/out-events.js'

async function serve (t: Test, handle: (req: IncomingMessage, lines: string[], res: ServerResponse) => void): Promise<string> {
  const s = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString()
      handle(req, text === '' ? [] : text.replace(/\n$/, '').split('\n'), res)
    })
  })
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  t.teardown(() => { s.closeAllConnections(); s.close() })
  return `http://127.0.0.1:${(s.address() as { port: number }).port}`
}

function sink (t: Test, url: string, healthPath: string | null = null): HttpSink {
  const s = new HttpSink({ name: 'http', http: { endpoints: [url], tls: { insecure: false }, connectTimeoutMs: 1000, requestTimeoutMs: 2000, gzip: true, headers: { 'x-team': 'sec' }, connections: 1 }, method: 'POST', healthPath })
  t.teardown(async () => await s.close())
  return s
}

t.test('NDJSON POST to the URL; 2xx delivered; 4xx/5xx by the shared rules', async (t) => {
  const got: string[] = []
  let answer = 204
  const url = await serve(t, (req, lines, res) => {
    t.equal(req.url, '/ingest/audit')
    t.equal(req.headers['content-type'], 'application/x-ndjson')
    t.equal(req.headers['x-team'], 'sec')
    if (answer === 400 && lines.some((l) => (JSON.parse(l) as { n: number }).n === 2)) { res.writeHead(400).end('bad event'); return }
    if (answer === 204) got.push(...lines)
    res.writeHead(answer === 400 ? 200 : answer).end()
  })
  const s = sink(t, `${url}/ingest/audit`)
  const ev = outEvents(4)
  t.same(await s.write(ev), {})
  t.same(got, ev.map((e) => text(e)), 'one event per line, as is')
  answer = 503
  t.equal((await s.write(ev)).error?.code, 'AS_SINK_SERVER')
  answer = 401
  t.equal((await s.write(ev)).error?.code, 'AS_SINK_AUTH')
  answer = 400
  const r = await s.write(ev)
  t.same(r.rejected?.map((x) => [x.event.meta.serial, x.error.code]), [[2, 'AS_SINK_REJECTED']], '400 is split down to the event it is about')
  t.same(r.retry ?? [], [])
})

t.test('health_path', async (t) => {
  const url = await serve(t, (req, _l, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end())
  t.same(await sink(t, `${url}/ingest`, '/healthz').health(), { ok: true, detail: `${url}/healthz: HTTP 200` })
  t.equal((await sink(t, `${url}/ingest`, '/nope').health()).ok, false)
  t.match((await sink(t, url).health()).detail, /no health_path/)
})

t.test('an endpoint without a path posts to /; a 415 (say, a proxy without gzip) keeps the data', async (t) => {
  let status = 200
  const paths: string[] = []
  const url = await serve(t, (req, _l, res) => { paths.push(req.url ?? ''); res.writeHead(status).end() })
  const s = sink(t, url)
  t.same(await s.write(outEvents(2)), {})
  t.same(paths, ['/'])
  status = 415
  const r = await s.write(outEvents(3))
  t.same([r.error?.code, r.error?.unhealthy, r.retry?.length, r.rejected?.length ?? 0], ['AS_SINK_CONFIG', true, 3, 0], 'not split, not dead-lettered')
  t.equal(paths.length, 2, 'one request, no bisection')
})

t.test('a webhook path (often its secret) stays out of messages', async (t) => {
  const url = await serve(t, (_req, _l, res) => res.writeHead(503).end('busy'))
  const r = await sink(t, `${url}/services/T000/B000/s3cretpath`).write(outEvents(1))
  t.equal(r.error?.code, 'AS_SINK_SERVER')
  t.notMatch(r.error?.message, /s3cretpath/)
  t.match(r.error?.message, url)
  const dead = await sink(t, 'http://127.0.0.1:1/hook/s3cretpath').write(outEvents(1))
  t.equal(dead.error?.code, 'AS_SINK_CONNECT')
  t.notMatch(dead.error?.message, /s3cretpath/)
})
