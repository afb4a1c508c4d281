import t from 'tap'
import { AckPoller } from '../../../../src/ship/sinks/splunk/acks.js'
import type { HttpClient, HttpRequest, HttpResponse } from '../../../../src/ship/http/client.js'
import { settle } from '../../../helpers/fake-sink.js'

// The ack poller alone, on the fake clock: its interval and the ids' deadlines are timers and
// Date.now; the indexers are a fake client whose polls the test answers (or leaves hanging).

interface Poll { endpoint: number, ids: number[], answer: (r: Partial<HttpResponse> | Error) => void }

function fakeClient (): { client: HttpClient, polls: Poll[] } {
  const polls: Poll[] = []
  const send = async (req: HttpRequest): Promise<HttpResponse> => await new Promise<HttpResponse>((resolve, reject) => {
    const ids = (JSON.parse((req.body ?? Buffer.from('{}')).toString()) as { acks: number[] }).acks
    polls.push({
      endpoint: req.endpoint ?? -1,
      ids,
      answer: (r) => { if (r instanceof Error) reject(r); else resolve({ status: 200, headers: {}, body: '', endpoint: req.endpoint ?? 0, retryAfterMs: undefined, ...r }) },
    })
  })
  return { client: { send } as unknown as HttpClient, polls }
}

const acks = (m: Record<number, boolean>): Partial<HttpResponse> => ({ body: JSON.stringify({ acks: m }) })

function poller (client: HttpClient, disabled = (): void => {}): AckPoller {
  return new AckPoller({ client, channel: 'c', headers: {}, intervalMs: 100, disabled })
}

/** Watch a promise's outcome without awaiting it. */
function watch<T> (p: Promise<T>): { value: T | undefined } {
  const w: { value: T | undefined } = { value: undefined }
  void p.then((v) => { w.value = v })
  return w
}

t.test('ids are polled on the interval, all of an endpoint in one poll, and resolve true once acknowledged', async (t) => {
  t.clock.enter()
  const { client, polls } = fakeClient()
  const p = poller(client)
  const a = watch(p.wait(0, 1, 10_000))
  const b = watch(p.wait(0, 2, 10_000))
  await settle()
  t.equal(polls.length, 0, 'no poll before the interval')
  t.clock.advance(100)
  await settle()
  t.same(polls.map((q) => [q.endpoint, q.ids]), [[0, [1, 2]]])
  polls[0].answer(acks({ 1: true, 2: false }))
  await settle()
  t.same([a.value, b.value], [true, undefined], 'only the acknowledged id')
  t.clock.advance(100)
  await settle()
  t.same(polls[1].ids, [2], 'an acknowledged id is not asked for again')
  polls[1].answer(acks({ 2: true }))
  await settle()
  t.equal(b.value, true)
  t.equal(p.size, 0)
  t.clock.advance(1000)
  await settle()
  t.equal(polls.length, 2, 'nothing pending: no more polls')
  t.equal(t.clock.timers.size, 0, 'and no interval left running')
  t.same(p.stats, { polls: 2, acked: 2, timedOut: 0 })
})

t.test('an id not acknowledged by its deadline resolves false, not before', async (t) => {
  t.clock.enter()
  const { client, polls } = fakeClient()
  const p = poller(client)
  const a = watch(p.wait(0, 7, 1000))
  for (let ms = 100; ms <= 900; ms += 100) {
    t.clock.advance(100)
    await settle()
    polls[polls.length - 1].answer(acks({ 7: false }))
    await settle()
  }
  t.equal(a.value, undefined, 'still waiting at 900 ms')
  t.clock.advance(100)
  await settle()
  polls[polls.length - 1].answer(acks({ 7: false }))
  await settle()
  t.equal(a.value, false, 'false at the deadline: the batch is resent')
  t.equal(p.stats.timedOut, 1)
})

t.test('a failed poll keeps the ids pending; the next poll can still acknowledge them', async (t) => {
  t.clock.enter()
  const { client, polls } = fakeClient()
  const p = poller(client)
  const a = watch(p.wait(0, 3, 10_000))
  t.clock.advance(100)
  await settle()
  polls[0].answer(new Error('connection reset'))
  await settle()
  t.equal(a.value, undefined)
  t.clock.advance(100)
  await settle()
  polls[1].answer({ status: 503, body: 'busy' })
  await settle()
  t.equal(a.value, undefined, 'an answer that is not a list of acks changes nothing')
  t.clock.advance(100)
  await settle()
  polls[2].answer(acks({ 3: true }))
  await settle()
  t.equal(a.value, true)
})

t.test('an endpoint whose poll hangs does not hold up the acks of another', async (t) => {
  t.clock.enter()
  const { client, polls } = fakeClient()
  const p = poller(client)
  const a = watch(p.wait(0, 1, 1000))
  const b = watch(p.wait(1, 1, 1000))
  t.clock.advance(100)
  await settle()
  t.same(polls.map((q) => [q.endpoint, q.ids]), [[0, [1]], [1, [1]]], 'one poll per endpoint, same id on each')
  polls[1].answer(acks({ 1: true }))
  await settle()
  t.same([a.value, b.value], [undefined, true], 'B acknowledged while A\'s poll hangs')
  t.clock.advance(100)
  await settle()
  t.equal(polls.length, 2, 'no second poll to A while its first is in flight')
  polls[0].answer(acks({}))
  await settle()
  t.equal(a.value, undefined)
})

t.test('"ACK is disabled" (code 14): the token has no useACK, the waiting ids count as delivered', async (t) => {
  t.clock.enter()
  const { client, polls } = fakeClient()
  let disabled = 0
  const p = poller(client, () => { disabled++ })
  const a = watch(p.wait(0, 1, 10_000))
  t.clock.advance(100)
  await settle()
  polls[0].answer({ status: 400, body: '{"text":"ACK is disabled","code":14}' })
  await settle()
  t.equal(a.value, true)
  t.equal(disabled, 1)
})

t.test('close() resolves every waiting id false at once and stops polling; later waits are false', async (t) => {
  t.clock.enter()
  const { client, polls } = fakeClient()
  const p = poller(client)
  const a = watch(p.wait(0, 1, 60_000))
  const b = watch(p.wait(1, 2, 60_000))
  await settle()
  p.close()
  await settle()
  t.same([a.value, b.value], [false, false], 'not known to be indexed')
  t.equal(await p.wait(0, 3, 60_000), false)
  t.clock.advance(1000)
  await settle()
  t.equal(polls.length, 0, 'no poll after close')
  t.equal(t.clock.timers.size, 0, 'no timer left')
})

t.test('waiting again for the same id replaces the older wait, which resolves false', async (t) => {
  t.clock.enter()
  const { client, polls } = fakeClient()
  const p = poller(client)
  const first = watch(p.wait(0, 5, 10_000))
  const second = watch(p.wait(0, 5, 10_000))
  await settle()
  t.equal(first.value, false)
  t.clock.advance(100)
  await settle()
  polls[0].answer(acks({ 5: true }))
  await settle()
  t.equal(second.value, true)
  p.close()
})
