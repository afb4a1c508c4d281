import t from 'tap'
import { LowWaterMark, type MarkedRecord } from '../../src/delivery/low-water-mark.js'
import type { SourceFile, SourcePosition } from '../../src/source/source.js'

const A: SourceFile = { path: '/log/audit.log.1', identity: { dev: 1, ino: 10, fingerprint: 'aa' } }
const B: SourceFile = { path: '/log/audit.log', identity: { dev: 1, ino: 11, fingerprint: 'bb' } }

function harness (): { m: LowWaterMark, held: { r: MarkedRecord | undefined }, read: { p: SourcePosition | null }, clock: { ms: number } } {
  const held: { r: MarkedRecord | undefined } = { r: undefined }
  const read: { p: SourcePosition | null } = { p: { ...B, offset: 900 } }
  const clock = { ms: 1_000_000 }
  return { m: new LowWaterMark({ held: () => held.r, read: () => read.p, now: () => clock.ms }), held, read, clock }
}

t.test('file generations: a new one each time reading moves to another file', async (t) => {
  const { m } = harness()
  t.equal(m.generation(A), 0)
  t.equal(m.generation({ ...A }), 0, 'same file, same generation')
  t.equal(m.generation(B), 1)
  t.equal(m.generation({ ...B, identity: { ...B.identity, fingerprint: 'bbcc' } }), 2, 'a grown fingerprint is a new generation (its identity is what a checkpoint names)')
})

t.test('nothing open: the checkpoint is where reading stands, and there is no lag', async (t) => {
  const { m } = harness()
  t.same(m.position(), { ...B, offset: 900 })
  t.same(m.lag(), { seconds: 0, bytes: 0 })
})

t.test('the mark is the earlier in read order of the held record and the oldest unsettled event', async (t) => {
  const { m, held } = harness()
  const gA = m.generation(A)
  const gB = m.generation(B)
  const e1 = m.open({ seq: 5, gen: gA, offset: 300 }, 2)
  held.r = { seq: 7, gen: gB, offset: 40 }
  t.same(m.position(), { ...A, offset: 300 }, 'the event (seq 5) was read first: in the older file')
  t.equal(m.settle(e1), false, 'one sink of two')
  t.same(m.position(), { ...A, offset: 300 })
  t.equal(m.settle(e1), true)
  t.equal(m.pending, 0)
  t.same(m.position(), { ...B, offset: 40 }, 'then the record still being assembled')
  held.r = undefined
  t.same(m.position(), { ...B, offset: 900 })
})

t.test('lag: bytes behind reading (in the same file, else the read offset) and how long the oldest open event has waited', async (t) => {
  const { m, held, clock } = harness()
  const gA = m.generation(A)
  const gB = m.generation(B)
  held.r = { seq: 9, gen: gB, offset: 100 }
  t.same(m.lag(), { seconds: 0, bytes: 800 }, 'a record being assembled: behind in bytes, nothing waits for delivery')
  const e = m.open({ seq: 3, gen: gA, offset: 50 }, 1)
  clock.ms += 10_000
  t.same(m.lag(), { seconds: 10, bytes: 900 }, 'the mark in another file: the read offset, a lower bound')
  t.same(m.lag(900_000), { seconds: 0, bytes: 900 }, 'never negative')
  m.open({ seq: 12, gen: gB, offset: 300 }, 1)
  clock.ms += 5000
  t.same(m.lag(), { seconds: 15, bytes: 900 }, 'the oldest open event in read order')
  m.settle(e)
  t.same(m.lag(), { seconds: 5, bytes: 800 }, 'then the next one')
})

t.test('backfilling an old log: events years old by their log time are not behind once they are delivering', async (t) => {
  const { m, clock } = harness()
  const g = m.generation(B)
  // log time 2023-11-14, read and handed to the sinks just now (two years later)
  clock.ms = 1_764_405_617_000
  const opened = clock.ms
  const first = { seq: 1, gen: g, offset: 0, sec: 1_700_000_000 }
  const e = m.open(first, 1)
  t.equal(m.lag().seconds, 0, 'not "64405617 s old"')
  m.settle(e)
  const second = { seq: 2, gen: g, offset: 400, sec: 1_700_000_001 }
  m.open(second, 1)
  clock.ms = opened + 1500
  t.same(m.lag(), { seconds: 1.5, bytes: 500 })
})

t.test('a source that cannot resume: no position, no bytes behind; the wait for delivery still counts', async (t) => {
  const { m, read, clock } = harness()
  read.p = null
  m.open({ seq: 1, gen: m.generation(A), offset: 0 }, 1)
  t.equal(m.position(), null)
  clock.ms += 3000
  t.same(m.lag(), { seconds: 3, bytes: 0 })
})

t.test('resume(): the position and the delivered events whose records continue past it, at the same mark', async (t) => {
  const held: { r: MarkedRecord | undefined } = { r: undefined }
  const read: { p: SourcePosition | null } = { p: { ...B, offset: 900 } }
  const firsts: number[] = []
  const m = new LowWaterMark({ held: () => held.r, heldFirsts: () => firsts, read: () => read.p })
  const gB = m.generation(B)
  // event 1 (seq 1 … 6) was delivered; event 2 (seq 3, offset 300) is not: the checkpoint is at
  // event 2, and event 1's records after it (its last at offset 600) are listed
  m.tails.add({ key: '1.000:1', firstSeq: 1, last: { seq: 6, gen: gB, offset: 600 }, overlapped: true })
  const e2 = m.open({ seq: 3, gen: gB, offset: 300 }, 1)
  t.same(m.resume(), { position: { ...B, offset: 300 }, skip: [{ event: '1.000:1', file: 0, offset: 600 }] })
  m.settle(e2)
  t.same(m.resume(), { position: { ...B, offset: 900 }, skip: [] }, 'all delivered: resume where reading stands, nothing to leave out')
  read.p = null
  t.same(m.resume(), { position: null, skip: [] }, 'a feed: nothing to resume')
})

t.test('finished(): the list of events that may span a checkpoint is pruned as it grows, between checkpoints', async (t) => {
  const read: { p: SourcePosition | null } = { p: { ...B, offset: 0 } }
  const m = new LowWaterMark({ held: () => undefined, read: () => read.p })
  const g = m.generation(B)
  let most = 0
  // 100,000 interleaved events, all delivered as they come: none can span a later checkpoint
  for (let i = 1; i <= 100_000; i++) {
    m.finished({ key: `1.000:${i}`, firstSeq: 2 * i, last: { seq: 2 * i + 3, gen: g, offset: i * 10 }, overlapped: true })
    most = Math.max(most, m.tails.size)
  }
  t.ok(most <= 1024, `at most ${most} held`)
})
