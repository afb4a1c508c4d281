import t from 'tap'
import { IdleClock } from '../../src/source/idle-clock.js'

t.test('counts only the time between waiting() and got(), a wait in progress included', async (t) => {
  let now = 1000
  const c = new IdleClock(() => now)
  t.equal(c.now(), 0, 'starts at 0')
  now += 500
  t.equal(c.now(), 0, 'time outside a wait does not count')
  c.waiting()
  now += 300
  t.equal(c.now(), 300, 'a wait in progress counts')
  c.waiting()
  now += 200
  t.equal(c.now(), 500, 'waiting() again in the same wait does not restart it')
  c.got()
  now += 10_000
  t.equal(c.now(), 500, 'stands still after got()')
  c.got()
  t.equal(c.now(), 500, 'got() without a wait is harmless')
  c.waiting()
  now += 50
  c.got()
  t.equal(c.now(), 550, 'waits add up')
})
