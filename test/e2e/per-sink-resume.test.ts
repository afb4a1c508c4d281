/**
 * Per-sink low-water marks (docs/design.md §2.8): after a SIGKILL each sink resumes from its
 * own position. Elasticsearch is down while the file sink delivers everything; after the kill
 * and a restart, the file sink receives again at most what it got in the last checkpoint
 * interval (here: nothing, it was idle for several intervals), while Elasticsearch receives
 * everything, one document per event.
 */
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { delivered, exited, startDaemon, until, writeEventLog } from '../helpers/daemon.js'
import { startFakeEs } from '../helpers/fake-es.js'

t.test('SIGKILL while Elasticsearch is down: the file sink is not sent again what it had; ES gets each event once', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  const events = writeEventLog(log, 10_000)
  const es = await startFakeEs({ recordBodies: false })
  t.teardown(async () => await es.close())
  let down = true
  es.onRequest(() => down ? { status: 503 } : undefined)
  const out = join(dir, 'out.ndjson')
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning }
state_dir: ${dir}/state
server: { enabled: false }
checkpoint: { interval_ms: 200 }
delivery: { max_pending_events: 10000 }
sinks:
  - type: elasticsearch
    name: es
    endpoints: [${es.url}]
    retry: { initial_backoff_ms: 50, max_backoff_ms: 200 }
    batch: { max_events: 500, flush_interval_ms: 20 }
  - type: file
    name: file
    path: ${out}
log: { level: error }
`)
  const first = startDaemon(cfg)
  t.teardown(() => { first.kill('SIGKILL') })
  const all = await until(() => delivered(out).size === events, 60_000)
  t.ok(all, `the file sink got every event while Elasticsearch was down (${delivered(out).size} of ${events})`)
  await sleep(1000) // several checkpoint intervals with nothing new for the file sink
  const cp = JSON.parse(readFileSync(join(dir, 'state', 'checkpoint.json'), 'utf8'))
  first.kill('SIGKILL')
  await exited(first)
  t.equal(es.docCount(), 0, 'Elasticsearch had nothing before the kill')
  t.equal(cp.version, 2)
  t.ok(cp.sinks?.file !== undefined && cp.sinks?.es !== undefined, `the checkpoint keeps a position per sink: ${JSON.stringify(cp.sinks)}`)

  down = false
  const second = startDaemon(cfg)
  t.teardown(() => { second.kill('SIGKILL') })
  const done = await until(() => es.docCount() === events || second.exitCode !== null, 60_000) && second.exitCode === null
  await sleep(500)
  second.kill('SIGTERM')
  t.equal((await exited(second)).code, 0, second.stderrText().slice(-2000))
  t.ok(done, `Elasticsearch got every event after the restart (${es.docCount()} of ${events})`)
  const serials = new Set<number>()
  for (const idx of es.indices.values()) for (const src of idx.values()) serials.add((src as { auditd: { sequence: number } }).auditd.sequence)
  t.equal(serials.size, events, 'one document per event')
  const got = delivered(out)
  let again = 0
  for (const c of got.values()) again += c - 1
  t.equal(got.size, events, 'the file sink still has every event')
  t.equal(again, 0, 'the file sink was sent nothing again')
})
