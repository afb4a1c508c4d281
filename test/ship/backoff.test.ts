import t from 'tap'
import { exponentialMs, retryDelayMs, RETRY_AFTER_CAP_MS } from '../../src/ship/backoff.js'

const p = { initialMs: 100, maxMs: 30_000 }

t.test('the bound doubles per failure in a row, from initial up to max', async (t) => {
  t.same([1, 2, 3, 4, 5].map((n) => exponentialMs(n, p)), [100, 200, 400, 800, 1600])
  t.equal(exponentialMs(9, p), 25_600)
  t.equal(exponentialMs(10, p), 30_000, 'capped')
  t.equal(exponentialMs(10_000, p), 30_000, 'no overflow after many failures')
  t.equal(exponentialMs(0, p), 100, 'before any failure: the initial wait')
  t.same([1, 2, 5, 6, 7].map((n) => exponentialMs(n, { initialMs: 1000, maxMs: 30_000 })), [1000, 2000, 16_000, 30_000, 30_000], 'the endpoint skip: 1 s … 30 s')
})

t.test('full jitter: anywhere in [0, bound)', async (t) => {
  t.equal(retryDelayMs(3, p, undefined, () => 0), 0)
  t.equal(retryDelayMs(3, p, undefined, () => 0.5), 200)
  t.ok(retryDelayMs(3, p, undefined, () => 0.9999) < 400)
  for (let i = 0; i < 200; i++) {
    const d = retryDelayMs(4, p, undefined)
    if (d < 0 || d >= 800) t.fail(`out of range: ${d}`)
  }
  t.pass('Math.random by default, within the bound')
})

t.test('at least the peer\'s Retry-After, at most five minutes of it', async (t) => {
  t.equal(retryDelayMs(1, p, 5000, () => 0.5), 5000, 'Retry-After is longer than the backoff')
  t.equal(retryDelayMs(10, p, 1000, () => 0.5), 15_000, 'the backoff is longer than Retry-After')
  t.equal(retryDelayMs(1, p, 3_600_000, () => 0), RETRY_AFTER_CAP_MS)
  t.equal(RETRY_AFTER_CAP_MS, 300_000)
  t.equal(retryDelayMs(1, p, 0, () => 0.5), 50, 'Retry-After: 0 changes nothing')
})
