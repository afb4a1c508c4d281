import t, { type Test } from 'tap'
import { RetrySender, expire, outcome, type RetryReport } from '../../src/ship/retry.js'
import { sinkSender } from '../../src/ship/sender.js'
import { SinkError, type OutEvent, type Rejected } from '../../src/ship/sink.js'
import { SinkErrors } from '../../src/errors.js'
import { FakeSink, settle } from '../helpers/fake-sink.js'
import { outEvents } from '../helpers/out-events.js'

const serials = (es: OutEvent[]): number[] => es.map((e) => e.meta.serial)

/** A retry link in front of `sink` on the fake clock, with what it reported. */
function chain (t: Test, sink: FakeSink, policy = { initialMs: 100, maxMs: 1000 } as { initialMs: number, maxMs: number, maxAgeMs?: number }, random = (): number => 0.999) {
  t.clock.enter()
  const log = { delivered: [] as number[], rejected: [] as Rejected[], failed: [] as Array<[string, number]>, retrying: 0, succeeded: [] as Array<[number, number]> }
  const report: RetryReport = {
    delivered: (e) => log.delivered.push(...serials(e)),
    rejected: (r) => log.rejected.push(...r),
    failed: (e, n) => log.failed.push([e.code, n]),
    retrying: () => { log.retrying++ },
    succeeded: (a, f) => log.succeeded.push([a, f]),
  }
  const stop = new AbortController()
  return { retry: new RetrySender(sinkSender(sink), policy, report, random), log, stop }
}

t.test('outcome: what is in neither list is delivered; each event in exactly one list', async (t) => {
  const ev = outEvents(5)
  const throttled = new SinkError(SinkErrors.THROTTLED, '429')
  const bad = new SinkError(SinkErrors.REJECTED, 'mapping')
  const o = outcome(ev, { retry: [ev[1], ev[3]], rejected: [{ event: ev[2], error: bad }], error: throttled })
  t.same([serials(o.delivered), serials(o.retry), o.rejected.map((r) => r.event.meta.serial), o.error], [[0, 4], [1, 3], [2], throttled])
  t.same(serials(outcome(ev, {}).delivered), [0, 1, 2, 3, 4])
  t.equal(outcome(ev, { retry: [ev[0]] }).error?.code, 'AS_SINK_PROTOCOL', 'a retry without a reason is a protocol error')
})

t.test('outcome: the kind decides — a permanent error dead-letters instead of retrying', async (t) => {
  const ev = outEvents(3)
  const big = new SinkError(SinkErrors.TOO_LARGE, '413')
  const o = outcome(ev, { retry: [ev[0], ev[2]], error: big })
  t.same(o.retry, [])
  t.same(o.rejected.map((r) => [r.event.meta.serial, r.error]), [[0, big], [2, big]])
  t.same(serials(o.delivered), [1])
  for (const def of [SinkErrors.SERVER, SinkErrors.THROTTLED, SinkErrors.AUTH, SinkErrors.CONFIG, SinkErrors.WRITE]) {
    t.same(serials(outcome(ev, { retry: ev, error: new SinkError(def, 'x') }).retry), [0, 1, 2], `${def.code} (${def.kind}) is retried`)
  }
})

t.test('expire: events past maxAgeMs are rejected with the last error, the others kept', async (t) => {
  const last = new SinkError(SinkErrors.SERVER, 'HTTP 503', { status: 503 })
  const ev = outEvents(3).map((e, i) => ({ ...e, queuedAt: [0, 50_000, 61_000][i] }))
  const { keep, expired } = expire(ev, last, 60_000, 120_000)
  t.same(serials(keep), [2])
  t.same(expired.map((r) => [r.event.meta.serial, r.error.code, r.error.status]), [[0, 'AS_SINK_EXPIRED', 503], [1, 'AS_SINK_EXPIRED', 503]])
  t.match(expired[0].error.message, /not delivered after 120 s; last error AS_SINK_SERVER: .*HTTP 503/)
  t.same(expire(ev, last, undefined, 1e12), { keep: ev, expired: [] }, 'no max age: kept forever')
})

t.test('only the failed events are resent, after the backoff; each event handed back once', async (t) => {
  const sink = new FakeSink()
  const { retry, log, stop } = chain(t, sink)
  const ev = outEvents(5)
  const done = retry.send(ev, stop.signal)
  await settle()
  sink.answer({ retry: [ev[1], ev[3]], rejected: [{ event: ev[2], error: new SinkError(SinkErrors.REJECTED, 'bad') }], error: new SinkError(SinkErrors.THROTTLED, '429') })
  await settle()
  t.same(log.delivered, [0, 4])
  t.same(log.rejected.map((r) => r.event.meta.serial), [2])
  t.same(log.failed, [['AS_SINK_THROTTLED', 1]])
  t.equal(log.retrying, 1)
  t.clock.advance(98)
  await settle()
  t.equal(sink.calls.length, 1, 'waiting out the backoff')
  t.clock.advance(2)
  await settle()
  t.same(serials(sink.calls[1].batch), [1, 3], 'only the retryable ones')
  sink.answer()
  t.same(await done, [])
  t.same(log.delivered, [0, 4, 1, 3])
  t.same(log.succeeded, [[2, 1]])
})

t.test('the wait doubles per failure up to the maximum (full jitter under it)', async (t) => {
  const sink = new FakeSink((b) => ({ retry: b, error: new SinkError(SinkErrors.SERVER, '503') }))
  const { retry, stop } = chain(t, sink, { initialMs: 100, maxMs: 1000 }, () => 0.5)
  const at: number[] = []
  void retry.send(outEvents(1), stop.signal)
  for (let ms = 0; ms <= 5000; ms++) {
    await settle(5)
    while (at.length < sink.calls.length) at.push(Date.now())
    t.clock.advance(1)
  }
  stop.abort()
  const waits = at.slice(1).map((x, i) => x - at[i])
  t.same(waits.slice(0, 7), [50, 100, 200, 400, 500, 500, 500], 'half of 100, 200, 400, 800, then of the 1000 cap')
})

t.test('Retry-After is waited out, even when longer than the backoff', async (t) => {
  const sink = new FakeSink()
  const { retry, stop } = chain(t, sink)
  const done = retry.send(outEvents(2), stop.signal)
  await settle()
  sink.answer({ retry: sink.calls[0].batch, error: new SinkError(SinkErrors.THROTTLED, '429', { status: 429, retryAfterMs: 7000 }) })
  await settle()
  t.clock.advance(6999)
  await settle()
  t.equal(sink.calls.length, 1)
  t.clock.advance(1)
  await settle()
  t.equal(sink.calls.length, 2)
  sink.answer()
  t.same(await done, [])
})

t.test('a permanent error is not retried: dead-lettered at once, no wait', async (t) => {
  const sink = new FakeSink(() => new SinkError(SinkErrors.TOO_LARGE, 'HTTP 413'))
  const { retry, log, stop } = chain(t, sink)
  t.same(await retry.send(outEvents(3), stop.signal), [])
  t.equal(sink.calls.length, 1)
  t.same(log.rejected.map((r) => [r.event.meta.serial, r.error.code]), [[0, 'AS_SINK_TOO_LARGE'], [1, 'AS_SINK_TOO_LARGE'], [2, 'AS_SINK_TOO_LARGE']])
  t.same([log.failed, log.retrying, log.delivered], [[], 0, []], 'not a failed attempt to retry, nothing delivered')
})

t.test('events failing longer than maxAgeMs expire (dead-lettered); the young ones go on', async (t) => {
  const sink = new FakeSink((b) => ({ retry: b, error: new SinkError(SinkErrors.SERVER, 'HTTP 503', { status: 503 }) }))
  const { retry, log, stop } = chain(t, sink, { initialMs: 100, maxMs: 1000, maxAgeMs: 60_000 })
  t.clock.travel(100_000)
  const old = outEvents(2).map((e) => ({ ...e, queuedAt: 30_000 }))
  const young = outEvents(1, 2).map((e) => ({ ...e, queuedAt: 99_000 }))
  const done = retry.send([...old, ...young], stop.signal)
  await settle()
  t.same(log.rejected.map((r) => [r.event.meta.serial, r.error.code]), [[0, 'AS_SINK_EXPIRED'], [1, 'AS_SINK_EXPIRED']], 'after the first failed attempt')
  t.match(log.rejected[0].error.message, /last error AS_SINK_SERVER/)
  t.clock.advance(100)
  await settle()
  t.same(serials(sink.calls[1].batch), [2])
  t.clock.travel(159_000)
  await settle()
  t.same(await done, [], 'the last one expired too: all handed back')
  t.equal(log.rejected.length, 3)
})

t.test('stopping ends the wait: what is not handed back is returned, unsettled', async (t) => {
  const sink = new FakeSink((b) => ({ retry: b, error: new SinkError(SinkErrors.CONNECT, 'refused') }))
  const { retry, log, stop } = chain(t, sink)
  const ev = outEvents(4)
  const done = retry.send(ev, stop.signal)
  await settle()
  stop.abort()
  t.same(await done, ev)
  t.equal(sink.calls.length, 1, 'no attempt after the stop')
  t.same([log.delivered, log.rejected], [[], []])
})

t.test('a report callback that throws ends send() with its error', async (t) => {
  const sink = new FakeSink(() => ({}))
  t.clock.enter()
  const boom = new Error('ENOSPC')
  const retry = new RetrySender(sinkSender(sink), { initialMs: 1, maxMs: 1 }, { delivered: () => { throw boom }, rejected: () => {}, failed: () => {}, retrying: () => {}, succeeded: () => {} })
  await t.rejects(retry.send(outEvents(1), new AbortController().signal), boom)
})
