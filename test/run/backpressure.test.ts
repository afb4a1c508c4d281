import t from 'tap'
import { Backpressure } from '../../src/run/backpressure.js'

const turn = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }

function gate (maxEvents = 10, maxBytes = 1000): { g: Backpressure, pending: { n: number } } {
  const pending = { n: 0 }
  return { g: new Backpressure({ maxEvents, maxBytes, pending: () => pending.n }), pending }
}

t.test('under both bounds reading goes on at once', async (t) => {
  const { g, pending } = gate()
  pending.n = 9
  g.added(999)
  await g.wait()
  t.equal(g.waiting, false)
})

t.test('at the event bound reading waits until delivery brings it to half', async (t) => {
  const { g, pending } = gate()
  pending.n = 10
  let resumed = false
  const w = g.wait().then(() => { resumed = true })
  await turn()
  t.equal(g.waiting, true)
  pending.n = 6
  g.freed(0)
  await turn()
  t.equal(resumed, false, 'above half: still waiting (not one read per delivered batch)')
  pending.n = 5
  g.freed(0)
  await w
  t.equal(resumed, true)
})

t.test('at the byte bound reading waits until the bytes are at half', async (t) => {
  const { g } = gate()
  g.added(1000)
  t.equal(g.pendingBytes, 1000)
  let resumed = false
  const w = g.wait().then(() => { resumed = true })
  g.freed(400)
  await turn()
  t.equal(resumed, false)
  g.freed(100)
  await w
  t.equal(g.pendingBytes, 500)
})

t.test('release() lets a waiting reader go (stopping)', async (t) => {
  const { g, pending } = gate()
  pending.n = 100
  const w = g.wait()
  g.release()
  await w
  t.equal(g.waiting, false)
  g.release()
  t.pass('releasing with no reader waiting is harmless')
})
