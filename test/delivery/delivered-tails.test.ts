import t from 'tap'
import { DeliveredTails } from '../../src/delivery/delivered-tails.js'

const span = (key: string, firstSeq: number, lastSeq: number, gen = 0, offset = lastSeq * 100, overlapped = true): Parameters<DeliveredTails['add']>[0] =>
  ({ key, firstSeq, last: { seq: lastSeq, gen, offset }, overlapped })

t.test('lists the finished events that began before the mark and end after it, their last record counted from the mark\'s file', async (t) => {
  const d = new DeliveredTails()
  d.add(span('1.000:1', 1, 3)) // ends before the mark
  d.add(span('1.000:2', 2, 9, 1, 40)) // spans it; ends in the next file
  d.add(span('1.000:4', 4, 8)) // spans it
  d.add(span('1.000:5', 5, 6)) // the mark's own position: does not span it
  t.same(d.at({ seq: 5, gen: 0 }, [5]), [{ event: '1.000:2', file: 1, offset: 40 }, { event: '1.000:4', file: 0, offset: 800 }])
  t.same(d.at({ seq: 7, gen: 0 }, [7]), [{ event: '1.000:2', file: 1, offset: 40 }, { event: '1.000:4', file: 0, offset: 800 }], 'a later mark')
  t.same(d.at({ seq: 9, gen: 1 }, [9]), [], 'the mark is the last record of 1.000:2: nothing after it')
  t.equal(d.size, 0, 'and nothing is kept')
})

t.test('an event among whose records no other event began is never kept', async (t) => {
  const d = new DeliveredTails()
  d.add(span('1.000:1', 1, 5, 0, 500, false))
  t.equal(d.size, 0)
})

t.test('bounded while the mark is held back: kept only while an unsettled event began among its records', async (t) => {
  const d = new DeliveredTails()
  // the mark is stuck at seq 1 (a sink retries that event) while 10,000 interleaved events flow
  for (let i = 0; i < 10_000; i++) d.add(span(`1.000:${i + 10}`, 10 + i * 3, 10 + i * 3 + 4))
  // unsettled: the stuck event (1) and one event begun at seq 20000, among the records of
  // event i = 6663 (seqs 19999 … 20003)
  const list = d.at({ seq: 1, gen: 0 }, [1, 20_000])
  t.same(list, [], 'nothing spans seq 1')
  t.equal(d.size, 1, 'only the event a later checkpoint at 20000 would cut is kept')
  t.same(d.at({ seq: 20_000, gen: 0 }, [20_000]).map((e) => e.event), ['1.000:6673'])
})

t.test('carried entries: listed until their last record is read, then like events of this run; dropped when passed', async (t) => {
  const d = new DeliveredTails()
  d.carry([{ event: 'a', file: 0, offset: 700 }, { event: 'b', file: 0, offset: 900 }, { event: 'c', file: 2, offset: 5 }])
  t.same(d.at({ seq: 3, gen: 0 }, [3]).map((e) => e.event), ['a', 'b', 'c'], 'not read yet: they all lie ahead')
  d.seen({ event: 'a', file: 0, offset: 700 }, 4)
  d.passed({ event: 'b', file: 0, offset: 900 })
  t.same(d.at({ seq: 3, gen: 0 }, [3]), [{ event: 'a', file: 0, offset: 700 }, { event: 'c', file: 2, offset: 5 }])
  t.same(d.at({ seq: 5, gen: 0 }, [5]).map((e) => e.event), ['c'], 'the mark passed a\'s last record')
  t.same(d.at({ seq: Number.MAX_SAFE_INTEGER, gen: 1 }, []), [{ event: 'c', file: 1, offset: 5 }], 'nothing open: counted from the file reading is in')
  t.same(d.at({ seq: 9, gen: 3 }, [9]), [], 'reading left its file without its last record: gone')
  t.equal(d.size, 0)
})
