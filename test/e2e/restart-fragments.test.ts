/**
 * End to end (issue #11 item 3), the built CLI as a child process: SIGKILLs amid events whose
 * records interleave, against the fake Elasticsearch. After every restart no fragment of an event
 * delivered before the kill is shipped as an event of its own; at the end Elasticsearch holds
 * exactly one document per event, each whole.
 */
import t from 'tap'
import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { exited, startDaemon, until } from '../helpers/daemon.js'
import { startFakeEs } from '../helpers/fake-es.js'
import { interleaved } from '../helpers/interleaved.js'

interface Doc { auditd: { sequence: number, complete: boolean, records: Array<{ type: string }> } }

t.test('SIGKILL amid interleaved events, restarts: Elasticsearch holds one whole document per event, no fragment', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  const es = await startFakeEs({ recordBodies: false })
  t.teardown(async () => await es.close())
  // some items are refused for a while (retried): their events hold the checkpoint back while
  // the events around them are delivered
  es.onItem(({ n, i }) => (n % 4 === 1 && i % 37 === 5 ? { status: 429 } : undefined))
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning, poll_interval_ms: 50 }
correlate: { idle_timeout_ms: 2000 }
state_dir: ${dir}/state
checkpoint: { interval_ms: 50 }
sinks:
  - type: elasticsearch
    endpoints: [${es.url}]
    retry: { initial_backoff_ms: 20, max_backoff_ms: 100 }
    batch: { max_events: 60, flush_interval_ms: 10 }
log: { level: warn }
`)
  let next = 1
  let writing = true
  const writer = (async () => {
    while (writing) {
      appendFileSync(log, interleaved(next, 20))
      next += 20
      await sleep(40)
    }
  })()
  let rnd = 4242
  const rand = (): number => { rnd = (rnd * 1103515245 + 12345) & 0x7fffffff; return rnd / 0x7fffffff }
  let kills = 0
  const t0 = Date.now()
  for (let i = 0; i < 8; i++) {
    const before = es.docCount()
    const d = startDaemon(cfg)
    t.teardown(() => { d.kill('SIGKILL') })
    // kill once it is delivering, at a random moment: mid-batch, mid-retry, mid-checkpoint
    if (await until(() => es.docCount() > before + 50, 15_000, 10)) kills++
    await sleep(Math.floor(rand() * 300))
    d.kill('SIGKILL')
    await exited(d)
    t.comment(`kill ${i + 1} at ${Date.now() - t0} ms: ${es.docCount()} documents`)
  }
  writing = false
  await writer
  const events = next - 1
  es.onItem(undefined)
  const last = startDaemon(cfg)
  t.teardown(() => { last.kill('SIGKILL') })
  const done = await until(() => es.docCount() >= events || last.exitCode !== null, 60_000, 100)
  await sleep(500) // a fragment would come right after the last whole event: give it the time
  last.kill('SIGTERM')
  t.equal((await exited(last)).code, 0, last.stderrText().slice(-2000))
  t.ok(done, `all ${events} events stored (${es.docCount()})`)
  t.ok(kills >= 6, `killed ${kills} times while delivering`)

  const bySerial = new Map<number, Doc[]>()
  for (const idx of es.indices.values()) {
    for (const src of idx.values()) {
      const d = src as Doc
      bySerial.set(d.auditd.sequence, [...(bySerial.get(d.auditd.sequence) ?? []), d])
    }
  }
  const fragments = [...bySerial.values()].flat().filter((d) => d.auditd.records.map((r) => r.type).join(',') !== 'SYSCALL,PATH,PROCTITLE')
  t.same(fragments.map((d) => `${d.auditd.sequence}:${d.auditd.records.map((r) => r.type).join(',')}`).slice(0, 10), [], 'no fragment of an event')
  t.equal(es.docCount(), events, 'Elasticsearch documents = events')
  t.equal([...bySerial.values()].filter((v) => v.length !== 1).length, 0, 'one document per event')
  const missing: number[] = []
  for (let n = 1; n <= events; n++) if (!bySerial.has(n)) missing.push(n)
  t.same(missing.slice(0, 10), [], 'none missing')
  t.ok([...bySerial.values()].every((v) => v[0].auditd.complete), 'all complete')
})
