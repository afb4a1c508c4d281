import t from 'tap'
import { addSecret, maskUrlCredentials, redact, scrubSecrets, REDACTED } from '../../src/telemetry/redact.js'

const PASSWORD = 'Hunter2-correct-horse'
const BASIC = `Basic ${Buffer.from(`elastic:${PASSWORD}`).toString('base64')}`
const TOKEN = '0e3c0f38-5b1a-4c55-9a38-2b8f6f3c9d11'
addSecret(PASSWORD)
addSecret(BASIC)
addSecret(TOKEN)

t.test('registered secrets are removed in every form they take in text', async (t) => {
  const b64 = BASIC.slice('Basic '.length)
  const text = [
    `echo: authorization=${BASIC}`,
    `the credential alone ${b64}`,
    `{"h":${JSON.stringify(`Basic\t${b64}`)}}`,
    `Splunk ${TOKEN}`,
    `password in a query: ?p=${encodeURIComponent(PASSWORD)}`,
    `raw ${PASSWORD}!`,
  ].join('\n')
  const out = redact(text)
  for (const s of [PASSWORD, b64, TOKEN, encodeURIComponent(PASSWORD)]) t.notOk(out.includes(s), `no ${s}`)
  t.match(out, /raw \[redacted\]!/)
  t.notMatch(out, /\n/, 'one line')
  t.equal(scrubSecrets(`x ${TOKEN} y\n`), `x ${REDACTED} y\n`, 'scrubSecrets changes only the secrets')
})

t.test('credentials by their shape, registered or not', async (t) => {
  const cases: Array<[string, RegExp, string]> = [
    ['authorization: Basic dXNlcjpvdGhlcg==', /authorization: \[redacted\]/, 'dXNlcjpvdGhlcg'],
    ['{"Authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"}', /"Authorization":"\[redacted\]"/, 'eyJhbGci'],
    ['{\\"authorization\\":\\"ApiKey Zm9vOmJhcg==\\"} more', /\[redacted\]\\"} more/, 'Zm9vOmJhcg'],
    ['"authorization":["Splunk 11111111-2222-3333-4444-555555555555"]', /\[redacted\]/, '11111111-2222'],
    ['headers: x-api-key=AbCdEfGh12345; user-agent: x', /x-api-key=\[redacted\]; user-agent: x/, 'AbCdEfGh12345'],
    ['access_token=s3cr3tv4lu3&x=1', /access_token=\[redacted\]/, 's3cr3tv4lu3'],
    ['cookie: session=abcdef0123', /cookie: \[redacted\]/, 'abcdef0123'],
    ['upstream said Bearer abcDEF123456789', /Bearer \[redacted\]/, 'abcDEF1234'],
    ['proxy: Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnag', /Negotiate \[redacted\]/, 'YIIGhgYGKw'],
  ]
  for (const [input, want, secret] of cases) {
    const out = redact(input)
    t.match(out, want, input)
    t.notOk(out.includes(secret), `${input}: ${secret} removed`)
  }
})

t.test('prose and protocol words are left alone', async (t) => {
  for (const s of [
    'missing authentication credentials for REST request [/_bulk]',
    '"WWW-Authenticate":["Basic realm=\\"security\\" charset=\\"UTF-8\\"","Bearer realm=\\"security\\"","ApiKey"]',
    'Basic authentication failed',
    '{"text":"Invalid token","code":4}',
    'HEC code 6 "Invalid data format" for this event',
  ]) t.equal(redact(s), s)
})

t.test('URL credentials are masked up to the last @ of the authority', async (t) => {
  const cases: Array<[string, string]> = [
    ['https://u:p@ss@host/x', 'https://***@host/x'],
    ['https://u:p@ss@host', 'https://***@host'],
    ['http://user:pa@ss:w@rd@es.example:9200/_bulk?x=a@b', 'http://***@es.example:9200/_bulk?x=a@b'],
    ['see https://host/path and mail a@b', 'see https://host/path and mail a@b'],
    ['"https://a:b@h1", "https://c:d@e@h2"', '"https://***@h1", "https://***@h2"'],
  ]
  for (const [input, want] of cases) {
    t.equal(maskUrlCredentials(input), want, input)
    t.notOk(redact(input).includes('ss@host'), `${input}: no part of the password`)
  }
})

t.test('the length is capped, and a credential cut by the read window does not leak', async (t) => {
  t.equal(redact('a'.repeat(50), 10), `${'a'.repeat(10)}…`)
  t.equal(redact('short', 10), 'short')
  t.equal(redact('  many\n\n  lines  '), 'many lines')
  // bodies that repeat a secret so often that its redaction shrinks the read window under
  // `max`: the output reaches the point where the window cut an echo in two
  const max = 10_000
  const window = max + 16 * 1024
  /** `rep` over and over, then spaces, so that the window ends 11 characters into one more `rep` */
  const cutIn = (rep: string): string => {
    const n = Math.floor((window - 11) / rep.length)
    return `${rep.repeat(n)}${' '.repeat(window - 11 - n * rep.length)}${rep}${'x'.repeat(50_000)}`
  }
  for (const [secret, rep] of [[TOKEN, `${TOKEN}; `], ['open sesame, 4711 and more of it', 'open sesame, 4711 and more of it; ']]) {
    addSecret(secret)
    const body = cutIn(rep)
    t.equal(body.slice(window - 11, window), rep.slice(0, 11), 'the window ends inside an echo')
    const out = redact(body, max)
    t.ok(out.length < max, 'the output reaches the cut')
    t.match(out, /\[redacted\];…$/, `what the cut left of ${secret} is dropped: ${out.slice(-20)}`)
  }
  const other = redact(cutIn(`authorization: Bearer ${'Zz9'.repeat(20)}; `), max)
  t.ok(other.length < max, 'the output reaches the cut')
  t.match(other, /authorization: \[redacted\];…$/, 'no start of an unregistered credential at the cut')
  // a surrogate pair is not split by the cap
  t.equal(redact(`ab😀`, 3), 'ab…')
})

t.test('short secrets are not matched as such', async (t) => {
  addSecret('abc')
  addSecret(undefined)
  t.equal(redact('abcdef abc'), 'abcdef abc')
})
