/**
 * End-to-end: the daemon serves /healthz, /readyz and /metrics; /readyz goes 503 while the sink
 * fails and back to 200 when it returns; the scrape passes `promtool check metrics` when
 * promtool is installed (Debian package prometheus).
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { appendEvents, exited, freePort, startDaemon, until } from '../helpers/daemon.js'
import { repoRoot } from '../helpers/pipeline.js'

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version.replaceAll('.', '\\.')

async function get (port: number, path: string): Promise<{ status: number, body: string }> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}${path}`)
    return { status: r.status, body: await r.text() }
  } catch {
    return { status: 0, body: '' }
  }
}

t.test('readyz follows the sink; metrics scrape', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  // the sink's directory is blocked by a plain file: every write fails until it is removed
  const blocker = join(dir, 'out')
  writeFileSync(blocker, 'not a directory')
  const port = await freePort()
  const cfg = join(dir, 'cfg.yaml')
  writeFileSync(cfg, `source:\n  path: ${log}\n  read_from: beginning\n  poll_interval_ms: 50\nstate_dir: ${dir}/state\nsinks:\n  - type: file\n    path: ${blocker}/events.ndjson\n    batch: { flush_interval_ms: 20 }\nserver:\n  enabled: true\n  listen: 127.0.0.1:${port}\nlog: { level: warn }\n`)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  t.ok(await until(() => false, 0) || await (async () => { for (let i = 0; i < 100; i++) { if ((await get(port, '/healthz')).status === 200) return true; await sleep(100) } return false })(), 'healthz answers 200')
  appendEvents(log, 1, 50)
  let ready = { status: 0, body: '' }
  // a sink counts as unhealthy after a few failed attempts in a row (not on the first one)
  const sinkDown = (): boolean => ready.status === 503 && (JSON.parse(ready.body) as { checks: Record<string, { ok: boolean }> }).checks['sink:file-0']?.ok === false
  for (let i = 0; i < 100 && !sinkDown(); i++) { await sleep(100); ready = await get(port, '/readyz') }
  t.equal(ready.status, 503, 'not ready while the sink fails')
  t.match(JSON.parse(ready.body), { ready: false, checks: { 'sink:file-0': { ok: false } } })
  rmSync(blocker)
  mkdirSync(blocker)
  for (let i = 0; i < 200 && ready.status !== 200; i++) { await sleep(100); ready = await get(port, '/readyz') }
  t.equal(ready.status, 200, 'ready again once the sink works')
  const m = await get(port, '/metrics')
  t.match(m.body, /^auditship_sink_events_sent_total\{sink="file-0"\} 50$/m)
  t.match(m.body, /^auditship_sink_failures_total\{sink="file-0",code="AS_SINK_WRITE"\} [1-9]/m)
  t.match(m.body, /^auditship_process_resident_memory_bytes \d+/m)
  t.match(m.body, new RegExp(`^auditship_build_info\\{version="${version}",node_version="v\\d+\\.\\d+\\.\\d+"\\} 1$`, 'm'), 'build info: the version of package.json and of Node.js')
  t.match(m.body, /^auditship_behind_bytes 0$/m, 'everything delivered: nothing behind')
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: m.body, encoding: 'utf8' })
  if (promtool.error !== undefined) t.comment('promtool not installed: format check skipped (apt-get install prometheus)')
  else t.equal(promtool.status, 0, `promtool check metrics: ${promtool.stdout}${promtool.stderr}`)
  d.kill('SIGTERM')
  t.equal((await exited(d)).code, 0)
})
