import t from 'tap'
import { SinkStatus, UNHEALTHY_AFTER } from '../../src/ship/sink-status.js'
import { SinkError } from '../../src/ship/sink.js'
import { SinkErrors } from '../../src/errors.js'

t.test('transient failures: healthy until several in a row, healthy again after a success', async (t) => {
  const s = new SinkStatus()
  t.equal(s.healthy, true)
  for (let i = 1; i < UNHEALTHY_AFTER; i++) {
    s.failed(new SinkError(SinkErrors.SERVER, 'HTTP 503'))
    t.equal(s.healthy, true, `${i} failure(s): retrying within the budget`)
  }
  s.failed(new SinkError(SinkErrors.TIMEOUT, 'slow'))
  t.equal(s.healthy, false)
  t.match(s.lastError, /^AS_SINK_TIMEOUT: /)
  s.succeeded()
  t.equal(s.healthy, true)
  t.equal(s.lastError, undefined)
  t.same([s.stats.failures, [...s.stats.failuresByCode]], [UNHEALTHY_AFTER, [['AS_SINK_SERVER', UNHEALTHY_AFTER - 1], ['AS_SINK_TIMEOUT', 1]]], 'the totals stay')
})

t.test('an error of kind blocked (credentials, settings) makes the sink unhealthy at once', async (t) => {
  for (const def of [SinkErrors.AUTH, SinkErrors.CONFIG]) {
    t.equal(def.kind, 'blocked')
    const s = new SinkStatus()
    s.failed(new SinkError(def, 'HTTP 401'))
    t.equal(s.healthy, false, def.code)
    s.failed(new SinkError(SinkErrors.SERVER, 'HTTP 503'))
    t.equal(s.healthy, true, 'the last failure decides: a 5xx is transient again')
  }
})

t.test('totals', async (t) => {
  const s = new SinkStatus()
  s.delivered(10)
  s.delivered(3)
  s.rejected(2)
  s.retrying()
  t.same({ ...s.stats, failuresByCode: [...s.stats.failuresByCode] }, { batches: 2, events: 13, failures: 0, retries: 1, rejected: 2, failuresByCode: [] })
})
