/**
 * End-to-end: the daemon restarted in the middle of a Teleport session keeps attributing, and
 * the Teleport state it saves with its checkpoint is the state at the checkpoint's position
 * (what was read but not delivered is joined again after the restart, from that state).
 */
import t from 'tap'
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { exited, freePort, startDaemon, until } from '../helpers/daemon.js'
import { fixtures } from '../helpers/pipeline.js'

const NAME = 'nohup_reparented'
const lines = readFileSync(join(fixtures, 'teleport', `${NAME}.log`), 'utf8').trimEnd().split('\n')
const expected = (JSON.parse(readFileSync(join(fixtures, 'teleport', `${NAME}.expected.json`), 'utf8')) as { events: Array<{ serial: number, teleport_user: string | null, attribution: string | null }> }).events

function config (dir: string, sink: string): string {
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source:
  path: ${dir}/audit.log
  read_from: beginning
  poll_interval_ms: 50
correlate:
  idle_timeout_ms: 300
state_dir: ${dir}/state
server: { enabled: false }
checkpoint:
  interval_ms: 100
sinks:
${sink}
log:
  level: warn
`)
  return cfg
}

const fileSink = (dir: string): string => `  - type: file
    path: ${dir}/out.ndjson
    batch: { max_events: 200, flush_interval_ms: 20 }`

interface Out { auditd: { sequence: number }, teleport?: { user: string, attribution: string } }

function out (dir: string): Out[] {
  const p = join(dir, 'out.ndjson')
  if (!existsSync(p)) return []
  return readFileSync(p, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Out)
}

function checkpoint (dir: string): { teleport: { identities: unknown[], processes: unknown[] } } | undefined {
  const p = join(dir, 'state', 'checkpoint.json')
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : undefined
}

function attributionOf (events: Out[]): Array<[number, string | null, string | null]> {
  return events.map((e) => [e.auditd.sequence, e.teleport?.user ?? null, e.teleport?.attribution ?? null])
}

t.test('SIGKILL mid-session, the rest of the session appended: attributed as without a restart', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  const cut = lines.findIndex((l) => l.includes(':10020)')) // USER_END: the shell and the job were seen before
  writeFileSync(log, lines.slice(0, cut).join('\n') + '\n')
  const first = startDaemon(config(dir, fileSink(dir)))
  t.teardown(() => { first.kill('SIGKILL') })
  const before = expected.filter((e) => e.serial < 10020).length
  t.ok(await until(() => out(dir).length === before, 15000), 'first part delivered')
  await sleep(400) // a checkpoint after the delivery
  first.kill('SIGKILL')
  await exited(first)
  appendFileSync(log, lines.slice(cut).join('\n') + '\n')
  const second = startDaemon(config(dir, fileSink(dir)))
  t.teardown(() => { second.kill('SIGKILL') })
  t.ok(await until(() => new Set(out(dir).map((e) => e.auditd.sequence)).size === expected.length, 15000), 'all delivered')
  second.kill('SIGTERM')
  await exited(second)
  const last = new Map(out(dir).map((e) => [e.auditd.sequence, e]))
  t.same(attributionOf([...last.values()]).sort((a, b) => a[0] - b[0]), expected.map((e) => [e.serial, e.teleport_user, e.attribution] as const).sort((a, b) => a[0] - b[0]))
})

t.test('nothing delivered before a SIGKILL: the saved Teleport state is the one before the first event, and all is joined again', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, lines.join('\n') + '\n')
  // a collector that refuses connections: every event read stays undelivered
  const down = `  - type: http
    endpoints: [http://127.0.0.1:${await freePort()}/ingest]
    retry: { initial_backoff_ms: 50, max_backoff_ms: 200 }`
  const first = startDaemon(config(dir, down))
  t.teardown(() => { first.kill('SIGKILL') })
  t.ok(await until(() => /retrying/.test(first.stderrText()), 15000), 'events read, delivery failing')
  await sleep(600)
  first.kill('SIGKILL')
  await exited(first)
  const cp = checkpoint(dir)
  t.same([cp?.teleport.identities.length, cp?.teleport.processes.length], [0, 0], 'no login or process binding: all of them were learnt from undelivered events')
  const second = startDaemon(config(dir, fileSink(dir)))
  t.teardown(() => { second.kill('SIGKILL') })
  t.ok(await until(() => out(dir).length === expected.length, 15000), 'all delivered after the restart')
  second.kill('SIGTERM')
  await exited(second)
  t.same(attributionOf(out(dir)).sort((a, b) => a[0] - b[0]), expected.map((e) => [e.serial, e.teleport_user, e.attribution] as const).sort((a, b) => a[0] - b[0]))
})
