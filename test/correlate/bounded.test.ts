import t from 'tap'
import { BoundedRecords, cutMiddle, recordBytes } from '../../src/correlate/bounded.js'
import { parseLine, AuditRecord } from '../../src/parse/record.js'

function rec (i: number, body = `item=${i}`): AuditRecord {
  const r = parseLine(`type=PATH msg=audit(1.000:7): ${body}`, i * 100)
  if (!(r instanceof AuditRecord)) throw new Error('bad fixture line')
  r.seq = i
  return r
}

t.test('within the bound nothing is dropped', async (t) => {
  const b = new BoundedRecords({ maxRecords: 10, maxBytes: 1 << 20 })
  for (let i = 1; i <= 10; i++) b.push(rec(i))
  t.same(b.records().map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  t.equal(b.droppedRecords, 0)
  t.equal(b.droppedBytes, 0)
})

t.test('by records: the first half and the last half are kept, the middle dropped and counted', async (t) => {
  const b = new BoundedRecords({ maxRecords: 6, maxBytes: 1 << 20 })
  let most = 0
  for (let i = 1; i <= 100_000; i++) { b.push(rec(i)); most = Math.max(most, b.count) }
  t.equal(most, 6, 'never more than maxRecords held, however many arrive')
  t.same(b.records().map((r) => r.seq), [1, 2, 3, 99998, 99999, 100000])
  t.equal(b.droppedRecords, 100_000 - 6)
  let bytes = 0
  for (let i = 4; i <= 99997; i++) bytes += recordBytes(rec(i))
  t.equal(b.droppedBytes, bytes, 'the bytes of exactly the dropped records')
})

t.test('by bytes: head and tail share the budget; the first and the latest are always kept', async (t) => {
  const big = 'x'.repeat(1000)
  const size = recordBytes(rec(1, big))
  const b = new BoundedRecords({ maxRecords: 1000, maxBytes: size * 4 })
  for (let i = 1; i <= 50; i++) b.push(rec(i, big))
  t.same(b.records().map((r) => r.seq), [1, 2, 49, 50])
  t.ok(b.bytes <= size * 4)
  const huge = new BoundedRecords({ maxRecords: 1000, maxBytes: 100 })
  for (let i = 1; i <= 5; i++) huge.push(rec(i, big))
  t.same(huge.records().map((r) => r.seq), [1, 5], 'records larger than the budget: the first and the last')
})

t.test('cutMiddle: the same cut on a list', async (t) => {
  const list = Array.from({ length: 9 }, (_, k) => rec(k + 1))
  const c = cutMiddle(list, { maxRecords: 4, maxBytes: 1 << 20 })
  t.same(c.records.map((r) => r.seq), [1, 2, 8, 9])
  t.equal(c.droppedRecords, 5)
})
