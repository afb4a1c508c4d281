/**
 * End-to-end (#11): logrotate's copytruncate runs twice while the daemon is behind (a slow sink
 * holds reading back), so the live file it has queued is copied away and truncated before it
 * is opened. Every event must arrive, counted by (node, timestamp, serial) in the sink's
 * output, and no file may be counted lost.
 */
import t from 'tap'
import { readFileSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { appendEvents, exited, freePort, rotateCopyTruncate, startDaemon, until } from '../helpers/daemon.js'

/** (node, timestamp, serial) of every event in the NDJSON output, with how many times each arrived. */
function keys (path: string): Map<string, number> {
  const m = new Map<string, number>()
  if (!existsSync(path)) return m
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue
    const e = JSON.parse(line) as { '@timestamp': string, auditd: { node?: string, sequence: number } }
    const k = `${e.auditd.node ?? ''}|${e['@timestamp']}|${e.auditd.sequence}`
    m.set(k, (m.get(k) ?? 0) + 1)
  }
  return m
}

/** The key eventLines(n) (test/helpers/daemon.ts) gives its event. */
function keyOf (n: number): string {
  const ms = Date.UTC(2023, 10, 14, 22, 13, 20) + Math.floor(n / 1000) * 1000 + (n % 1000)
  return `e2e|${new Date(ms).toISOString()}|${n}`
}

function metric (scrape: string, name: string): number | undefined {
  const v = new RegExp(`^${name} (\\S+)$`, 'm').exec(scrape)?.[1]
  return v === undefined ? undefined : Number(v)
}

async function metrics (port: number): Promise<string> {
  try {
    return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  } catch {
    return ''
  }
}

t.test('two copytruncates while the daemon is behind: 0 events lost, files_lost_total 0', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  const out = join(dir, 'out.ndjson')
  const port = await freePort()
  writeFileSync(log, '')
  const FIRST = 3000
  let next = appendEvents(log, 1, FIRST)
  // the blackhole sink takes 200 ms per 100 events (≤ 500 events/s) and reading stops at 200
  // events waiting: the daemon needs seconds for the first file, whatever the machine's load
  const cfg = join(dir, 'cfg.yaml')
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning, poll_interval_ms: 50, read_chunk_bytes: 65536 }
correlate: { idle_timeout_ms: 300 }
state_dir: ${dir}/state
checkpoint: { interval_ms: 200 }
delivery: { max_pending_events: 200 }
sinks:
  - type: file
    path: ${out}
    batch: { max_events: 100, flush_interval_ms: 20 }
  - type: blackhole
    delay_ms: 200
    batch: { max_events: 100, flush_interval_ms: 20 }
server: { enabled: true, listen: 127.0.0.1:${port} }
log: { level: info }
`)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  t.ok(await until(() => keys(out).size >= 100, 20_000), 'the daemon is reading the first file')

  // copytruncate 1: the rest of the first file is in audit.log.1; the live file fills again
  rotateCopyTruncate(log)
  next = appendEvents(log, next, 500)
  t.ok(await until(() => /copied and truncated/.test(d.stderrText()), 20_000), 'the daemon saw the first copytruncate')
  next = appendEvents(log, next, 500)
  const behind = keys(out).size
  t.ok(behind < FIRST, `still behind when the second copytruncate runs (${behind} of the first ${FIRST} events delivered)`)

  // copytruncate 2: the live file queued after the first copy moves to audit.log.1 before it is opened
  rotateCopyTruncate(log)
  next = appendEvents(log, next, 500)
  const total = next - 1
  const all = await until(() => keys(out).size >= total || d.exitCode !== null, 45_000, 200)
  const m = await metrics(port)
  d.kill('SIGTERM')
  const ex = await exited(d)

  const got = keys(out)
  const missing: number[] = []
  for (let n = 1; n <= total; n++) if (!got.has(keyOf(n))) missing.push(n)
  t.ok(all, `all ${total} events delivered in time (got ${got.size})`)
  t.equal(missing.length, 0, `0 events lost (missing: ${missing.length}, first ${missing.slice(0, 5).join(',')})`)
  t.equal(got.size, total, 'no event that was not written')
  t.equal(metric(m, 'auditship_files_lost_total'), 0, 'files_lost_total 0')
  t.ok((metric(m, 'auditship_files_truncated_total') ?? 0) >= 2, 'both copytruncates followed')
  t.equal(ex.code, 0, `clean exit on SIGTERM (${JSON.stringify(ex)})`)
  t.notMatch(d.stderrText(), /"level":"?(error|50)|lines are lost/, 'no loss logged')
})
