import t, { type Test } from 'tap'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RunStatus, type StatusParts } from '../../src/run/status.js'
import { Pipeline, DEFAULT_PIPELINE } from '../../src/pipeline/pipeline.js'
import { SinkQueue } from '../../src/ship/queue.js'
import { LowWaterMark, type Ticket } from '../../src/delivery/low-water-mark.js'
import type { Sink } from '../../src/ship/sink.js'
import type { Source, SourceStatus } from '../../src/source/source.js'
import { buildServer } from '../../src/server/app.js'
import { createMetrics } from '../../src/telemetry/metrics.js'

const sink: Sink = { name: 'es', write: async () => undefined, close: async () => {} }
const FILE = { path: '/var/log/audit/audit.log', identity: { dev: 1, ino: 2, fingerprint: '' } }
const T0 = 1_800_000_000_000

/** A file source whose status the test sets. */
function fakeSource (st: SourceStatus): Source {
  return { replayable: true, start: async () => {}, read: async () => null, waitedMs: () => 0, position: () => ({ ...FILE, offset: 500 }), close: async () => {}, status: async () => st }
}

interface Harness {
  p: StatusParts
  s: RunStatus
  flags: { failed: boolean, stopping: boolean }
  clock: { ms: number }
  cp: { saved: number, failingSince: number | undefined, lastError: string | undefined }
  src: { status: SourceStatus, opened: boolean }
}

function harness (t: Test, o: Partial<StatusParts> = {}): Harness {
  const flags = { failed: false, stopping: false }
  const clock = { ms: T0 }
  const cp = { saved: 7, failingSince: undefined as number | undefined, lastError: undefined as string | undefined }
  const src = { status: { reading: true, problem: undefined, unreadBytes: 0 } as SourceStatus, opened: true }
  const source = fakeSource(src.status)
  source.status = async () => src.status
  const pipeline = new Pipeline({ ...DEFAULT_PIPELINE }, { event: () => {}, lineError: () => {}, invalid: () => {} })
  const queue = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1000, flushIntervalMs: 10 }, { delivered: () => {}, rejected: () => {}, failed: () => {}, recovered: () => {} })
  const mark = new LowWaterMark({ held: () => undefined, read: () => ({ ...FILE, offset: 500 }), now: () => clock.ms })
  const p: StatusParts = {
    pipeline, queues: [queue], mark, source: () => src.opened ? source : undefined, deadLettered: () => 3,
    failed: () => flags.failed, stopping: () => flags.stopping, checkpoint: cp, checkpointIntervalMs: 1000,
    stateDir: join(t.testdir(), 'state'), now: () => clock.ms, ...o,
  }
  return { p, s: new RunStatus(p), flags, clock, cp, src }
}

t.test('ready while running, reading, saving, with healthy sinks and the lag under the bound', async (t) => {
  const { s } = harness(t)
  t.same(await s.readiness(60), { ready: true, checks: { pipeline: { ok: true }, source: { ok: true }, state_dir: { ok: true }, checkpoint: { ok: true }, 'sink:es': { ok: true }, lag: { ok: true }, loss: { ok: true } } })
})

t.test('not ready: stopping or failed', async (t) => {
  const { s, flags } = harness(t)
  flags.stopping = true
  t.same((await s.readiness()).checks.pipeline, { ok: false, detail: 'stopping' })
  flags.failed = true
  t.same((await s.readiness()).checks.pipeline, { ok: false, detail: 'processing failed' })
})

t.test('source: not ready while the audit log does not exist or cannot be read; ready again once it can', async (t) => {
  const { s, src, clock } = harness(t)
  src.opened = false
  t.match(await s.readiness(), { ready: false, checks: { source: { ok: false, detail: 'starting: the source is not open yet' } } })
  src.opened = true
  src.status = { reading: false, problem: { kind: 'missing', path: FILE.path, since: T0 }, unreadBytes: 0 }
  clock.ms = T0 + 125_000
  t.match(await s.readiness(), { ready: false, checks: { source: { ok: false, detail: 'the audit log /var/log/audit/audit.log does not exist (for 2 min 5 s): nothing to read until it appears' } } })
  src.status = { reading: false, problem: { kind: 'unreadable', path: FILE.path, since: T0, error: 'EACCES: permission denied' }, unreadBytes: 0 }
  t.match(await s.readiness(), { ready: false, checks: { source: { ok: false, detail: /^cannot read the audit log \/var\/log\/audit\/audit\.log \(for 2 min 5 s\): EACCES: permission denied/ } } })
  src.status = { reading: true, problem: undefined, unreadBytes: 0 }
  t.match(await s.readiness(), { ready: true, checks: { source: { ok: true } } }, 'back to ready')
})

t.test('source: the live path gone while the held file is drained counts after a grace (a rotation empties it for an instant)', async (t) => {
  const { s, src, clock } = harness(t)
  src.status = { reading: true, problem: { kind: 'missing', path: FILE.path, since: T0 }, unreadBytes: 0 }
  clock.ms = T0 + 4999
  t.equal((await s.readiness()).ready, true, 'within the grace')
  clock.ms = T0 + 40_000
  t.match(await s.readiness(), { ready: false, checks: { source: { ok: false, detail: 'the audit log /var/log/audit/audit.log is gone (for 40 s): the file held open is read to its end, and no new one has appeared' } } })
})

t.test('source without a status (stdin): ready', async (t) => {
  const stdin: Source = { replayable: false, start: async () => {}, read: async () => null, waitedMs: () => 0, position: () => null, close: async () => {} }
  const { s } = harness(t, { source: () => stdin })
  t.same((await s.readiness()).checks.source, { ok: true })
})

t.test('checkpoint: not ready once saves have failed for 3 intervals; ready again after a save', async (t) => {
  const { s, cp, clock } = harness(t)
  cp.failingSince = T0
  cp.lastError = "EROFS: read-only file system, open '/var/lib/auditship/checkpoint.json.tmp'"
  clock.ms = T0 + 2999
  t.equal((await s.readiness()).ready, true, 'under 3 intervals')
  clock.ms = T0 + 12_000
  t.match(await s.readiness(), { ready: false, checks: { checkpoint: { ok: false, detail: "cannot save the checkpoint for 12 s (checkpoint.interval_ms 1000): EROFS: read-only file system, open '/var/lib/auditship/checkpoint.json.tmp'; a restart would send again what was delivered since the last save" } } })
  cp.failingSince = undefined
  cp.lastError = undefined
  t.equal((await s.readiness()).ready, true)
})

t.test('state dir: not ready when it cannot be written (or created); ready again when it can', async (t) => {
  const { s, p } = harness(t)
  t.equal((await s.readiness()).ready, true, 'missing but creatable (the first save creates it)')
  writeFileSync(p.stateDir, 'a file where the state dir should be')
  const r = await s.readiness()
  t.equal(r.ready, false)
  t.match(r.checks.state_dir, { ok: false, detail: /^cannot create the state dir \S+\/state: \S+\/state is not a directory \(fix: set state_dir to a directory path\)$/ })
  rmSync(p.stateDir)
  mkdirSync(p.stateDir)
  t.same((await s.readiness()).checks.state_dir, { ok: true })
})

t.test('lag: delivery lag, with the bytes behind and how long, in human units', async (t) => {
  const { s, p, src, clock } = harness(t)
  src.status = { reading: true, problem: undefined, unreadBytes: 12 * 1024 * 1024 - 400 }
  // an event of 2023, read and handed to the sinks now: a backfill that is delivering is ready
  const first = { seq: 1, gen: p.mark.generation(FILE), offset: 100, sec: 1_700_000_000 }
  p.mark.open(first, 1)
  clock.ms = T0 + 30_000
  t.same((await s.readiness(60)).checks.lag, { ok: true }, 'waiting 30 s, under server.max_lag_secs')
  clock.ms = T0 + 200_000
  t.match(await s.readiness(60), { ready: false, checks: { lag: { ok: false, detail: '12 MiB behind for 3 min 20 s: the oldest event read and not yet delivered has waited longer than server.max_lag_secs (60 s)' } } })
  t.equal(await s.behindBytes(), 12 * 1024 * 1024, 'read and not delivered (400) plus not read yet')
})

t.test('metrics and totals: the totals where the work happens, read now', async (t) => {
  const { s, p, src, clock } = harness(t)
  src.status = { reading: true, problem: undefined, unreadBytes: 1000 }
  p.mark.open({ seq: 1, gen: p.mark.generation(FILE), offset: 100 }, 1)
  clock.ms += 1500
  const m = s.metrics()
  t.match(m, { deadLettered: 3, checkpoints: 7, pendingEvents: 1, lag: { bytes: 400, seconds: 1.5 }, source: undefined, pipeline: { lines: 0 } })
  t.same(m.sinks.map((s) => [s.name, s.queued, s.healthy]), [['es', 0, true]])
  t.same(m.teleport, { record: 0, session: 0, process: 0 }, 'attribution totals (Teleport on by default)')
  t.same(await s.totals(), { records: 0, events: 0, delivered: { es: 0 }, deadLettered: 3, behindBytes: 1400 })
})

t.test('through the server: each rule answers 503 naming its cause, then 200 once it is fixed', async (t) => {
  const { s, p, src, cp, clock } = harness(t)
  const app = buildServer({ alive: () => true, ready: async () => await s.readiness(60), metrics: createMetrics(() => s.metrics(), false) })
  t.teardown(async () => await app.close())
  const ask = async (): Promise<{ code: number, failing: Record<string, string | undefined> }> => {
    const r = await app.inject({ url: '/readyz' })
    const body = r.json<{ checks: Record<string, { ok: boolean, detail?: string }> }>()
    return { code: r.statusCode, failing: Object.fromEntries(Object.entries(body.checks).filter(([, c]) => !c.ok).map(([k, c]) => [k, c.detail])) }
  }
  t.same(await ask(), { code: 200, failing: {} })
  let waiting: Ticket | undefined
  const rules: Array<[string, () => void, () => void, RegExp]> = [
    ['source', () => { src.status = { reading: false, problem: { kind: 'missing', path: FILE.path, since: clock.ms }, unreadBytes: 0 } }, () => { src.status = { reading: true, problem: undefined, unreadBytes: 0 } }, /does not exist/],
    ['checkpoint', () => { cp.failingSince = clock.ms - 3000; cp.lastError = 'ENOSPC: no space left on device' }, () => { cp.failingSince = undefined }, /cannot save the checkpoint for 3 s .*ENOSPC/],
    ['state_dir', () => { writeFileSync(p.stateDir, '') }, () => { rmSync(p.stateDir) }, /state dir/],
    // an event waiting 61 s for delivery; delivered
    ['lag', () => { waiting = p.mark.open({ seq: 1, gen: p.mark.generation(FILE), offset: 0 }, 1); clock.ms += 61_000 }, () => { p.mark.settle(waiting as Ticket) }, /behind for 1 min 1 s/],
  ]
  for (const [check, breakIt, fixIt, why] of rules) {
    breakIt()
    const bad = await ask()
    t.equal(bad.code, 503, `${check}: 503`)
    t.same(Object.keys(bad.failing), [check], `${check}: the only failing check`)
    t.match(bad.failing[check], why, `${check}: the cause`)
    fixIt()
    t.same(await ask(), { code: 200, failing: {} }, `${check}: back to 200`)
  }
})

t.test('the reason a sink is failing is shown without credentials', async (t) => {
  // a last error with a credential in it, however it got there
  const failing = { sink: { name: 'es' }, healthy: false, lastError: 'AS_SINK_AUTH: HTTP 401 {"echo":"authorization: Basic ZWxhc3RpYzpodW50ZXIy"} and Bearer abcDEF123456789' } as unknown as SinkQueue
  const { s } = harness(t, { queues: [failing] })
  const d = (await s.readiness()).checks['sink:es']
  t.equal(d.ok, false)
  t.match(d.detail, /HTTP 401 .*authorization: \[redacted\].*Bearer \[redacted\]/)
  t.notMatch(d.detail, /ZWxhc3RpYzpodW50ZXIy|abcDEF123456789/)
})

t.test('loss: a /readyz detail (still ready) and the counters; filtered events by rule', async (t) => {
  const pipeline = new Pipeline({ ...DEFAULT_PIPELINE, rules: { filter: [{ name: 'sudo', executable: ['/usr/bin/sudo'] }], label: [] } }, { event: () => {}, lineError: () => {}, invalid: () => {} })
  const { s } = harness(t, { pipeline })
  t.same((await s.readiness()).checks.loss, { ok: true }, 'nothing lost: no detail')
  const rec = (n: number, sec: number): string => `type=USER_CMD msg=audit(${sec}.000:${n}): pid=1 uid=0 auid=0 ses=1 msg='cmd=6C73 exe="/usr/bin/sudo" terminal=pts/0 res=success'`
  const lines = ['kernel: audit: audit_lost=4 audit_rate_limit=0 audit_backlog_limit=64', 'kernel: audit: backlog limit exceeded', rec(10, 1700000000), rec(14, 1700000000), rec(15, 1700000030),
    'type=DAEMON_ERR msg=audit(1700000031.000:9): op=dispatch-err auid=0 pid=10 res=failed']
  let off = 0
  for (const l of lines) { pipeline.line(l, off, true); off += l.length + 1 }
  pipeline.end()
  t.same((await s.readiness()).checks.loss, { ok: true, detail: 'since start: the kernel reported 4 audit records lost (audit_lost); 1 × backlog_limit_exceeded; 1 × DAEMON_ERR; 1 serial gaps, 3 serials missing (records that never reached the log)' })
  t.equal((await s.readiness()).ready, true, 'loss upstream does not make the shipper unready')
  const text = await createMetrics(() => s.metrics(), false).metrics()
  t.match(text, /^auditship_events_filtered_total\{rule="sudo"\} 3$/m)
  t.match(text, /^auditship_kernel_lost_total 4$/m)
  t.match(text, /^auditship_audit_loss_messages_total\{kind="backlog_limit_exceeded"\} 1$/m)
  t.match(text, /^auditship_audit_loss_messages_total\{kind="DAEMON_ERR"\} 1$/m)
  t.match(text, /^auditship_serial_gaps_total 1$/m)
  t.match(text, /^auditship_missing_serials_total 3$/m)
})
