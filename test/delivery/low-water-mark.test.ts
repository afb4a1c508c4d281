import t from 'tap'
import { LowWaterMark, type MarkedRecord } from '../../src/delivery/low-water-mark.js'
import type { SourceFile, SourcePosition } from '../../src/source/source.js'

const A: SourceFile = { path: '/log/audit.log.1', identity: { dev: 1, ino: 10, fingerprint: 'aa' } }
const B: SourceFile = { path: '/log/audit.log', identity: { dev: 1, ino: 11, fingerprint: 'bb' } }

function harness (): { m: LowWaterMark, held: { r: MarkedRecord | undefined }, read: { p: SourcePosition | null } } {
  const held: { r: MarkedRecord | undefined } = { r: undefined }
  const read: { p: SourcePosition | null } = { p: { ...B, offset: 900 } }
  return { m: new LowWaterMark({ held: () => held.r, read: () => read.p }), held, read }
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
  const e1 = m.open({ seq: 5, gen: gA, offset: 300, sec: 1000 }, 2)
  held.r = { seq: 7, gen: gB, offset: 40, sec: 1001 }
  t.same(m.position(), { ...A, offset: 300 }, 'the event (seq 5) was read first: in the older file')
  t.equal(m.settle(e1), false, 'one sink of two')
  t.same(m.position(), { ...A, offset: 300 })
  t.equal(m.settle(e1), true)
  t.equal(m.pending, 0)
  t.same(m.position(), { ...B, offset: 40 }, 'then the record still being assembled')
  held.r = undefined
  t.same(m.position(), { ...B, offset: 900 })
})

t.test('lag: age of the mark and bytes behind reading (in the same file, else the read offset)', async (t) => {
  const { m, held } = harness()
  const gA = m.generation(A)
  const gB = m.generation(B)
  held.r = { seq: 9, gen: gB, offset: 100, sec: 1000 }
  t.same(m.lag(1010_000), { seconds: 10, bytes: 800 })
  m.open({ seq: 3, gen: gA, offset: 50, sec: 990 }, 1)
  t.same(m.lag(1010_000), { seconds: 20, bytes: 900 }, 'the mark in another file: the read offset, a lower bound')
  t.same(m.lag(900_000), { seconds: 0, bytes: 900 }, 'never negative')
})

t.test('a source that cannot resume: no position, no lag', async (t) => {
  const { m, read } = harness()
  read.p = null
  m.open({ seq: 1, gen: m.generation(A), offset: 0, sec: 1 }, 1)
  t.equal(m.position(), null)
  t.same(m.lag(), { seconds: 0, bytes: 0 })
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
  const e2 = m.open({ seq: 3, gen: gB, offset: 300, sec: 1 }, 1)
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
