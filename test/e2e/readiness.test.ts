/**
 * End-to-end: /readyz tells the truth about the conditions that need a real process — the
 * audit log gone, the state dir unwritable and the checkpoint failing to save — answering 503
 * with the cause and 200 again once it is fixed; and a backfill of an old log is ready while
 * it delivers (delivery lag, not log time). The daemon says at start where reading begins.
 */
import t from 'tap'
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { appendEvents, exited, freePort, startDaemon, until } from '../helpers/daemon.js'

interface Ready { status: number, checks: Record<string, { ok: boolean, detail?: string }> }

async function readyz (port: number): Promise<Ready> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`)
    return { status: r.status, checks: ((await r.json()) as { checks: Ready['checks'] }).checks }
  } catch {
    return { status: 0, checks: {} }
  }
}

async function metric (port: number, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
    return m === null ? undefined : Number(m[1])
  } catch {
    return undefined
  }
}

/** Ask /readyz every 100 ms until `cond` holds (at most `ms`); the last answer. */
async function readyUntil (port: number, cond: (r: Ready) => boolean, ms = 30_000): Promise<Ready> {
  let r = await readyz(port)
  for (let waited = 0; waited < ms && !cond(r); waited += 100) {
    await sleep(100)
    r = await readyz(port)
  }
  return r
}

const failing = (r: Ready): string[] => Object.entries(r.checks).filter(([, c]) => !c.ok).map(([k]) => k)

function config (dir: string, log: string, port: number, extra = ''): string {
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning, poll_interval_ms: 50 }
state_dir: ${dir}/state
checkpoint: { interval_ms: 100 }
sinks:
  - type: file
    path: ${dir}/out.ndjson
    batch: { flush_interval_ms: 20 }
server: { listen: '127.0.0.1:${port}' }
log: { level: info }
${extra}`)
  return cfg
}

t.test('the audit log gone: 503 naming it; 200 again once a new one appears', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 20)
  const port = await freePort()
  const d = startDaemon(config(dir, log, port))
  t.teardown(() => { d.kill('SIGKILL') })
  t.equal((await readyUntil(port, (r) => r.status === 200)).status, 200, 'ready, with the server on by default (no server.enabled in the config)')
  // ready means the source has started: the line that says where reading begins is out
  t.match(d.stderrText(), new RegExp(`reading ${log} from offset 0 \\(no checkpoint; read_from: beginning, every file on disk from the oldest\\)`), 'where reading begins')
  // moved away and no new file: the old one is drained through its descriptor, then nothing
  renameSync(log, `${log}.1`)
  const gone = await readyUntil(port, (r) => r.status === 503)
  t.equal(gone.status, 503)
  t.same(failing(gone), ['source'])
  t.match(gone.checks.source.detail, new RegExp(`^the audit log ${log} is gone \\(for \\d+ s\\)`))
  writeFileSync(log, '')
  appendEvents(log, 21, 5)
  t.equal((await readyUntil(port, (r) => r.status === 200)).status, 200, 'ready again')
  d.kill('SIGTERM')
  t.equal((await exited(d)).code, 0)
})

t.test('the state dir unwritable and the checkpoint failing: 503 with both causes; 200 once it is a directory again', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 10)
  const port = await freePort()
  const d = startDaemon(config(dir, log, port))
  t.teardown(() => { d.kill('SIGKILL') })
  t.equal((await readyUntil(port, (r) => r.status === 200)).status, 200)
  const state = join(dir, 'state')
  t.ok(await until(() => existsSync(join(state, 'checkpoint.json')), 30_000), 'a first checkpoint saved')
  // a file where the state dir was (as root, permissions would not stop us: this does); the
  // daemon may be writing in it meanwhile, or create it again for a save: try until it holds
  t.ok(await until(() => {
    rmSync(state, { recursive: true, force: true, maxRetries: 5 })
    try { writeFileSync(state, 'not a directory', { flag: 'wx' }); return true } catch { return false }
  }, 10_000), 'the state dir replaced by a file')
  appendEvents(log, 11, 10) // a new position to save
  const bad = await readyUntil(port, (r) => failing(r).includes('checkpoint'))
  t.equal(bad.status, 503)
  t.same(failing(bad).sort(), ['checkpoint', 'state_dir'])
  t.match(bad.checks.state_dir.detail, /^cannot create the state dir \S+\/state: \S+\/state is not a directory/)
  t.match(bad.checks.checkpoint.detail, /^cannot save the checkpoint for \d+ s \(checkpoint\.interval_ms 100\): /)
  t.match(d.stderrText(), /cannot save the checkpoint; .*will retry/)
  rmSync(state)
  // the daemon may create it again itself (a save makes its directory 0750): either way a directory
  mkdirSync(state, { recursive: true })
  t.equal((await readyUntil(port, (r) => r.status === 200)).status, 200, 'ready again once saves work')
  d.kill('SIGTERM')
  t.equal((await exited(d)).code, 0)
})

t.test('backfilling an old log is ready while it delivers (not "64405617 s old")', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  // events of 2023 (log time), far older than server.max_lag_secs
  appendEvents(log, 1, 30_000)
  const port = await freePort()
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning, poll_interval_ms: 50 }
state_dir: ${dir}/state
sinks:
  - type: blackhole
    delay_ms: 50
    batch: { max_events: 500 }
server: { listen: '127.0.0.1:${port}', max_lag_secs: 30 }
log: { level: warn }
`)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  // not ready only until the source has started ('starting'); from then on, ready throughout
  t.equal((await readyUntil(port, (r) => r.status === 200)).status, 200)
  let whileBehind = 0
  let notReady: Ready | undefined
  for (let i = 0; i < 600; i++) {
    const behind = await metric(port, 'auditship_behind_bytes')
    const r = await readyz(port)
    if (r.status === 503) notReady ??= r
    if (r.status === 200 && behind !== undefined && behind > 0) whileBehind++
    if (behind === 0 && await metric(port, 'auditship_sink_events_sent_total{sink="blackhole-0"}') === 30_000) break
    await sleep(50)
  }
  t.equal(notReady, undefined, `never 503 during the catch-up${notReady === undefined ? '' : `: ${JSON.stringify(notReady.checks)}`}`)
  t.ok(whileBehind > 0, `ready while bytes were still behind (${whileBehind} times)`)
  t.equal(await metric(port, 'auditship_sink_events_sent_total{sink="blackhole-0"}'), 30_000, 'caught up')
  d.kill('SIGTERM')
  t.equal((await exited(d)).code, 0)
})
