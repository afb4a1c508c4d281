import t from 'tap'
import { AckTracker } from '../../src/delivery/ack-tracker.js'

t.test('the low-water mark is the oldest event not settled by every sink', async (t) => {
  const a = new AckTracker()
  const e1 = a.openEvent(1, { gen: 0, offset: 0 }, 2)
  const e3 = a.openEvent(3, { gen: 0, offset: 200 }, 2)
  const e2 = a.openEvent(2, { gen: 0, offset: 100 }, 2)
  t.equal(a.oldest()?.seq, 1)
  t.equal(a.settle(e1), false, 'one of two sinks')
  t.equal(a.oldest()?.seq, 1, 'still waiting for the second sink')
  t.equal(a.settle(e1), true)
  t.equal(a.oldest()?.seq, 2)
  a.settle(e3); a.settle(e3)
  t.equal(a.oldest()?.offset, 100, 'settling a later event does not move the mark past an earlier one')
  a.settle(e2); a.settle(e2)
  t.equal(a.oldest(), undefined)
  t.equal(a.pending, 0)
  t.equal(a.settle(e2), true, 'settling twice is harmless')
})

t.test('random settle order: the mark always equals the true minimum', async (t) => {
  const a = new AckTracker()
  const tickets = []
  for (let i = 1; i <= 2000; i++) tickets.push(a.openEvent(i * 3, { gen: i >> 8, offset: i }, 1))
  let s = 7
  const order = tickets.slice().sort(() => { s = (s * 1103515245 + 12345) & 0x7fffffff; return (s & 1) === 0 ? -1 : 1 })
  const open = new Set(tickets.map((x) => x.seq))
  let ok = true
  for (const x of order) {
    a.settle(x)
    open.delete(x.seq)
    const min = open.size === 0 ? undefined : Math.min(...open)
    if (a.oldest()?.seq !== min) { ok = false; break }
  }
  t.ok(ok)
})
