import t from 'tap'
import { sinkSender } from '../../src/ship/sender.js'
import { SinkError, type Sink } from '../../src/ship/sink.js'
import { SinkErrors } from '../../src/errors.js'
import { outEvents } from '../helpers/out-events.js'

const sink = (write: Sink['write']): Sink => ({ name: 's', write, close: async () => {} })

t.test('a sink that resolves with nothing delivered it all', async (t) => {
  const ev = outEvents(3)
  t.same(await sinkSender(sink(async () => {}))(ev), {})
  t.same(await sinkSender(sink(async () => undefined))(ev), {})
  const partial = { retry: [ev[1]], error: new SinkError(SinkErrors.SERVER, 'x') }
  t.equal(await sinkSender(sink(async () => partial))(ev), partial, 'a result is passed on as is')
})

t.test('a sink that throws: all of the batch is to be retried, never a rejection', async (t) => {
  const ev = outEvents(2)
  const disk = new Error('ENOSPC: no space left on device')
  const r = await sinkSender(sink(async () => { throw disk }))(ev)
  t.equal(r.retry, ev)
  t.equal(r.error?.code, 'AS_SINK_WRITE')
  t.equal(r.error?.cause, disk)
  t.match(r.error?.message, /no space left/)
  const refused = new SinkError(SinkErrors.CONNECT, 'refused')
  const r2 = await sinkSender(sink(async () => { throw refused }))(ev)
  t.equal(r2.error, refused, 'a SinkError keeps its code')
})

t.test('the attempt\'s signal reaches the sink', async (t) => {
  const signals: Array<AbortSignal | undefined> = []
  const send = sinkSender(sink(async (_b, s) => { signals.push(s) }))
  const a = new AbortController()
  await send(outEvents(1), a.signal)
  await send(outEvents(1))
  t.same(signals, [a.signal, undefined])
})
