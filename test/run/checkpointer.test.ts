import t from 'tap'
import { Checkpointer, type CheckpointerOptions } from '../../src/run/checkpointer.js'
import type { CheckpointState } from '../../src/delivery/checkpoint-store.js'

const at = (offset: number): CheckpointState => ({ position: { path: '/a', identity: { dev: 1, ino: 2, fingerprint: '' }, offset }, teleport: null })

/** A store whose saves finish when the test says so. */
function harness (o: Partial<CheckpointerOptions> = {}): { c: Checkpointer, saves: CheckpointState[], finish: () => void, steps: string[], state: { offset: number, failed: boolean } } {
  const saves: CheckpointState[] = []
  const waiting: Array<() => void> = []
  const steps: string[] = []
  const state = { offset: 0, failed: false }
  const c = new Checkpointer({
    intervalMs: 1000,
    state: () => at(state.offset),
    save: async (s) => { steps.push('save'); saves.push(s); await new Promise<void>((resolve) => waiting.push(resolve)) },
    beforeSave: () => { steps.push('sync dead letters') },
    failed: () => state.failed,
    onError: () => {},
    ...o,
  })
  return { c, saves, finish: () => { for (const w of waiting.splice(0)) w() }, steps, state }
}

/** Let the promise chains run (no timers: works on the fake clock too). */
const turn = async (): Promise<void> => { for (let i = 0; i < 50; i++) await Promise.resolve() }

t.test('saves on the interval; a tick while a save runs is skipped, not queued', async (t) => {
  t.clock.enter()
  const h = harness()
  h.c.start()
  t.clock.advance(999)
  await turn()
  t.equal(h.saves.length, 0)
  t.clock.advance(1)
  await turn()
  t.equal(h.saves.length, 1, 'first tick')
  h.state.offset = 10
  t.clock.advance(3000) // three ticks while the first save is still writing
  await turn()
  t.equal(h.saves.length, 1, 'no second save while one runs')
  h.finish()
  await turn()
  t.clock.advance(1000)
  await turn()
  t.same(h.saves.map((s) => s.position?.offset), [0, 10], 'the next tick saves the new state')
  t.same(h.steps, ['sync dead letters', 'save', 'sync dead letters', 'save'], 'dead letters made durable before each save')
  h.finish()
  h.c.stop()
  t.clock.advance(5000)
  await turn()
  t.equal(h.saves.length, 2, 'no tick after stop()')
})

t.test('save() waits for the save before it: never two at once', async (t) => {
  const h = harness()
  const first = h.c.save()
  await turn()
  t.equal(h.saves.length, 1)
  h.state.offset = 5
  const second = h.c.save()
  await turn()
  t.equal(h.saves.length, 1, 'the second waits')
  h.finish()
  await first
  await turn()
  t.equal(h.saves.length, 2)
  h.finish()
  await second
  t.equal(h.c.saved, 2)
  t.same(h.saves.map((s) => s.position?.offset), [0, 5], 'each save takes the state when it starts')
})

t.test('an unchanged state is not written again', async (t) => {
  const h = harness()
  const p = h.c.save()
  await turn()
  h.finish()
  await p
  await h.c.save()
  t.equal(h.saves.length, 1)
  t.equal(h.c.saved, 1)
})

t.test('no tick saves once processing failed', async (t) => {
  t.clock.enter()
  const h = harness()
  h.state.failed = true
  h.c.start()
  t.clock.advance(5000)
  await turn()
  t.equal(h.saves.length, 0)
  h.c.stop()
})

t.test('a failed save on a tick is reported, and the next tick tries again', async (t) => {
  t.clock.enter()
  const errors: string[] = []
  let fail = true
  const saved: CheckpointState[] = []
  const c = new Checkpointer({
    intervalMs: 1000,
    state: () => at(1),
    save: async (s) => { if (fail) throw new Error('ENOSPC'); saved.push(s) },
    beforeSave: () => {},
    failed: () => false,
    onError: (err) => errors.push(err.message),
  })
  c.start()
  t.clock.advance(1000)
  await turn()
  t.same(errors, ['ENOSPC'])
  t.equal(c.saved, 0)
  fail = false
  t.clock.advance(1000)
  await turn()
  t.equal(saved.length, 1, 'saved on the next tick')
  t.equal(c.saved, 1)
  await c.settled()
  c.stop()
})

t.test('failingSince: when saves started failing, kept while they fail, cleared by the next save that works', async (t) => {
  t.clock.enter()
  let fail = true
  let offset = 1
  const c = new Checkpointer({
    intervalMs: 1000,
    state: () => at(offset),
    save: async () => { if (fail) throw new Error('EROFS: read-only file system') },
    beforeSave: () => {},
    failed: () => false,
    onError: () => {},
  })
  t.equal(c.failingSince, undefined)
  c.start()
  t.clock.advance(1000)
  await turn()
  const since = Date.now()
  t.equal(c.failingSince, since, 'the first failed save')
  t.equal(c.lastError, 'EROFS: read-only file system')
  t.clock.advance(3000)
  await turn()
  t.equal(c.failingSince, since, 'still the first failure, not the latest')
  fail = false
  offset = 2
  t.clock.advance(1000)
  await turn()
  t.equal(c.failingSince, undefined)
  t.equal(c.lastError, undefined)
  c.stop()
})

t.test('failing with nothing left to save: what is on disk is current, so nothing is failing', async (t) => {
  let fail = false
  let offset = 1
  const c = new Checkpointer({ intervalMs: 1000, state: () => at(offset), save: async () => { if (fail) throw new Error('EIO') }, beforeSave: () => {}, failed: () => false, onError: () => {} })
  await c.save()
  fail = true
  offset = 2
  await t.rejects(c.save())
  t.not(c.failingSince, undefined)
  offset = 1
  await c.save()
  t.equal(c.failingSince, undefined)
})

t.test('saved(): each checkpoint written, with how long it took', async (t) => {
  const saved: Array<[number | undefined, number]> = []
  let now = 100
  const c = new Checkpointer({
    intervalMs: 1000,
    state: () => at(7),
    save: async () => { now += 25 },
    beforeSave: () => {},
    failed: () => false,
    onError: () => {},
    saved: (s, ms) => saved.push([s.position?.offset, ms]),
    now: () => now,
  })
  await c.save()
  await c.save()
  t.same(saved, [[7, 25]], 'an unchanged state is not written, nor reported')
})

t.test('saves that keep failing: how long is exposed, reported at the start and then at most every reportEveryMs, recovery said once', async (t) => {
  t.clock.enter()
  const t0 = Date.now()
  const log: string[] = []
  let fail = true
  let offset = 1
  const c = new Checkpointer({
    intervalMs: 1000,
    state: () => at(offset),
    save: async () => { if (fail) throw new Error('EROFS') },
    beforeSave: () => {},
    failed: () => false,
    onError: (err, ms) => log.push(`${err.message} ${ms}`),
    onRecovered: (ms) => log.push(`recovered after ${ms}`),
    reportEveryMs: 10_000,
  })
  t.equal(c.failingSince, undefined)
  t.equal(c.failingMs(), 0)
  c.start()
  t.clock.advance(1000)
  await turn()
  t.equal(c.failingSince, t0 + 1000, 'failing since the first failed save')
  t.equal(c.lastError, 'EROFS')
  for (let i = 0; i < 14; i++) { offset++; t.clock.advance(1000); await turn() }
  t.equal(c.failingMs(), 14_000, 'the time since the first failure, not since the last')
  t.same(log, ['EROFS 0', 'EROFS 10000'], 'reported when it begins, then every 10 s, not at every tick')
  fail = false
  t.clock.advance(1000)
  await turn()
  t.same(log.slice(2), ['recovered after 15000'])
  t.equal(c.failingSince, undefined, 'working again')
  t.equal(c.lastError, undefined)
  t.equal(c.saved, 1)
  fail = true
  offset++
  t.clock.advance(1000)
  await turn()
  t.same(log.slice(3), ['EROFS 0'], 'a new run of failures is reported at once')
  await c.settled()
  c.stop()
})

t.test('version: while it is unchanged since the last save that worked, the state is not even built', async (t) => {
  let built = 0
  let version = 'v1'
  let fail = false
  const saves: CheckpointState[] = []
  const state = { offset: 0 }
  const c = new Checkpointer({
    intervalMs: 1000,
    state: () => { built++; return at(state.offset) },
    version: () => version,
    save: async (s) => { if (fail) throw new Error('disk full'); saves.push(s) },
    beforeSave: () => {},
    failed: () => false,
    onError: () => {},
  })
  await c.save()
  t.equal(built, 1)
  await c.save()
  await c.save()
  t.equal(built, 1, 'idle ticks: no state built, nothing saved')
  t.equal(saves.length, 1)
  version = 'v2'; state.offset = 7
  await c.save()
  t.equal(built, 2)
  t.same(saves.map((s) => s.position?.offset), [0, 7])
  version = 'v3'; state.offset = 9; fail = true
  await t.rejects(c.save())
  fail = false
  await c.save()
  t.equal(built, 4, 'after a failed save the state is built again although the version did not move')
  t.same(saves.map((s) => s.position?.offset), [0, 7, 9])
})

t.test('soon(): a save shortly after a delivery, at most one per soonMs (the fsync rate is bounded); nothing without soonMs', async (t) => {
  t.clock.enter()
  const h = harness({ intervalMs: 60_000, soonMs: 200 })
  h.c.start()
  h.state.offset = 1
  h.c.soon()
  t.clock.advance(1)
  await turn()
  t.equal(h.saves.length, 1, 'the first delivery is saved at once')
  h.finish()
  await turn()
  h.state.offset = 2
  for (let i = 0; i < 10; i++) h.c.soon() // many deliveries: one timer
  t.clock.advance(198)
  await turn()
  t.equal(h.saves.length, 1, 'not within 200 ms of the last save')
  t.clock.advance(2)
  await turn()
  t.equal(h.saves.length, 2, 'then once, 200 ms after the last save began')
  t.same(h.saves[1], at(2))
  h.finish()
  await turn()
  h.c.stop()
  h.state.offset = 3
  h.c.soon()
  t.clock.advance(1000)
  await turn()
  t.equal(h.saves.length, 2, 'none after stop()')

  const none = harness({ intervalMs: 60_000 })
  none.c.start()
  none.state.offset = 5
  none.c.soon()
  t.clock.advance(1000)
  await turn()
  t.equal(none.saves.length, 0, 'without soonMs only the interval saves')
  none.c.stop()
})

/** A harness on the fake clock whose state takes `ms` to build (added to the checkpointer's clock as it runs); costs() changes it. */
function costly (o: Partial<CheckpointerOptions>, ms: number): { h: ReturnType<typeof harness>, costs: (ms: number) => void } {
  let spent = 0
  let cost = ms
  const h = harness({ ...o, now: () => Date.now() + spent, state: () => { spent += cost; return at(h.state.offset) } })
  return { h, costs: (c) => { cost = c } }
}

t.test('maxShare: after a save whose own work took c ms, ticks and soon() wait c / maxShare ms from its start; save() does not', async (t) => {
  t.clock.enter()
  const { h, costs } = costly({ intervalMs: 1000, soonMs: 200 }, 40)
  h.c.start()
  const savesAt: number[] = []
  const step = async (ms: number): Promise<void> => {
    for (let i = 0; i < ms / 100; i++) {
      h.state.offset++
      const before = h.saves.length
      t.clock.advance(100)
      await turn()
      if (h.saves.length > before) { savesAt.push(Date.now()); h.finish(); await turn() }
    }
  }
  await step(5000)
  // 40 ms of work per save at 2 %: one every 2 s of the 1 s ticks
  t.ok(savesAt.length >= 2 && savesAt.length <= 3, `a costly state is saved every ~2 s (${savesAt.join(', ')})`)
  for (let i = 1; i < savesAt.length; i++) t.ok(savesAt[i] - savesAt[i - 1] >= 1900, `${savesAt[i] - savesAt[i - 1]} ms apart`)

  // soon() after a delivery waits as long
  const n = h.saves.length
  h.c.soon()
  t.clock.advance(1000)
  await turn()
  t.equal(h.saves.length, n, 'soon() is held back as well')

  // shutdown's save is never held back
  h.state.offset = 1_000_000
  const done = h.c.save()
  await turn()
  t.equal(h.saves.length, n + 1, 'save() saves at once')
  h.finish()
  await done

  // a cheap state: every tick saves, as before
  costs(0)
  t.clock.advance(3000)
  await turn()
  h.finish()
  await turn()
  savesAt.length = 0
  await step(3000)
  t.equal(savesAt.length, 3, 'a cheap state is saved on every tick')
  h.c.stop()
})

t.test('maxShare: a save after a delivery armed before a costly tick waits for that save\'s share too', async (t) => {
  t.clock.enter()
  const { h, costs } = costly({ intervalMs: 300, soonMs: 500 }, 0)
  h.c.start()
  h.state.offset = 1
  t.clock.advance(300) // tick at 300: a cheap save
  await turn(); h.finish(); await turn()
  t.equal(h.saves.length, 1)
  costs(40)
  h.state.offset = 2
  t.clock.advance(50)
  h.c.soon() // armed for 800 (500 ms after the save at 300)
  t.clock.advance(250) // tick at 600: a costly save (40 ms: the next not before 2600)
  await turn(); h.finish(); await turn()
  t.equal(h.saves.length, 2)
  h.state.offset = 3
  t.clock.advance(300) // 900: the armed save came due at 800
  await turn()
  t.equal(h.saves.length, 2, 'the save armed before the costly one waits for its share')
  t.clock.advance(1800) // 2700
  await turn()
  t.equal(h.saves.length, 3, 'then it saves')
  t.same(h.saves[2], at(3))
  h.finish()
  h.c.stop()
})
