import t from 'tap'
import { SinkQueue } from '../../src/ship/queue.js'
import { SinkError, type OutEvent, type Rejected, type Sink, type WriteResult } from '../../src/ship/sink.js'
import { text } from '../helpers/out-events.js'
import { SinkErrors } from '../../src/errors.js'
import { AckTracker } from '../../src/delivery/ack-tracker.js'
import { flow, pass } from '../helpers/fake-sink.js'

/** The queue's timers (flush interval, backoff, drain deadline) and the sinks' delays run on the fake clock. */
const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

function events (n: number, from = 0, queuedAt = Date.now()): OutEvent[] {
  const a = new AckTracker()
  return Array.from({ length: n }, (_, i) => ({ data: Buffer.from(`{"n":${from + i}}`), ticket: a.openEvent(from + i + 1, { gen: 0, offset: i }, 1), meta: { node: undefined, sec: 1, ms: 0, serial: from + i, firstType: 1300 }, queuedAt }))
}

const quiet = { delivered: () => {}, rejected: () => {}, failed: () => {}, recovered: () => {} }

class FlakySink implements Sink {
  readonly name = 'flaky'
  got: string[] = []
  calls = 0
  inFlight = 0
  maxInFlight = 0
  constructor (private failFirst: number, private delay = 0) {}
  async write (b: OutEvent[]): Promise<void> {
    this.calls++
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    await sleep(this.delay)
    this.inFlight--
    if (this.failFirst-- > 0) throw new Error('down')
    this.got.push(...b.map((e) => text(e)))
  }

  async close (): Promise<void> {}
}

t.test('flush on max_events; order kept; one batch in flight', async (t) => {
  const sink = new FlakySink(0, 5)
  const delivered: number[] = []
  t.clock.enter()
  const q = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1 << 20, flushIntervalMs: 10_000 }, { ...quiet, delivered: (b) => delivered.push(b.length) })
  for (const e of events(35)) q.push(e)
  t.ok(await flow(t.clock, q.drain(2000), 2000))
  t.same(sink.got, events(35).map((e) => text(e)))
  t.equal(sink.maxInFlight, 1)
  t.equal(delivered.reduce((a, b) => a + b, 0), 35)
})

t.test('flush on the interval and on max_bytes', async (t) => {
  t.clock.enter()
  const sink = new FlakySink(0)
  const q = new SinkQueue(sink, { maxEvents: 1000, maxBytes: 1 << 20, flushIntervalMs: 20 }, quiet)
  for (const e of events(3)) q.push(e)
  await pass(t.clock, 19)
  t.equal(sink.got.length, 0, 'not before the interval')
  await pass(t.clock, 61)
  t.equal(sink.got.length, 3, 'sent by the timer')
  const s2 = new FlakySink(0)
  const q2 = new SinkQueue(s2, { maxEvents: 1000, maxBytes: 30, flushIntervalMs: 10_000 }, quiet)
  for (const e of events(4)) q2.push(e)
  await pass(t.clock, 20)
  t.ok(s2.calls >= 1, 'sent when the bytes bound was reached')
  await flow(t.clock, q2.drain(1000), 1000)
})

t.test('a failing sink is retried with backoff until it works; nothing dropped', async (t) => {
  const sink = new FlakySink(4)
  let failures = 0; let recovered = 0
  t.clock.enter()
  const q = new SinkQueue(sink, { maxEvents: 5, maxBytes: 1 << 20, flushIntervalMs: 5, backoffInitialMs: 5, backoffMaxMs: 20 }, { ...quiet, failed: () => { failures++ }, recovered: () => { recovered++ } })
  for (const e of events(12)) q.push(e)
  t.ok(await flow(t.clock, q.drain(5000), 5000))
  t.same(sink.got, events(12).map((e) => text(e)))
  t.equal(failures, 4)
  t.equal(recovered, 1)
  t.equal(q.healthy, true)
  t.equal(q.stats.events, 12)
})

t.test('drain gives up at its timeout when the sink stays down, keeping the data', async (t) => {
  const sink = new FlakySink(1e9)
  t.clock.enter()
  const q = new SinkQueue(sink, { maxEvents: 5, maxBytes: 1 << 20, flushIntervalMs: 5, backoffInitialMs: 5, backoffMaxMs: 10 }, quiet)
  for (const e of events(3)) q.push(e)
  t.equal(await flow(t.clock, q.drain(100), 150), false)
  t.equal(q.queued, 3)
  t.equal(q.healthy, false)
  q.stop()
})

/** A sink answering from a script: per call, what to do with the batch it got. */
class ScriptedSink implements Sink {
  readonly name = 'scripted'
  calls: string[][] = []
  inFlight = 0
  maxInFlight = 0
  constructor (private readonly answer: (batch: OutEvent[], call: number) => WriteResult | undefined, private readonly delay = 0) {}
  async write (b: OutEvent[]): Promise<WriteResult | undefined> {
    this.calls.push(b.map((e) => text(e)))
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    await sleep(this.delay)
    this.inFlight--
    return this.answer(b, this.calls.length - 1)
  }

  async close (): Promise<void> {}
}

t.test('a partial result: delivered, retried alone, rejected; each event handed back once', async (t) => {
  const sink = new ScriptedSink((b, call) => {
    if (call > 0) return undefined
    return {
      retry: [b[1], b[3]],
      rejected: [{ event: b[2], error: new SinkError(SinkErrors.REJECTED, 'mapping conflict', { status: 400 }) }],
      error: new SinkError(SinkErrors.THROTTLED, 'item 429', { status: 429 }),
    }
  })
  const delivered: string[] = []
  const rejected: Rejected[] = []
  t.clock.enter()
  const q = new SinkQueue(sink, { maxEvents: 5, maxBytes: 1 << 20, flushIntervalMs: 5, backoffInitialMs: 1, backoffMaxMs: 5 }, {
    ...quiet, delivered: (b) => delivered.push(...b.map((e) => text(e))), rejected: (r) => rejected.push(...r),
  })
  for (const e of events(5)) q.push(e)
  t.ok(await flow(t.clock, q.drain(2000), 2000))
  t.same(sink.calls, [['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}'], ['{"n":1}', '{"n":3}']], 'only the retryable events are sent again')
  t.same(delivered.sort(), ['{"n":0}', '{"n":1}', '{"n":3}', '{"n":4}'])
  t.same(rejected.map((r) => [text(r.event), r.error.code]), [['{"n":2}', 'AS_SINK_REJECTED']])
  t.equal(q.stats.rejected, 1)
  t.equal(q.stats.failuresByCode.get('AS_SINK_THROTTLED'), 1)
  t.equal(q.stats.events, 4)
})

t.test('an event failing longer than maxAgeMs is rejected as expired with the last error', async (t) => {
  const sink = new ScriptedSink((b) => ({ retry: b, error: new SinkError(SinkErrors.SERVER, 'HTTP 503', { status: 503 }) }))
  const rejected: Rejected[] = []
  t.clock.enter()
  t.clock.travel(1_700_000_000_000)
  const q = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1 << 20, flushIntervalMs: 5, backoffInitialMs: 5, backoffMaxMs: 10, maxAgeMs: 60_000 }, { ...quiet, rejected: (r) => rejected.push(...r) })
  for (const e of events(2, 0, Date.now() - 61_000)) q.push(e)
  for (const e of events(1, 2)) q.push(e)
  await pass(t.clock, 60)
  t.same(rejected.map((r) => text(r.event)), ['{"n":0}', '{"n":1}'], 'the old ones expire after a failed attempt')
  t.equal(rejected[0].error.code, 'AS_SINK_EXPIRED')
  t.match(rejected[0].error.message, /last error AS_SINK_SERVER/)
  t.equal(q.queued, 1, 'the young one is still retried')
  t.equal(await flow(t.clock, q.drain(30), 80), false)
  q.stop()
})

t.test('Retry-After is honoured (longer than the backoff)', async (t) => {
  const times: number[] = []
  const sink = new ScriptedSink((b, call) => {
    times.push(Date.now())
    return call === 0 ? { retry: b, error: new SinkError(SinkErrors.THROTTLED, '429', { status: 429, retryAfterMs: 150 }) } : undefined
  })
  t.clock.enter()
  const q = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1 << 20, flushIntervalMs: 1, backoffInitialMs: 1, backoffMaxMs: 2 }, quiet)
  for (const e of events(1)) q.push(e)
  t.ok(await flow(t.clock, q.drain(2000), 2000))
  t.equal(times.length, 2)
  t.ok(times[1] - times[0] >= 140, `waited ${times[1] - times[0]} ms`)
})

t.test('maxInFlight batches at once; a batch is at most maxEvents', async (t) => {
  const sink = new ScriptedSink(() => undefined, 20)
  t.clock.enter()
  const q = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1 << 20, flushIntervalMs: 1, maxInFlight: 3 }, quiet)
  for (const e of events(100)) q.push(e)
  t.ok(await flow(t.clock, q.drain(2000), 2000))
  t.equal(sink.maxInFlight, 3)
  t.ok(sink.calls.every((c) => c.length <= 10))
  t.equal(sink.calls.flat().length, 100)
  t.equal(new Set(sink.calls.flat()).size, 100)
})

t.test('refused credentials make the sink unhealthy at once; success makes it healthy', async (t) => {
  let fail = true
  const sink = new ScriptedSink((b) => fail ? { retry: b, error: new SinkError(SinkErrors.AUTH, 'HTTP 401', { status: 401 }) } : undefined)
  t.clock.enter()
  const q = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1 << 20, flushIntervalMs: 1, backoffInitialMs: 20, backoffMaxMs: 20 }, quiet)
  for (const e of events(1)) q.push(e)
  await pass(t.clock, 10)
  t.equal(q.healthy, false)
  t.match(q.lastError, /AS_SINK_AUTH/)
  fail = false
  t.ok(await flow(t.clock, q.drain(2000), 2000))
  t.equal(q.healthy, true)
  t.equal(q.lastError, undefined)
})

t.test('a thrown error retries the whole batch (AS_SINK_WRITE)', async (t) => {
  let n = 0
  const sink: Sink = { name: 'throws', write: async () => { if (n++ === 0) throw new Error('disk full') }, close: async () => {} }
  const codes: string[] = []
  t.clock.enter()
  const q = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1 << 20, flushIntervalMs: 1, backoffInitialMs: 1, backoffMaxMs: 2 }, { ...quiet, failed: (e) => codes.push(e.code) })
  for (const e of events(3)) q.push(e)
  t.ok(await flow(t.clock, q.drain(2000), 2000))
  t.same(codes, ['AS_SINK_WRITE'])
  t.equal(q.stats.events, 3)
})

t.test('a callback that throws (the dead-letter disk is full) stops the queue and frees the slot', async (t) => {
  const sink = new ScriptedSink((b) => ({ rejected: [{ event: b[0], error: new SinkError(SinkErrors.REJECTED, 'bad') }] }))
  const crashes: string[] = []
  t.clock.enter()
  const q = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1 << 20, flushIntervalMs: 1 }, { ...quiet, rejected: () => { throw new Error('ENOSPC') }, crashed: (e) => crashes.push(e.message) })
  for (const e of events(3)) q.push(e)
  t.equal(await flow(t.clock, q.drain(1000), 1000), false, 'not delivered')
  t.same(crashes, ['ENOSPC'])
  t.equal(q.queued, 3, 'nothing handed back: read again after a restart')
})
