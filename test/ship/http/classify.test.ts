import t from 'tap'
import { classify, nothingSent, retryAfter, snippet, statusError } from '../../../src/ship/http/classify.js'
import { SinkError } from '../../../src/ship/sink.js'
import { SinkErrors } from '../../../src/errors.js'

const errno = (code: string, message = 'boom'): NodeJS.ErrnoException => Object.assign(new Error(message), { code })

t.test('a transport failure becomes a bounded code: connect (nothing sent), timeout, network, or our own request', async (t) => {
  const cases: Array<[unknown, string, string]> = [
    [errno('ECONNREFUSED'), 'AS_SINK_CONNECT', 'retryable'],
    [Object.assign(new Error('fetch failed'), { cause: errno('ENOTFOUND') }), 'AS_SINK_CONNECT', 'retryable'],
    [errno('ERR_TLS_CERT_ALTNAME_INVALID'), 'AS_SINK_CONNECT', 'retryable'],
    [errno('ERR_SSL_SOMETHING_NEW'), 'AS_SINK_CONNECT', 'retryable'],
    [errno('UND_ERR_CONNECT_TIMEOUT'), 'AS_SINK_CONNECT', 'retryable'],
    [errno('UND_ERR_HEADERS_TIMEOUT'), 'AS_SINK_TIMEOUT', 'retryable'],
    [errno('UND_ERR_BODY_TIMEOUT'), 'AS_SINK_TIMEOUT', 'retryable'],
    [errno('ECONNRESET'), 'AS_SINK_NETWORK', 'retryable'],
    [new Error('no code at all'), 'AS_SINK_NETWORK', 'retryable'],
    [errno('UND_ERR_INVALID_ARG'), 'AS_SINK_CONFIG', 'blocked'],
    [errno('ERR_INVALID_CHAR'), 'AS_SINK_CONFIG', 'blocked'],
  ]
  for (const [err, code, kind] of cases) {
    const e = classify(err, 'POST http://es:9200/_bulk')
    t.same([e.code, e.kind], [code, kind], (err as Error & { code?: string }).code ?? (err as Error).message)
    t.equal(e.cause, err, 'the original error is the cause')
  }
  t.equal(classify(errno('ECONNREFUSED', 'connect failed'), 'GET x').message, `${SinkErrors.CONNECT.message}: GET x: connect failed (ECONNREFUSED)`, 'the code is added to the message')
  t.equal(classify(errno('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'GET x').detail, 'GET x: connect ECONNREFUSED 127.0.0.1:1', 'not twice')
  const already = new SinkError(SinkErrors.PROTOCOL, 'too large')
  t.equal(classify(already, 'GET x'), already, 'a SinkError is kept as is')
})

t.test('only a connect error lets another endpoint take the request at once', async (t) => {
  t.equal(nothingSent(classify(errno('ECONNREFUSED'), 'x')), true)
  t.equal(nothingSent(classify(errno('ECONNRESET'), 'x')), false, 'a reset: the request may have arrived')
  t.equal(nothingSent(classify(errno('UND_ERR_HEADERS_TIMEOUT'), 'x')), false)
  t.equal(nothingSent(new Error('ECONNREFUSED')), false, 'only classified errors')
})

t.test('a status becomes a code whose kind decides: retry, dead letter, or blocked', async (t) => {
  const cases: Array<[number, string, string]> = [
    [401, 'AS_SINK_AUTH', 'blocked'],
    [403, 'AS_SINK_AUTH', 'blocked'],
    [408, 'AS_SINK_TIMEOUT', 'retryable'],
    [429, 'AS_SINK_THROTTLED', 'throttled'],
    [500, 'AS_SINK_SERVER', 'retryable'],
    [503, 'AS_SINK_SERVER', 'retryable'],
    [413, 'AS_SINK_TOO_LARGE', 'permanent'],
    [400, 'AS_SINK_REJECTED', 'permanent'],
    [422, 'AS_SINK_REJECTED', 'permanent'],
    [404, 'AS_SINK_CONFIG', 'blocked'],
    [415, 'AS_SINK_CONFIG', 'blocked'],
    [302, 'AS_SINK_CONFIG', 'blocked'],
  ]
  for (const [status, code, kind] of cases) {
    const e = statusError({ status, body: '', retryAfterMs: undefined }, 'POST x')
    t.same([e.code, e.kind, e.status, e.unhealthy], [code, kind, status, kind === 'blocked'], String(status))
  }
  const e = statusError({ status: 429, body: '{"error":\n "busy"}', retryAfterMs: 2000 }, 'POST http://es:9200/_bulk')
  t.equal(e.retryAfterMs, 2000, 'Retry-After is carried')
  t.equal(e.detail, 'POST http://es:9200/_bulk: HTTP 429 {"error": "busy"}', 'the body, on one line')
})

t.test('a long body is cut in messages', async (t) => {
  t.equal(snippet('x'.repeat(400)), `${'x'.repeat(300)}…`)
  t.equal(snippet('  a \n\t b  '), 'a b')
})

t.test('retryAfter: seconds or an HTTP date', async (t) => {
  t.equal(retryAfter('120'), 120_000)
  t.equal(retryAfter(undefined), undefined)
  t.equal(retryAfter('soon'), undefined)
  const d = retryAfter(new Date(Date.now() + 10_000).toUTCString()) ?? 0
  t.ok(d > 8000 && d <= 10_000, String(d))
})


t.test('what the peer or the transport says is redacted: statusError quotes, and any SinkError message', async (t) => {
  const echo = '{"error":{"reason":"request headers: authorization: Basic ZWxhc3RpYzpjaGFuZ2VtZQ==; accept: */*"}}'
  const e = statusError({ status: 401, body: echo, retryAfterMs: undefined }, 'POST http://es:9200/_bulk')
  t.match(e.message, /HTTP 401 .*authorization: \[redacted\]; accept/)
  t.notMatch(e.message, /ZWxhc3RpYzpjaGFuZ2VtZQ/)
  // a transport error whose text carries a credential (a proxy's message, an undici error)
  const c = classify(errno('ECONNRESET', 'socket hang up after Proxy-Authorization: Bearer abcDEF0123456789'), 'POST http://es:9200/_bulk')
  t.match(c.message, /Proxy-Authorization: \[redacted\] \(ECONNRESET\)$/)
  t.notMatch(c.message, /abcDEF0123456789/)
  t.match(new SinkError(SinkErrors.SERVER, 'upstream https://u:p@ss@proxy:3128/ said no').message, /upstream https:\/\/\*\*\*@proxy:3128\/ said no$/)
})
