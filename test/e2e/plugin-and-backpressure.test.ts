/**
 * End-to-end: auditd plugin mode (the feed on stdin) gives the same events as convert; a slow
 * sink slows reading down instead of growing memory.
 */
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { createReadStream, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { cliPath } from '../helpers/cli.js'
import { repoRoot } from '../helpers/pipeline.js'
import { appendEvents, exited, recordsOf, startDaemon, until } from '../helpers/daemon.js'

t.test('plugin mode fed from a file through stdin produces the same events as convert', async (t) => {
  const dir = t.testdir()
  const input = join(repoRoot, 'examples', 'teleport-sessions.log')
  const cfg = join(dir, 'plugin.yaml')
  writeFileSync(cfg, `source: { stdin: true }\nstate_dir: ${dir}/state\nserver: { enabled: false }\nsinks:\n  - type: file\n    path: ${dir}/out.ndjson\nlog: { level: warn }\n`)
  const child = spawn(process.execPath, [cliPath, 'run', '--config', cfg], { stdio: ['pipe', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  createReadStream(input).pipe(child.stdin)
  const ex = await exited(child)
  t.equal(ex.code, 0, `exit 0 at the end of the feed ${err}`)
  const plugin = readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  // run stamps the node's identity: convert --identity does the same, but for agent.id (no state dir)
  for (const e of plugin) delete e.agent.id
  const conv = spawnSync(process.execPath, [cliPath, 'convert', '--identity', input], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l))
  const key = (e: any): string => `${e['@timestamp']}:${e.auditd.sequence}`
  t.equal(plugin.length, conv.length)
  const byKey = new Map(conv.map((e) => [key(e), e]))
  for (const e of plugin) t.same(e, byKey.get(key(e)), `event ${key(e)} identical`)
})

function rssKb (pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? 0 : Number(m[1])
  } catch { return 0 }
}

t.test('a slow sink keeps RSS flat while 10^6 records are appended', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  const cfg = join(dir, 'slow.yaml')
  writeFileSync(cfg, `source:\n  path: ${log}\n  read_from: beginning\n  poll_interval_ms: 50\nstate_dir: ${dir}/state\nserver: { enabled: false }\ncheckpoint: { interval_ms: 200 }\nsinks:\n  - type: blackhole\n    delay_ms: 100\n    batch: { max_events: 200 }\nlog: { level: warn }\n`)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  await until(() => rssKb(d.pid as number) > 0, 5000)
  await sleep(500)
  const samples: number[] = []
  const sampler = setInterval(() => samples.push(rssKb(d.pid as number)), 100)
  let next = 1
  let records = 0
  while (records < 1_000_000) {
    const from = next
    next = appendEvents(log, next, 5000)
    for (let n = from; n < next; n++) records += recordsOf(n)
    await sleep(1)
  }
  await sleep(3000)
  clearInterval(sampler)
  const cp = JSON.parse(readFileSync(join(dir, 'state', 'checkpoint.json'), 'utf8')) as { position: { offset: number } }
  d.kill('SIGTERM')
  const ex = await exited(d)
  const early = samples.slice(0, 5)
  const base = Math.max(...early)
  const peak = Math.max(...samples)
  t.comment(`records appended ${records}; RSS first ${early.join(',')} kB, peak ${peak} kB over ${samples.length} samples; checkpoint at byte ${cp.position.offset}`)
  t.ok(peak - base < 40 * 1024, `RSS stays flat: peak ${(peak / 1024).toFixed(0)} MB vs ${(base / 1024).toFixed(0)} MB at the start`)
  t.ok(cp.position.offset > 0, 'it made progress')
  t.equal(ex.code, 0, `clean exit on SIGTERM while the sink is slow (${JSON.stringify(ex)} ${d.stderrText().slice(-600)})`)
})

t.test('plugin mode: SIGTERM while the feed is idle delivers what was read and exits 0', async (t) => {
  const dir = t.testdir()
  const cfg = join(dir, 'plugin.yaml')
  writeFileSync(cfg, `source: { stdin: true }\nstate_dir: ${dir}/state\nserver: { enabled: false }\nsinks:\n  - type: file\n    path: ${dir}/out.ndjson\nlog: { level: info }\n`)
  const child = spawn(process.execPath, [cliPath, 'run', '--config', cfg], { stdio: ['pipe', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  // one complete event and one still open (no PROCTITLE yet); the feed stays open and idle
  child.stdin.write('type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=59 success=yes exit=0 pid=1 uid=0 comm="a" exe="/a"\ntype=PROCTITLE msg=audit(1.000:1): proctitle=61\ntype=SYSCALL msg=audit(1.000:2): arch=c000003e syscall=59 success=yes exit=0 pid=2 uid=0 comm="b" exe="/b"\n')
  await until(() => err.includes('auditship starting'), 10000)
  await sleep(500)
  child.kill('SIGTERM')
  const ex = await Promise.race([exited(child), sleep(8000).then(() => ({ code: -1, signal: null }))])
  t.equal(ex.code, 0, 'exits on SIGTERM although the feed is still open')
  const seqs = readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).auditd.sequence)
  t.same(seqs.sort(), [1, 2], 'the open event was emitted (incomplete) and delivered: a feed cannot be replayed')
  child.stdin.destroy()
})

t.test('stdout sink: the reader going away is a sink failure, not a crash', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 2000)
  const cfg = join(dir, 'out.yaml')
  writeFileSync(cfg, `source:\n  path: ${log}\n  read_from: beginning\nstate_dir: ${dir}/state\nserver: { enabled: false }\nshutdown: { timeout_ms: 500 }\nsinks:\n  - type: stdout\nlog: { level: info }\n`)
  const child = spawn(process.execPath, [cliPath, 'run', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
  child.stdout.destroy() // the reader goes away
  await until(() => err.includes('sink write failed'), 10000)
  t.equal(child.exitCode, null, 'still running, retrying')
  child.kill('SIGTERM')
  const ex = await exited(child)
  t.equal(ex.code, 0)
  t.notMatch(err, /Unhandled 'error' event/)
})

t.test('a pause for backpressure does not close events whose records are still unread', async (t) => {
  // reading pauses (a slow sink) longer than the idle timeout, in the middle of events (small
  // reads): the idle flush must not take our own pause for an idle log and split them
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  const n = 240
  appendEvents(log, 1, n)
  const cfg = join(dir, 'cfg.yaml')
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning, read_chunk_bytes: 4096, poll_interval_ms: 50 }
correlate: { idle_timeout_ms: 50 }
state_dir: ${dir}/state
server: { enabled: false }
delivery: { max_pending_events: 4 }
sinks:
  - type: file
    path: ${dir}/out.ndjson
    batch: { max_events: 4, flush_interval_ms: 5 }
  - type: blackhole
    delay_ms: 150
    batch: { max_events: 4, flush_interval_ms: 5 }
log: { level: warn }
`)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  const lines = (): string[] => { try { return readFileSync(join(dir, 'out.ndjson'), 'utf8').split('\n').filter((l) => l !== '') } catch { return [] } }
  const ok = await until(() => lines().length >= n || d.exitCode !== null, 60_000)
  await sleep(300)
  d.kill('SIGTERM')
  await exited(d)
  t.ok(ok, `delivered ${lines().length} of ${n}`)
  const evs = lines().map((l) => JSON.parse(l) as { complete?: boolean, auditd: { sequence: number } })
  t.equal(evs.length, n, 'one event per serial: none split in two')
  t.equal(new Set(evs.map((e) => e.auditd.sequence)).size, n)
  t.equal(evs.filter((e) => e.complete === false).length, 0, 'none closed incomplete')
})
