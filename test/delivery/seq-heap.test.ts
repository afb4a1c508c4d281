import t from 'tap'
import { SeqHeap } from '../../src/delivery/seq-heap.js'

t.test('min() is the smallest seq added and not deleted, through random adds and deletes', async (t) => {
  let seed = 7
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
  const h = new SeqHeap()
  const model = new Set<number>()
  let wrong = 0
  for (let i = 0; i < 20_000; i++) {
    if (model.size === 0 || rnd(3) > 0) {
      const v = rnd(5000)
      if (!model.has(v)) { model.add(v); h.add(v) }
    } else {
      const vs = [...model]
      const v = rnd(2) === 0 ? Math.min(...vs) : vs[rnd(vs.length)]
      model.delete(v)
      h.delete(v)
    }
    const want = model.size === 0 ? undefined : Math.min(...model)
    if (h.min() !== want) wrong++
  }
  t.equal(wrong, 0)
  h.delete(123456)
  t.pass('deleting what is not there is harmless')
})
