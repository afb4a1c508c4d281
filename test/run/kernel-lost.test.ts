import t from 'tap'
import { KernelLost, parseLost } from '../../src/run/kernel-lost.js'
import { lossCheck, withKernelLost } from '../../src/run/readiness.js'

const STATUS = 'enabled 1\nfailure 1\npid 612\nrate_limit 0\nbacklog_limit 8192\nlost 42\nbacklog 0\nbacklog_wait_time 60000\n'

t.test('parseLost reads the lost line of auditctl -s, nothing else', async (t) => {
  t.equal(parseLost(STATUS), 42)
  t.equal(parseLost('enabled 1\nlost 0\n'), 0)
  t.equal(parseLost('enabled 1\nbacklog 0\n'), undefined, 'no lost line')
  t.equal(parseLost('lost many\n'), undefined, 'not a number')
  t.equal(parseLost('lostx 3\n'), undefined, 'another key')
})

t.test('asked at most every minIntervalMs, one run at a time; after a failure not again for retryMs', async (t) => {
  let now = 0
  let runs = 0
  let answer: string | Error = STATUS
  const k = new KernelLost({ now: () => now, minIntervalMs: 1000, retryMs: 60_000, status: async () => { runs++; if (answer instanceof Error) throw answer; return answer } })
  t.same(await Promise.all([k.read(), k.read()]), [42, 42])
  t.equal(runs, 1, 'two reads at once: one run')
  now = 500
  answer = STATUS.replace('lost 42', 'lost 50')
  t.equal(await k.read(), 42, 'within the interval: the last answer')
  t.equal(runs, 1)
  now = 1000
  t.equal(await k.read(), 50, 'due: asked again')
  answer = new Error('auditctl: Operation not permitted')
  now = 2000
  t.equal(await k.read(), undefined, 'cannot be asked: unknown, not the old value')
  now = 30_000
  t.equal(await k.read(), undefined)
  t.equal(runs, 3, 'not asked again before retryMs')
  answer = STATUS
  now = 62_000
  t.equal(await k.read(), 42)
})

t.test('the loss check of /readyz names the kernel count above 0, and stays ok', async (t) => {
  const quiet = lossCheck({ kernelLost: 0, messages: new Map(), serialGaps: 0, missingSerials: 0 })
  t.same(withKernelLost(quiet, undefined), quiet)
  t.same(withKernelLost(quiet, 0), quiet)
  t.same(withKernelLost(quiet, 42), { ok: true, detail: 'the kernel has lost 42 audit records since boot (auditctl -s)' })
  const seen = lossCheck({ kernelLost: 0, messages: new Map(), serialGaps: 1, missingSerials: 3 })
  t.match(withKernelLost(seen, 5).detail, /^since start: 1 serial gaps, 3 serials missing .*; the kernel has lost 5 audit records since boot \(auditctl -s\)$/)
})
