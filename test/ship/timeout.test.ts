import t from 'tap'
import { withTimeout } from '../../src/ship/timeout.js'
import { sinkSender, type Sender } from '../../src/ship/sender.js'
import { SinkError } from '../../src/ship/sink.js'
import { SinkErrors } from '../../src/errors.js'
import { FakeSink, settle } from '../helpers/fake-sink.js'
import { outEvents } from '../helpers/out-events.js'

t.test('without a timeout the attempt is the sink\'s alone', async (t) => {
  const next: Sender = async () => ({})
  t.equal(withTimeout(next, undefined), next)
  t.equal(withTimeout(next, 0), next)
})

t.test('an attempt that takes too long fails with AS_SINK_TIMEOUT, all of it to retry, and is aborted', async (t) => {
  t.clock.enter()
  const sink = new FakeSink()
  const send = withTimeout(sinkSender(sink), 1000)
  const ev = outEvents(3)
  let result: Awaited<ReturnType<Sender>> | undefined
  void send(ev).then((r) => { result = r })
  await settle()
  t.equal(sink.calls.length, 1)
  t.equal(sink.calls[0].signal?.aborted, false)
  t.clock.advance(999)
  await settle()
  t.equal(result, undefined, 'not yet')
  t.clock.advance(1)
  await settle()
  t.equal(result?.retry, ev)
  t.equal(result?.error?.code, 'AS_SINK_TIMEOUT')
  t.match(result?.error?.message, /longer than 1000 ms/)
  t.equal(sink.calls[0].signal?.aborted, true, 'the sink is told to stop')
  sink.answer({ rejected: [{ event: ev[0], error: new SinkError(SinkErrors.REJECTED, 'late') }] })
  await settle()
  t.equal(result?.rejected, undefined, 'a late answer is ignored: the events are sent again')
})

t.test('an attempt in time keeps its answer and leaves no timer behind', async (t) => {
  t.clock.enter()
  const sink = new FakeSink()
  const send = withTimeout(sinkSender(sink), 1000)
  const ev = outEvents(2)
  const p = send(ev)
  await settle()
  t.clock.advance(500)
  sink.answer({ retry: [ev[1]], error: new SinkError(SinkErrors.THROTTLED, '429') })
  const r = await p
  t.same(r.retry, [ev[1]])
  t.equal(r.error?.code, 'AS_SINK_THROTTLED')
  t.equal([...t.clock.timers.values()].flat().length, 0)
  t.equal(sink.calls[0].signal?.aborted, false)
})

t.test('an outer signal still reaches the sink', async (t) => {
  t.clock.enter()
  const sink = new FakeSink()
  const send = withTimeout(sinkSender(sink), 1000)
  const outer = new AbortController()
  const p = send(outEvents(1), outer.signal)
  await settle()
  outer.abort()
  t.equal(sink.calls[0].signal?.aborted, true)
  sink.answer(new Error('aborted'))
  t.equal((await p).error?.code, 'AS_SINK_WRITE')
})
