import t from 'tap'
import { SinkMarks, type GenPosition } from '../../src/delivery/sink-marks.js'
import { LowWaterMark, type MarkedRecord } from '../../src/delivery/low-water-mark.js'
import type { SourceFile } from '../../src/source/source.js'

const file: SourceFile = { path: '/a', identity: { dev: 1, ino: 2, fingerprint: 'ab' } }

t.test('each sink has its own position: its oldest unsettled event, else the held records, else reading', async (t) => {
  const m = new SinkMarks(2)
  const places = new Map<number, GenPosition>([[1, { gen: 0, offset: 0 }], [2, { gen: 0, offset: 100 }], [3, { gen: 1, offset: 10 }]])
  const at = (seq: number): GenPosition => places.get(seq) as GenPosition
  const read = { gen: 1, offset: 50 }
  for (const seq of [1, 2, 3]) { m.open(0, seq); m.open(1, seq) }
  m.settle(1, 1)
  m.settle(1, 2)
  t.same(m.positions(at, undefined, read), [{ gen: 0, offset: 0 }, { gen: 1, offset: 10 }])
  m.settle(1, 3)
  t.same(m.positions(at, undefined, read), [{ gen: 0, offset: 0 }, read], 'nothing open for sink 1: where reading stands')
  t.same(m.positions(at, { seq: 4, pos: { gen: 1, offset: 20 } }, read), [{ gen: 0, offset: 0 }, { gen: 1, offset: 20 }], 'records being assembled hold it back')
  m.settle(0, 2) // out of order: sink 0 still has 1 open
  t.same(m.positions(at, undefined, read)[0], { gen: 0, offset: 0 })
})

t.test('after a restart: an event before a sink\'s floor is skipped for that sink; positions never go back before the floor', async (t) => {
  const m = new SinkMarks(3)
  m.resumeFrom([undefined, { gen: 0, offset: 500 }, { gen: 1, offset: 0 }])
  t.equal(m.skipped({ gen: 0, offset: 100 }), 0b110, 'before both floors')
  t.equal(m.skipped({ gen: 0, offset: 500 }), 0b100, 'at sink 1\'s floor: sink 1 needs it')
  t.equal(m.skipped({ gen: 1, offset: 0 }), 0, 'every sink needs it')
  const read = { gen: 0, offset: 200 }
  t.same(m.positions(() => read, undefined, read), [read, { gen: 0, offset: 500 }, { gen: 1, offset: 0 }], 'the floors, not reading')
  t.same(m.positions(() => read, undefined, { gen: 1, offset: 5 }), [{ gen: 1, offset: 5 }, { gen: 1, offset: 5 }, { gen: 1, offset: 5 }], 'reading passed every floor')
  t.equal(m.skipped({ gen: 0, offset: 0 }), 0, 'the floors are forgotten once passed')
})

t.test('LowWaterMark: openFor() leaves out the sinks that had the event, resume() saves each sink\'s position relative to the checkpoint file', async (t) => {
  let read = { path: '/a', identity: file.identity, offset: 0 }
  let held: MarkedRecord | undefined
  const lwm = new LowWaterMark({ held: () => held, read: () => read, sinks: 2 })
  lwm.resumeSinks([undefined, { file: 0, offset: 300 }], file.identity)
  const gen = lwm.generation(file)
  const a = lwm.openFor({ seq: 1, gen, offset: 100 })
  t.equal(a?.skip, 0b10, 'the second sink had it')
  t.equal(a?.remaining, 1)
  const b = lwm.openFor({ seq: 2, gen, offset: 300 })
  t.equal(b?.skip, 0)
  read = { ...read, offset: 400 }
  held = { seq: 3, gen, offset: 350 }
  t.match(lwm.resume(), { position: { offset: 100 }, sinks: [{ file: 0, offset: 100 }, { file: 0, offset: 300 }] })
  lwm.settle(a!, 0)
  lwm.settle(b!, 1)
  t.match(lwm.resume(), { position: { offset: 300 }, sinks: [{ file: 0, offset: 300 }, { file: 0, offset: 350 }] }, 'the second sink: the held record')
  held = undefined
  lwm.settle(b!, 0)
  t.match(lwm.resume(), { position: { offset: 400 }, sinks: [{ file: 0, offset: 400 }, { file: 0, offset: 400 }] })
  const none = new LowWaterMark({ held: () => undefined, read: () => read, sinks: 2 })
  none.resumeSinks([{ file: 0, offset: 1000 }, { file: 0, offset: 1000 }], file.identity)
  none.generation(file)
  t.equal(none.openFor({ seq: 1, gen: 0, offset: 10 }), undefined, 'every sink had it: not opened at all')
  t.equal(none.pending, 0)
})

t.test('the checkpoint\'s file is gone and reading begins in another: the sinks\' positions are dropped, nothing is left out', async (t) => {
  const read = { path: '/a', identity: file.identity, offset: 0 }
  const lwm = new LowWaterMark({ held: () => undefined, read: () => read, sinks: 2 })
  lwm.resumeSinks([{ file: 0, offset: 1000 }, { file: 1, offset: 10 }], { dev: 1, ino: 99, fingerprint: 'cd' })
  const gen = lwm.generation(file)
  const ticket = lwm.openFor({ seq: 1, gen, offset: 10 })
  t.equal(ticket?.skip, 0, 'sent to both sinks')
  t.equal(ticket?.remaining, 2)
})
