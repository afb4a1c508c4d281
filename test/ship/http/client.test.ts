import t, { type Test } from 'tap'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer, Server as TlsServer } from 'node:https'
import { gunzipSync } from 'node:zlib'
import { once } from 'node:events'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { HttpClient, type HttpClientOptions } from '../../../src/ship/http/client.js'
import { SinkError } from '../../../src/ship/sink.js'

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void

async function serve (t: Test, handler: Handler, make: (h: (req: IncomingMessage, res: ServerResponse) => void) => Server = (h) => createServer(h)): Promise<string> {
  const server = make((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => handler(req, Buffer.concat(chunks), res))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  const a = server.address() as { port: number }
  return `${server instanceof TlsServer ? 'https' : 'http'}://127.0.0.1:${a.port}`
}

/** A port nothing listens on. */
async function deadPort (): Promise<string> {
  const s = createServer()
  s.listen(0, '127.0.0.1')
  await once(s, 'listening')
  const port = (s.address() as { port: number }).port
  s.close()
  await once(s, 'close')
  return `http://127.0.0.1:${port}`
}

function client (t: Test, endpoints: string[], o: Partial<HttpClientOptions> = {}): HttpClient {
  const c = new HttpClient({ endpoints, tls: { insecure: false }, connectTimeoutMs: 2000, requestTimeoutMs: 2000, gzip: true, headers: { authorization: 'Bearer s3cret' }, connections: 1, ...o })
  t.teardown(async () => await c.destroy())
  return c
}

t.test('gzip body, headers, base path prefix, and the answer', async (t) => {
  let seen: { url?: string, enc?: string, type?: string, auth?: string, body?: string } = {}
  const url = await serve(t, (req, body, res) => {
    seen = { url: req.url, enc: req.headers['content-encoding'], type: req.headers['content-type'], auth: req.headers.authorization, body: gunzipSync(body).toString() }
    res.writeHead(201, { 'retry-after': '3' }).end('{"ok":true}')
  })
  const c = client(t, [`${url}/prefix/`])
  const { body, gzip } = await c.encode(Buffer.from('hello\n'))
  const r = await c.send({ method: 'POST', path: '/_bulk?x=1', body, gzip, contentType: 'application/x-ndjson' })
  t.same(seen, { url: '/prefix/_bulk?x=1', enc: 'gzip', type: 'application/x-ndjson', auth: 'Bearer s3cret', body: 'hello\n' })
  t.equal(r.status, 201)
  t.equal(r.body, '{"ok":true}')
  t.equal(r.retryAfterMs, 3000)
  t.equal(c.label(0), `${url}/prefix/`)
})

t.test('every body is consumed: many requests over one connection', async (t) => {
  const url = await serve(t, (_req, _body, res) => res.writeHead(500).end('x'.repeat(100_000)))
  const c = client(t, [url], { connections: 1 })
  for (let i = 0; i < 30; i++) t.equal((await c.send({ method: 'GET', path: '/' })).status, 500)
})

t.test('round-robin over endpoints; a refused connection fails over at once', async (t) => {
  const hits: string[] = []
  const a = await serve(t, (_q, _b, res) => { hits.push('a'); res.end('{}') })
  const b = await serve(t, (_q, _b, res) => { hits.push('b'); res.end('{}') })
  const c = client(t, [a, b])
  for (let i = 0; i < 4; i++) await c.send({ method: 'GET', path: '/' })
  t.same(hits, ['a', 'b', 'a', 'b'])
  const dead = await deadPort()
  const c2 = client(t, [dead, a])
  hits.length = 0
  for (let i = 0; i < 3; i++) t.equal((await c2.send({ method: 'GET', path: '/' })).endpoint, 1)
  t.same(hits, ['a', 'a', 'a'], 'the dead endpoint is skipped after its failure')
})

t.test('transport failures become bounded codes, without secrets', async (t) => {
  const dead = await deadPort()
  const err = await client(t, [dead]).send({ method: 'GET', path: '/' }).catch((e: unknown) => e)
  t.ok(err instanceof SinkError)
  t.equal((err as SinkError).code, 'AS_SINK_CONNECT')
  t.notMatch((err as Error).message, /s3cret/)
  // real time: the request timeout is undici's own, over a real socket
  const slow = await serve(t, (_q, _b, res) => { setTimeout(() => res.end('late'), 1500) })
  const e2 = await client(t, [slow], { requestTimeoutMs: 200 }).send({ method: 'GET', path: '/' }).catch((e: unknown) => e)
  t.equal((e2 as SinkError).code, 'AS_SINK_TIMEOUT')
  const reset = await serve(t, (req) => { req.socket.destroy() })
  const e3 = await client(t, [reset]).send({ method: 'POST', path: '/', body: Buffer.from('x') }).catch((e: unknown) => e)
  t.equal((e3 as SinkError).code, 'AS_SINK_NETWORK', 'a reset after sending: outcome unknown')
})

t.test('TLS: verified by default, a CA file, or insecure_skip_verify', { skip: hasOpenssl() ? false : 'openssl is not installed' }, async (t) => {
  const dir = t.testdir({})
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
  const cert = readFileSync(join(dir, 'cert.pem'))
  const key = readFileSync(join(dir, 'key.pem'))
  const url = await serve(t, (_q, _b, res) => res.end('{"tls":true}'), (h) => createTlsServer({ cert, key }, h))
  t.match(url, /^https:/)
  const e = await client(t, [url]).send({ method: 'GET', path: '/' }).catch((x: unknown) => x)
  t.equal((e as SinkError).code, 'AS_SINK_CONNECT', 'a self-signed certificate is refused by default')
  t.equal((await client(t, [url], { tls: { ca: cert, insecure: false } }).send({ method: 'GET', path: '/' })).body, '{"tls":true}', 'trusted with ca_file')
  t.equal((await client(t, [url], { tls: { insecure: true } }).send({ method: 'GET', path: '/' })).status, 200, 'insecure_skip_verify')
})

function hasOpenssl (): boolean {
  try { execFileSync('openssl', ['version'], { stdio: 'ignore' }); return true } catch { return false }
}
