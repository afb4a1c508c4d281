import t from 'tap'
import { Endpoints, type FailoverRules } from '../../../src/ship/http/endpoints.js'
import { SinkError } from '../../../src/ship/sink.js'
import { SinkErrors } from '../../../src/errors.js'
import { nothingSent } from '../../../src/ship/http/classify.js'

const picks = (e: Endpoints, n: number): number[] => Array.from({ length: n }, () => e.pick())

t.test('round-robin over the endpoints', async (t) => {
  t.same(picks(new Endpoints(3), 7), [0, 1, 2, 0, 1, 2, 0])
  t.same(picks(new Endpoints(1), 3), [0, 0, 0])
})

t.test('a failed endpoint is skipped for 1 s, doubling per failure in a row up to 30 s', async (t) => {
  t.clock.enter()
  const e = new Endpoints(2)
  /** ms until endpoint 1 is picked again (by steps of 100 ms) */
  const skippedFor = (): number => {
    let ms = 0
    while (!picks(e, 2).includes(1)) { t.clock.advance(100); ms += 100 }
    return ms
  }
  const seen: number[] = []
  for (let i = 0; i < 7; i++) {
    e.failed(1)
    seen.push(skippedFor())
  }
  t.same(seen, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
  e.ok(1)
  t.same(picks(e, 4).sort(), [0, 0, 1, 1], 'an answer ends the skipping')
})

t.test('when all are skipped, the one back soonest is tried; excluded ones never', async (t) => {
  t.clock.enter()
  const e = new Endpoints(3)
  e.failed(0)
  e.failed(0)
  e.failed(1)
  e.failed(2)
  e.failed(2)
  e.failed(2)
  t.equal(e.pick(), 1, 'skipped for 1 s (0: 2 s, 2: 4 s)')
  t.equal(e.pick(new Set([1])), 0)
  t.equal(e.pick(new Set([0, 1, 2])), -1)
})

/** Rules of the HTTP client: 5xx answers count against the endpoint; connect errors fail over. */
const rules: FailoverRules<number> = { failed: (status) => status >= 500, retryElsewhere: nothingSent }
const refused = (): SinkError => new SinkError(SinkErrors.CONNECT, 'ECONNREFUSED')

t.test('a connect error fails over to the next endpoint at once, each tried once', async (t) => {
  t.clock.enter()
  const e = new Endpoints(3)
  const tried: number[] = []
  t.equal(await e.send(undefined, async (i) => { tried.push(i); if (i < 2) throw refused(); return 200 }, rules), 200)
  t.same(tried, [0, 1, 2])
  tried.length = 0
  const err = await e.send(undefined, async (i) => { tried.push(i); throw refused() }, rules).catch((x: unknown) => x)
  t.equal((err as SinkError).code, 'AS_SINK_CONNECT')
  t.same(tried.sort(), [0, 1, 2], 'no endpoint twice for one request')
})

t.test('a failure after sending (outcome unknown) is the caller\'s: no failover', async (t) => {
  t.clock.enter()
  const e = new Endpoints(2)
  const tried: number[] = []
  const reset = new SinkError(SinkErrors.NETWORK, 'ECONNRESET')
  t.equal(await e.send(undefined, async (i) => { tried.push(i); throw reset }, rules).catch((x: unknown) => x), reset)
  t.same(tried, [0])
  t.same(picks(e, 3), [1, 1, 1], 'but the endpoint is skipped for a while')
})

t.test('a request bound to one endpoint never fails over', async (t) => {
  t.clock.enter()
  const e = new Endpoints(2)
  const tried: number[] = []
  const err = await e.send(1, async (i) => { tried.push(i); throw refused() }, rules).catch((x: unknown) => x)
  t.equal((err as SinkError).code, 'AS_SINK_CONNECT')
  t.same(tried, [1])
  t.equal(await e.send(1, async () => 200, rules), 200, 'sent where it was asked, skipped or not')
})

t.test('a 5xx answer is returned, and its endpoint skipped for a while', async (t) => {
  t.clock.enter()
  const e = new Endpoints(2)
  t.equal(await e.send(undefined, async () => 503, rules), 503)
  t.same(picks(e, 3), [1, 1, 1])
  t.clock.advance(1000)
  t.equal(await e.send(0, async () => 200, rules), 200)
  t.same(picks(e, 2).sort(), [0, 1])
})

t.test('a refusal (the client is closed) stops before the next endpoint, with the last failure', async (t) => {
  t.clock.enter()
  const e = new Endpoints(3)
  let closed = false
  const closedErr = new SinkError(SinkErrors.CONNECT, 'the sink is closed')
  const first = refused()
  const r = { ...rules, refuse: () => closed ? closedErr : undefined }
  const err = await e.send(undefined, async () => { closed = true; throw first }, r).catch((x: unknown) => x)
  t.equal(err, first)
  t.equal(await e.send(undefined, async () => 200, r).catch((x: unknown) => x), closedErr)
})
