/**
 * End-to-end: `auditship run` ships to an Elasticsearch and a Splunk HEC that quote our request
 * headers, the Authorization header first, in every error they report (item errors, per-event
 * refusals, 401/403, 5xx, a proxy's HTML page). Neither the dead-letter file, nor a log line,
 * nor the /readyz answer, nor `auditship doctor` holds the password, the header made from it or
 * the token.
 */
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { appendEvents, exited, freePort, startDaemon, until } from '../helpers/daemon.js'
import { startFakeEs } from '../helpers/fake-es.js'
import { startFakeHec } from '../helpers/fake-hec.js'
import { execFile } from 'node:child_process'
import { cliPath } from '../helpers/cli.js'

const PASSWORD = 'e2e-Pw-9c1f6b2a4d'
const BASIC = Buffer.from(`elastic:${PASSWORD}`).toString('base64')
const TOKEN = '2d4f6a8c-1b3e-4c5d-9e7f-0a1b2c3d4e5f'
const SECRETS = [PASSWORD, BASIC, TOKEN]
const EVENTS = 200
/** events both peers refuse for good */
const refused = (serial: number): boolean => serial % 10 === 3

function leaks (text: string): string[] {
  return SECRETS.filter((s) => text.includes(s))
}

async function readyz (port: number): Promise<{ status: number, body: string }> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`)
    return { status: r.status, body: await r.text() }
  } catch {
    return { status: 0, body: '' }
  }
}

t.test('peers that echo the credentials: nothing of them in the dead letter, the log, /readyz or doctor', async (t) => {
  const dir = t.testdir({ 'es.password': `${PASSWORD}\n`, 'hec.token': `${TOKEN}\n` })
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  const serial = (doc: unknown): number => (doc as { auditd: { sequence: number } }).auditd.sequence

  const es = await startFakeEs({ echoHeaders: true, auth: { basic: { username: 'elastic', password: PASSWORD } }, recordBodies: false })
  t.teardown(async () => await es.close())
  const hec = await startFakeHec({ tokens: [{ token: TOKEN }], echoHeaders: true, recordBodies: false })
  t.teardown(async () => await hec.close())
  // first the peers refuse the credentials (the sinks become unhealthy: /readyz shows why),
  // with a proxy's HTML page and a 5xx in between; then they take the events but refuse some
  let refusing = true
  es.onRequest((n) => refusing ? (n % 3 === 1 ? { status: 502 } : n % 3 === 2 ? { status: 503 } : { status: 401 }) : undefined)
  es.onItem(({ source }) => refused(serial(source)) ? { status: 400, type: 'document_parsing_exception', reason: 'failed to parse field [x]' } : undefined)
  hec.onRequest((n) => refusing ? (n % 2 === 1 ? { status: 502 } : { status: 403 }) : undefined)
  hec.onEvent(({ obj }) => refused(serial((obj as { event: unknown }).event)) ? 6 : undefined)

  const port = await freePort()
  const cfg = join(dir, 'auditship.yaml')
  const retry = '{ initial_backoff_ms: 20, max_backoff_ms: 200 }'
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning, poll_interval_ms: 50 }
correlate: { idle_timeout_ms: 300 }
state_dir: ${dir}/state
checkpoint: { interval_ms: 200 }
sinks:
  - type: elasticsearch
    name: es
    endpoints: [${es.url}]
    auth: { type: basic, username: elastic, password_file: ${dir}/es.password }
    retry: ${retry}
    batch: { max_events: 50, flush_interval_ms: 50 }
  - type: splunk_hec
    name: hec
    endpoints: [${hec.url}]
    token_file: ${dir}/hec.token
    retry: ${retry}
    batch: { max_events: 50, flush_interval_ms: 50 }
log: { level: info, format: json }
server: { enabled: true, listen: '127.0.0.1:${port}' }
`)
  appendEvents(log, 1, EVENTS)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })

  // /readyz while both sinks are refused: the reason is shown, the credentials are not
  let ready = { status: 0, body: '' }
  const bothDown = (): boolean => {
    if (ready.status !== 503) return false
    const c = (JSON.parse(ready.body) as { checks: Record<string, { ok: boolean, detail?: string }> }).checks
    return c['sink:es']?.ok === false && c['sink:hec']?.ok === false && /\[redacted\]|authorization/.test(`${c['sink:es'].detail ?? ''}${c['sink:hec'].detail ?? ''}`)
  }
  for (let i = 0; i < 200 && !bothDown(); i++) { await sleep(100); ready = await readyz(port) }
  t.ok(bothDown(), `both sinks unhealthy: ${ready.body}`)
  t.same(leaks(ready.body), [], `/readyz holds no credentials: ${ready.body}`)
  t.match(ready.body, /request headers: authorization: \[redacted\]/, 'the echo reached /readyz, redacted')

  refusing = false
  const want = Array.from({ length: EVENTS }, (_, k) => k + 1).filter((n) => !refused(n)).length
  const dlPath = join(dir, 'state', 'dead-letter.ndjson')
  const deadLetters = (): string[] => { try { return readFileSync(dlPath, 'utf8').split('\n').filter((l) => l !== '') } catch { return [] } }
  const done = await until(() => es.docCount() === want && new Set(hec.events.map((e) => serial(e.event))).size === want && deadLetters().length === 2 * (EVENTS - want), 60_000, 100)
  t.ok(done, `delivered es ${es.docCount()}, hec ${hec.events.length} of ${want}; dead letters ${deadLetters().length}; ${d.stderrText().slice(-1500)}`)
  d.kill('SIGTERM')
  t.equal((await exited(d)).code, 0)

  const dl = deadLetters()
  t.equal(dl.length, 2 * (EVENTS - want), 'each refused event dead-lettered by each sink')
  t.same(leaks(dl.join('\n')), [], 'no dead-letter entry holds the credentials')
  t.ok(dl.every((l) => (JSON.parse(l) as { reason: string }).reason.includes('request headers: authorization: [redacted]')), 'each reason shows the echo, redacted')
  const stderr = d.stderrText()
  t.same(leaks(stderr), [], 'no log line holds the credentials')
  t.match(stderr, /sink write failed/, 'the failures were logged')
  t.match(stderr, /authorization: \[redacted\]/, 'with the echo, redacted')

  // doctor: the sinks' health calls, against an Elasticsearch that refuses and echoes
  const es2 = await startFakeEs({ echoHeaders: true, auth: { basic: { username: 'elastic', password: 'not this one' } } })
  t.teardown(async () => await es2.close())
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(es.url, es2.url))
  // a child process the test does not wait for synchronously: the fake answers from this one
  const doc = await new Promise<{ stdout: string, stderr: string }>((resolve) => {
    execFile(process.execPath, [cliPath, 'doctor', '--config', cfg, '--no-auditctl', '--proc', join(dir, 'noproc'), '--auditd-conf', join(dir, 'none.conf'), '--teleport-yaml', join(dir, 'none.yaml')], (_err, stdout, stderr) => resolve({ stdout, stderr }))
  })
  t.match(doc.stdout, /fail {2}sink es: .*HTTP 401 .*authorization: \[redacted\]/, 'doctor shows the answer')
  t.same(leaks(doc.stdout + doc.stderr), [], 'doctor output holds no credentials')
})
