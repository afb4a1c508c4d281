/**
 * End to end (issue #11 item 4), the built CLI as a child process under its default heap: an
 * execve of 40 arguments of 128 KiB (about 10 MB of EXECVE records) through `run` — it keeps
 * going, the event arrives truncated and flagged, the events after it arrive — and through
 * `convert`; and 100,000 records with one serial through `convert` (which aborted it).
 */
import t from 'tap'
import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { eventLines, exited, startDaemon, until } from '../helpers/daemon.js'
import { startFakeEs } from '../helpers/fake-es.js'
import { giantArgs, giantExecveLines } from '../helpers/giant-execve.js'
import { cliPath } from '../helpers/cli.js'

const NODE = 'e2e'

interface Doc { auditd: { sequence: number, complete: boolean, records: Array<{ type: string }>, truncated?: boolean, dropped?: { records: number, bytes: number, args?: number } }, process?: { args?: string[], args_count?: number } }

t.test('a giant execve through run under the default heap: no crash, truncated and flagged, the events after it arrive', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  const args = giantArgs()
  let before = ''
  for (let n = 1; n <= 20; n++) before += eventLines(n)
  let after = ''
  for (let n = 22; n <= 60; n++) after += eventLines(n)
  writeFileSync(log, before + giantExecveLines(21, 1700000000, args, NODE) + after)
  const es = await startFakeEs({ recordBodies: false })
  t.teardown(async () => await es.close())
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning, poll_interval_ms: 50 }
correlate: { idle_timeout_ms: 300 }
state_dir: ${dir}/state
checkpoint: { interval_ms: 100 }
sinks:
  - type: elasticsearch
    endpoints: [${es.url}]
    batch: { max_events: 100, flush_interval_ms: 20 }
log: { level: warn }
server: { enabled: false }
`)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  const done = await until(() => es.docCount() >= 60 || d.exitCode !== null, 30_000, 50)
  t.equal(d.exitCode, null, 'still running')
  // more events after it, while running
  appendFileSync(log, eventLines(61) + eventLines(62))
  const more = await until(() => es.docCount() >= 62 || d.exitCode !== null, 15_000, 50)
  d.kill('SIGTERM')
  const ex = await exited(d)
  t.equal(ex.code, 0, `exits cleanly: ${d.stderrText().slice(-2000)}`)
  t.ok(done && more, `all 62 events stored (${es.docCount()})`)
  const docs = new Map<number, Doc>()
  for (const idx of es.indices.values()) for (const src of idx.values()) docs.set((src as Doc).auditd.sequence, src as Doc)
  const big = docs.get(21)
  t.equal(big?.auditd.truncated, true, 'flagged truncated')
  t.ok((big?.auditd.dropped?.records ?? 0) > 1000, `dropped ${JSON.stringify(big?.auditd.dropped)}`)
  t.ok(Buffer.byteLength(JSON.stringify(big)) <= 1 << 20, 'within correlate.max_event_bytes')
  t.equal(big?.process?.args?.[0], args[0].toString(), 'first argument')
  t.equal(big?.process?.args?.at(-1), args[39].toString(), 'last argument')
  t.equal(big?.process?.args_count, 40)
  t.same([...docs.keys()].sort((a, b) => a - b), Array.from({ length: 62 }, (_, k) => k + 1), 'the events before and after it')
})

t.test('convert on the giant execve under the default heap', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, giantExecveLines(21) + eventLines(22))
  // the bin as installed: its shebang carries the heap flags; without tap's NODE_OPTIONS
  const r = spawnSync('env', ['-u', 'NODE_OPTIONS', cliPath, 'convert', log], { encoding: 'utf8', maxBuffer: 1 << 26 })
  t.equal(r.status, 0, r.stderr.slice(-2000))
  const docs = r.stdout.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Doc)
  t.same(docs.map((d) => d.auditd.sequence), [21, 22])
  t.equal(docs[0].auditd.truncated, true)
  t.match(r.stderr, /events=2 .*truncated=1/)
})

t.test('convert on 100,000 records with one serial under the default heap', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  let text = 'type=SYSCALL msg=audit(1700000000.000:7): arch=c000003e syscall=2 success=yes exit=3 items=100000 pid=1 uid=0 auid=0 ses=1 comm="x" exe="/x"\n'
  for (let i = 0; i < 100_000; i++) text += `type=PATH msg=audit(1700000000.000:7): item=${i} name="/tmp/f${i}" inode=1 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n`
  writeFileSync(log, text + 'type=PROCTITLE msg=audit(1700000000.000:7): proctitle=78\n' + eventLines(8))
  const r = spawnSync('env', ['-u', 'NODE_OPTIONS', cliPath, 'convert', log], { encoding: 'utf8', maxBuffer: 1 << 26 })
  t.equal(r.status, 0, r.stderr.slice(-2000))
  const docs = r.stdout.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Doc)
  t.same(docs.map((d) => d.auditd.sequence), [7, 8])
  t.equal(docs[0].auditd.records.length, 1000, 'correlate.max_event_records')
  t.equal(docs[0].auditd.dropped?.records, 100_002 - 1000)
})
