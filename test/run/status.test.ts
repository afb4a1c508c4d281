import t from 'tap'
import { RunStatus, type StatusParts } from '../../src/run/status.js'
import { Pipeline, DEFAULT_PIPELINE } from '../../src/pipeline/pipeline.js'
import { SinkQueue } from '../../src/ship/queue.js'
import { LowWaterMark } from '../../src/delivery/low-water-mark.js'
import type { Sink } from '../../src/ship/sink.js'

const sink: Sink = { name: 'es', write: async () => undefined, close: async () => {} }
const FILE = { path: '/var/log/audit/audit.log', identity: { dev: 1, ino: 2, fingerprint: '' } }

function parts (o: Partial<StatusParts> = {}): { p: StatusParts, flags: { failed: boolean, stopping: boolean } } {
  const flags = { failed: false, stopping: false }
  const pipeline = new Pipeline({ ...DEFAULT_PIPELINE }, { event: () => {}, lineError: () => {}, invalid: () => {} })
  const queue = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1000, flushIntervalMs: 10 }, { delivered: () => {}, rejected: () => {}, failed: () => {}, recovered: () => {} })
  const mark = new LowWaterMark({ held: () => undefined, read: () => ({ ...FILE, offset: 500 }) })
  const p: StatusParts = { pipeline, queues: [queue], mark, source: () => undefined, deadLettered: () => 3, checkpoints: () => 7, failed: () => flags.failed, stopping: () => flags.stopping, ...o }
  return { p, flags }
}

t.test('ready while running with healthy sinks and the lag under the bound', async (t) => {
  const { p } = parts()
  t.same(new RunStatus(p).readiness(60), { ready: true, checks: { pipeline: { ok: true }, 'sink:es': { ok: true }, lag: { ok: true } } })
})

t.test('not ready: stopping, failed, or the oldest undelivered event too old', async (t) => {
  const { p, flags } = parts()
  const s = new RunStatus(p)
  flags.stopping = true
  t.same(s.readiness().checks.pipeline, { ok: false, detail: 'stopping' })
  flags.failed = true
  t.same(s.readiness().checks.pipeline, { ok: false, detail: 'processing failed' })
  flags.failed = false
  flags.stopping = false
  p.mark.open({ seq: 1, gen: p.mark.generation(FILE), offset: 100, sec: Date.now() / 1000 - 120 }, 1)
  const r = s.readiness(60)
  t.equal(r.ready, false)
  t.match(r.checks.lag, { ok: false, detail: /oldest undelivered event is 120 s old \(server\.max_lag_secs 60\)/ })
})

t.test('metrics: the totals where the work happens, read now', async (t) => {
  const { p } = parts()
  p.mark.open({ seq: 1, gen: p.mark.generation(FILE), offset: 100, sec: 1 }, 1)
  const m = new RunStatus(p).metrics()
  t.match(m, { deadLettered: 3, checkpoints: 7, pendingEvents: 1, lag: { bytes: 400 }, source: undefined, pipeline: { lines: 0 } })
  t.same(m.sinks.map((s) => [s.name, s.queued, s.healthy]), [['es', 0, true]])
  t.same(m.teleport, { record: 0, session: 0, process: 0 }, 'attribution totals (Teleport on by default)')
})

t.test('the reason a sink is failing is shown without credentials', async (t) => {
  // a last error with a credential in it, however it got there
  const failing = { sink: { name: 'es' }, healthy: false, lastError: 'AS_SINK_AUTH: HTTP 401 {"echo":"authorization: Basic ZWxhc3RpYzpodW50ZXIy"} and Bearer abcDEF123456789' } as unknown as SinkQueue
  const { p } = parts({ queues: [failing] })
  const d = new RunStatus(p).readiness().checks['sink:es']
  t.equal(d.ok, false)
  t.match(d.detail, /HTTP 401 .*authorization: \[redacted\].*Bearer \[redacted\]/)
  t.notMatch(d.detail, /ZWxhc3RpYzpodW50ZXIy|abcDEF123456789/)
})
