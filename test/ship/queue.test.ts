import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { SinkQueue } from '../../src/ship/queue.js'
import type { OutEvent, Sink } from '../../src/ship/sink.js'
import { AckTracker } from '../../src/ack/tracker.js'

function events (n: number, from = 0): OutEvent[] {
  const a = new AckTracker()
  return Array.from({ length: n }, (_, i) => ({ json: `{"n":${from + i}}`, ticket: a.openEvent(from + i + 1, { gen: 0, offset: i }, 1) }))
}

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
    this.got.push(...b.map((e) => e.json))
  }

  async close (): Promise<void> {}
}

t.test('flush on max_events; order kept; one batch in flight', async (t) => {
  const sink = new FlakySink(0, 5)
  const delivered: number[] = []
  const q = new SinkQueue(sink, { maxEvents: 10, maxBytes: 1 << 20, flushIntervalMs: 10_000 }, { delivered: (b) => delivered.push(b.length), failed: () => {}, recovered: () => {} })
  for (const e of events(35)) q.push(e)
  t.ok(await q.drain(2000))
  t.same(sink.got, events(35).map((e) => e.json))
  t.equal(sink.maxInFlight, 1)
  t.equal(delivered.reduce((a, b) => a + b, 0), 35)
})

t.test('flush on the interval and on max_bytes', async (t) => {
  const sink = new FlakySink(0)
  const q = new SinkQueue(sink, { maxEvents: 1000, maxBytes: 1 << 20, flushIntervalMs: 20 }, { delivered: () => {}, failed: () => {}, recovered: () => {} })
  for (const e of events(3)) q.push(e)
  await sleep(80)
  t.equal(sink.got.length, 3, 'sent by the timer')
  const s2 = new FlakySink(0)
  const q2 = new SinkQueue(s2, { maxEvents: 1000, maxBytes: 30, flushIntervalMs: 10_000 }, { delivered: () => {}, failed: () => {}, recovered: () => {} })
  for (const e of events(4)) q2.push(e)
  await sleep(20)
  t.ok(s2.calls >= 1, 'sent when the bytes bound was reached')
  await q2.drain(1000)
})

t.test('a failing sink is retried with backoff until it works; nothing dropped', async (t) => {
  const sink = new FlakySink(4)
  let failures = 0; let recovered = 0
  const q = new SinkQueue(sink, { maxEvents: 5, maxBytes: 1 << 20, flushIntervalMs: 5, backoffInitialMs: 5, backoffMaxMs: 20 }, { delivered: () => {}, failed: () => { failures++ }, recovered: () => { recovered++ } })
  for (const e of events(12)) q.push(e)
  t.ok(await q.drain(5000))
  t.same(sink.got, events(12).map((e) => e.json))
  t.equal(failures, 4)
  t.equal(recovered, 1)
  t.equal(q.healthy, true)
  t.equal(q.stats.events, 12)
})

t.test('drain gives up at its timeout when the sink stays down, keeping the data', async (t) => {
  const sink = new FlakySink(1e9)
  const q = new SinkQueue(sink, { maxEvents: 5, maxBytes: 1 << 20, flushIntervalMs: 5, backoffInitialMs: 5, backoffMaxMs: 10 }, { delivered: () => {}, failed: () => {}, recovered: () => {} })
  for (const e of events(3)) q.push(e)
  t.equal(await q.drain(100), false)
  t.equal(q.queued, 3)
  t.equal(q.healthy, false)
  q.stop()
})
