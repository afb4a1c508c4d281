/**
 * End-to-end delivery to Elasticsearch and Splunk HEC: `auditship run` on a log of ~10^5
 * records, both sinks at once (fan-out), against the fake servers scripted with a mix of
 * faults (whole-request 429/503/413/reset/slow answers, per-item 429 and 400, HEC busy,
 * invalid events, resets, acks that come late or never). After quiescence Elasticsearch holds
 * every event exactly once (by _id), HEC got every event at least once, each refused event is
 * in the dead-letter file with its reason, and nothing else is missing.
 */
import t from 'tap'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { exited, freePort, startDaemon, until, writeEventLog } from '../helpers/daemon.js'
import { startFakeEs } from '../helpers/fake-es.js'
import { startFakeHec } from '../helpers/fake-hec.js'

const TOKEN = '0e3c0f38-5b1a-4c55-9a38-2b8f6f3c9d11'
/** events the servers refuse for good: serial % POISON === 0 */
const POISON = 4999

t.test('10^5 records to Elasticsearch and HEC through a fault mix: nothing lost, ES exactly once', async (t) => {
  const dir = t.testdir({ 'hec.token': `${TOKEN}\n` })
  const log = join(dir, 'audit.log')
  const events = writeEventLog(log, 100_000)
  const serial = (src: unknown): number => (src as { auditd: { sequence: number } }).auditd.sequence

  const es = await startFakeEs({ recordBodies: false })
  t.teardown(async () => await es.close())
  es.onRequest((n) => {
    if (n === 4) return { delayMs: 2500 } // past request_ms: resent, the late indexing answers 409
    if (n === 6) return { status: 413 }
    if (n % 11 === 3) return { status: 503 }
    if (n % 13 === 5) return { reset: 'after' }
    if (n % 17 === 2) return { status: 429, headers: { 'retry-after': '0' } }
    return undefined
  })
  es.onItem(({ n, i, source }) => {
    if (serial(source) % POISON === 0) return { status: 400, type: 'document_parsing_exception', reason: 'failed to parse field [poison]' }
    if (n % 3 === 0 && i % 50 === 7) return { status: 429 }
    if (n % 5 === 0 && i % 97 === 11) return { status: 503 }
    return undefined
  })
  const hec = await startFakeHec({ tokens: [{ token: TOKEN, useACK: true }], recordBodies: false, ackDelayMs: 30 })
  t.teardown(async () => await hec.close())
  hec.onRequest((n) => n % 9 === 4 ? { status: 503 } : n % 10 === 7 ? { reset: 'after' } : undefined)
  hec.onEvent(({ obj }) => serial((obj as { event: unknown }).event) % POISON === 0 ? 6 : undefined)
  hec.onAck(({ n }) => n % 8 === 3 ? 'never' : n % 8 === 5 ? 400 : undefined)

  const port = await freePort()
  const cfg = join(dir, 'auditship.yaml')
  const retry = '{ initial_backoff_ms: 10, max_backoff_ms: 100 }'
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning, poll_interval_ms: 50 }
correlate: { idle_timeout_ms: 300 }
state_dir: ${dir}/state
checkpoint: { interval_ms: 200 }
sinks:
  - type: elasticsearch
    name: es
    endpoints: [${es.url}]
    timeouts: { request_ms: 1000 }
    retry: ${retry}
    batch: { max_events: 1000, flush_interval_ms: 50 }
  - type: splunk_hec
    name: hec
    endpoints: [${hec.url}]
    token_file: ${dir}/hec.token
    ack: true
    ack_timeout_secs: 1
    ack_poll_interval_ms: 50
    max_in_flight: 8
    retry: ${retry}
    batch: { max_events: 500, flush_interval_ms: 50 }
log: { level: warn }
server: { enabled: true, listen: '127.0.0.1:${port}' }
`)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  const poison = Math.floor(events / POISON)
  const esDocs = (): number => es.docCount()
  const hecSerials = (): Set<number> => new Set(hec.events.map((e) => serial(e.event)))
  const done = await until(() => (esDocs() === events - poison && hecSerials().size === events - poison) || d.exitCode !== null, 80_000, 200) && d.exitCode === null
  if (!done) {
    const c = new Map<number, string[]>()
    for (const [name, idx] of es.indices) for (const [id, src] of idx) { const k = serial(src); c.set(k, [...(c.get(k) ?? []), `${name}/${id}`]) }
    t.comment('poison stored:', [...c.keys()].filter((k) => k % POISON === 0), 'twice:', JSON.stringify([...c].filter(([, v]) => v.length > 1)), 'dead letters:', readFileSync(join(dir, 'state', 'dead-letter.ndjson'), 'utf8').split('\n').filter((l) => l !== '').map((l) => { const e = JSON.parse(l); return `${e.sink}:${e.event.auditd.sequence}:${e.code}` }).join(' '))
  }
  if (!done) t.comment(`stuck: es ${esDocs()} hec ${hecSerials().size} of ${events - poison}; es requests ${es.requests.length}, hec requests ${hec.requests.length}; exit ${d.exitCode}; ${d.stderrText().slice(-3000)}`)
  // quiescence: the dead letters and the final checkpoint
  const dlPath = join(dir, 'state', 'dead-letter.ndjson')
  const deadLetters = (): Array<{ sink: string, code: string, reason: string, event: { auditd: { sequence: number } } }> => {
    try { return readFileSync(dlPath, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) } catch { return [] }
  }
  await until(() => deadLetters().length === 2 * poison, 10_000)
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then(async (r) => await r.text()).catch(() => '')
  d.kill('SIGTERM')
  const ex = await exited(d)
  t.ok(done, `delivered: es ${esDocs()}, hec ${hecSerials().size} of ${events - poison}`)
  t.equal(ex.code, 0, d.stderrText().slice(-2000))

  // Elasticsearch: every event exactly once, under one deterministic _id
  let docs = 0
  const esSeen = new Map<number, number>()
  for (const idx of es.indices.values()) for (const src of idx.values()) { docs++; esSeen.set(serial(src), (esSeen.get(serial(src)) ?? 0) + 1) }
  t.equal(docs, events - poison, 'one document per event')
  t.equal([...esSeen.values()].filter((c) => c !== 1).length, 0, 'no event twice')
  // HEC: at least once
  const hecSeen = hecSerials()
  const missingEs: number[] = []
  const missingHec: number[] = []
  for (let n = 1; n <= events; n++) {
    if (n % POISON === 0) continue
    if (!esSeen.has(n)) missingEs.push(n)
    if (!hecSeen.has(n)) missingHec.push(n)
  }
  t.same(missingEs, [], 'nothing missing in Elasticsearch')
  t.same(missingHec, [], 'nothing missing in HEC')
  t.ok(hec.events.length >= events - poison, `HEC indexed ${hec.events.length} (duplicates from lost acks and resets are allowed)`)

  // the refused events, each in the dead-letter file with its reason and the whole event
  const dl = deadLetters()
  const bySink = (s: string): number[] => dl.filter((e) => e.sink === s).map((e) => e.event.auditd.sequence).sort((a, b) => a - b)
  const want = Array.from({ length: poison }, (_, k) => (k + 1) * POISON)
  t.same(bySink('es'), want, 'Elasticsearch refusals dead-lettered')
  t.same(bySink('hec'), want, 'HEC refusals dead-lettered')
  t.ok(dl.every((e) => e.code === 'AS_SINK_REJECTED' && e.reason.length > 0), 'each with its code and reason')
  t.match(dl.find((e) => e.sink === 'es')?.reason, /document_parsing_exception/)
  t.match(dl.find((e) => e.sink === 'hec')?.reason, /HEC code 6/)

  // the faults happened, and the checkpoint reached the end of the log
  t.ok(es.requests.some((r) => r.status === 413) && es.requests.some((r) => r.status === 0) && es.requests.some((r) => r.status === 429), 'ES faults were exercised')
  t.ok(hec.requests.some((r) => r.status === 503) && hec.requests.some((r) => r.status === 0), 'HEC faults were exercised')
  // what the operator sees: failures by code, dead letters and request durations per sink
  t.match(metrics, /^auditship_sink_failures_total\{sink="es",code="AS_SINK_THROTTLED"\} [1-9]/m)
  t.match(metrics, /^auditship_sink_failures_total\{sink="hec",code="AS_SINK_ACK_TIMEOUT"\} [1-9]/m)
  t.match(metrics, new RegExp(`^auditship_sink_dead_lettered_total\\{sink="es"\\} ${poison}$`, 'm'))
  t.match(metrics, /^auditship_sink_request_duration_seconds_count\{sink="hec"\} [1-9]/m)
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' })
  if (promtool.error !== undefined) t.comment('promtool not installed: format check skipped (apt-get install prometheus)')
  else t.equal(promtool.status, 0, `promtool check metrics: ${promtool.stdout}${promtool.stderr}`)
  const cp = JSON.parse(readFileSync(join(dir, 'state', 'checkpoint.json'), 'utf8')) as { position: { offset: number } }
  t.equal(cp.position.offset, statSync(log).size, 'checkpoint at the end of the log: everything settled by both sinks')
})

t.test('SIGKILL and restart: Elasticsearch still holds each event once (the _id survives a restart)', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  const events = writeEventLog(log, 30_000)
  const es = await startFakeEs({ recordBodies: false })
  t.teardown(async () => await es.close())
  // slow answers: plenty is sent but not yet acknowledged (not checkpointed) when the kill comes
  es.onRequest(() => ({ delayMs: 150 }))
  let actions = 0
  es.onItem(() => { actions++; return undefined })
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning }
state_dir: ${dir}/state
server: { enabled: false }
checkpoint: { interval_ms: 1000 }
sinks:
  - type: elasticsearch
    endpoints: [${es.url}]
    batch: { max_events: 500, flush_interval_ms: 20 }
log: { level: warn }
`)
  const first = startDaemon(cfg)
  t.teardown(() => { first.kill('SIGKILL') })
  await until(() => es.docCount() >= events / 3, 30_000)
  first.kill('SIGKILL')
  await exited(first)
  const before = es.docCount()
  es.onRequest(undefined)
  const second = startDaemon(cfg)
  t.teardown(() => { second.kill('SIGKILL') })
  const done = await until(() => es.docCount() === events || second.exitCode !== null, 60_000) && second.exitCode === null
  second.kill('SIGTERM')
  t.equal((await exited(second)).code, 0)
  t.ok(done, `all ${events} events stored (${es.docCount()})`)
  t.ok(before > 0 && before < events, `the kill came midway (${before} stored)`)
  const serials = new Set<number>()
  for (const idx of es.indices.values()) for (const src of idx.values()) serials.add((src as { auditd: { sequence: number } }).auditd.sequence)
  t.equal(serials.size, events, 'one document per event')
  t.ok(actions > events, `the restart sent again what was not checkpointed (${actions - events} actions answered 409)`)
})
