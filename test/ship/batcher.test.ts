import t, { type Test } from 'tap'
import { Batcher, type BatchOptions } from '../../src/ship/batcher.js'
import type { OutEvent } from '../../src/ship/sink.js'
import { settle } from '../helpers/fake-sink.js'
import { outEvents } from '../helpers/out-events.js'

/** A batcher on the fake clock whose sends wait until the test ends them (`finish`). */
function batcher (t: Test, o: Partial<BatchOptions> = {}) {
  t.clock.enter()
  const sent: OutEvent[][] = []
  const ends: Array<() => void> = []
  const b = new Batcher({ maxEvents: 10, maxBytes: 1 << 20, flushIntervalMs: 1000, ...o }, async (batch) => {
    sent.push(batch)
    await new Promise<void>((resolve) => ends.push(resolve))
  })
  const finish = async (): Promise<void> => { ends.shift()?.(); await settle() }
  return { b, sent, finish, sizes: () => sent.map((s) => s.length) }
}

t.test('a full batch leaves at once, in the order pushed', async (t) => {
  const { b, sent, finish } = batcher(t)
  const ev = outEvents(25)
  for (const e of ev) b.push(e)
  t.same(sent.map((s) => s.map((e) => e.meta.serial)), [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]], 'one batch in flight by default')
  t.equal(b.buffered, 15)
  await finish()
  t.same(sent[1].map((e) => e.meta.serial), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'the next full batch as soon as the slot is free')
  await finish()
  t.equal(sent.length, 2, 'the rest waits for the interval')
  t.clock.advance(1000)
  t.same(sent[2].map((e) => e.meta.serial), [20, 21, 22, 23, 24])
})

t.test('a partial batch leaves after flushIntervalMs, not before', async (t) => {
  const { b, sizes } = batcher(t)
  for (const e of outEvents(3)) b.push(e)
  t.clock.advance(999)
  t.same(sizes(), [])
  t.clock.advance(1)
  t.same(sizes(), [3])
})

t.test('maxBytes: a batch leaves when the bytes are reached, and is cut to about maxBytes', async (t) => {
  const ev = outEvents(6, 0, { body: () => ({ pad: 'x'.repeat(90) }) })
  const size = ev[0].data.length + 1
  const { b, finish, sizes } = batcher(t, { maxBytes: size * 2 + 5 })
  b.push(ev[0])
  b.push(ev[1])
  t.same(sizes(), [], 'under the bound')
  b.push(ev[2])
  t.same(sizes(), [2], 'the bytes bound is reached: two events fit in a batch')
  t.equal(b.buffered, 1)
  for (const e of ev.slice(3)) b.push(e)
  t.same(sizes(), [2], 'no free slot')
  await finish()
  t.same(sizes(), [2, 2])
  await finish()
  t.same(sizes(), [2, 2], 'the rest is under the bound: it waits for the interval')
  t.clock.advance(1000)
  t.same(sizes(), [2, 2, 2])
})

t.test('an event larger than maxBytes leaves alone', async (t) => {
  const big = outEvents(1, 0, { body: () => ({ pad: 'x'.repeat(500) }) })[0]
  const { b, sizes } = batcher(t, { maxBytes: 100, maxInFlight: 2 })
  b.push(big)
  t.same(sizes(), [1])
})

t.test('at most maxInFlight batches at once', async (t) => {
  const { b, sent, finish } = batcher(t, { maxEvents: 5, maxInFlight: 3 })
  for (const e of outEvents(40)) b.push(e)
  t.equal(sent.length, 3)
  await finish()
  t.equal(sent.length, 4)
  await finish()
  await finish()
  t.equal(sent.length, 6)
  t.ok(sent.every((s) => s.length === 5))
})

t.test('drain sends what is left at once and waits for the sends to end', async (t) => {
  const { b, sent, finish, sizes } = batcher(t, { maxInFlight: 2 })
  for (const e of outEvents(13)) b.push(e)
  let pending = 13
  let drained = false
  void b.drain(60_000, () => pending).then(() => { drained = true })
  await settle()
  t.same(sizes(), [10, 3], 'the partial batch did not wait for the interval')
  pending -= 10
  await finish()
  t.equal(drained, false, 'one send is still running')
  pending -= 3
  await finish()
  t.equal(drained, true)
  t.equal(sent.length, 2)
})

t.test('drain ends when nothing is being sent, even if the owner still counts events (a stopped queue)', async (t) => {
  const { b, finish } = batcher(t)
  for (const e of outEvents(3)) b.push(e)
  let drained = false
  void b.drain(60_000, () => 3).then(() => { drained = true })
  await settle()
  await finish()
  t.equal(drained, true)
})

t.test('drain gives up at its deadline when a send does not end', async (t) => {
  const { b } = batcher(t)
  for (const e of outEvents(3)) b.push(e)
  let drained = false
  void b.drain(5000, () => 3).then(() => { drained = true })
  await settle()
  t.clock.advance(4999)
  await settle()
  t.equal(drained, false)
  t.clock.advance(1)
  await settle()
  t.equal(drained, true)
})

t.test('stop: no batch leaves afterwards, the interval timer is gone', async (t) => {
  const { b, sizes } = batcher(t)
  for (const e of outEvents(3)) b.push(e)
  b.stop()
  t.clock.advance(10_000)
  b.push(outEvents(1, 3)[0])
  for (const e of outEvents(10, 4)) b.push(e)
  t.same(sizes(), [])
  t.equal(b.buffered, 14)
})
