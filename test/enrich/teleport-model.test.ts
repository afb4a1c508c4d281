import t from 'tap'
import { Lru } from '../../src/enrich/teleport-model.js'

/** The same operations on a plain Map kept in LRU order: what Lru must match. */
class Model {
  readonly map = new Map<string, number>()
  evicted: string[] = []
  constructor (private readonly max: number) {}
  get (k: string): number | undefined {
    const v = this.map.get(k)
    if (v !== undefined) { this.map.delete(k); this.map.set(k, v) }
    return v
  }

  set (k: string, v: number): void {
    this.map.delete(k); this.map.set(k, v)
    if (this.map.size > this.max) { const [ek] = this.map.keys(); this.map.delete(ek); this.evicted.push(ek) }
  }

  delete (k: string): void { this.map.delete(k) }
}

t.test('Lru: reads refresh, inserts beyond max drop the least recently used (a read of the newest moves nothing)', async (t) => {
  const lru = new Lru<string, number>(3)
  const evicted: string[] = []
  lru.onEvict = (k) => { evicted.push(k) }
  lru.set('a', 1); lru.set('b', 2); lru.set('c', 3)
  t.equal(lru.get('a'), 1)
  t.equal(lru.get('a'), 1, 'twice: a is already the newest')
  lru.set('d', 4)
  t.same(evicted, ['b'], 'b was the least recently used')
  lru.delete('d') // the newest, deleted
  lru.set('d', 5)
  t.equal(lru.get('c'), 3)
  lru.set('e', 6)
  t.same(evicted, ['b', 'a'])
  t.same([...lru.map.keys()], ['d', 'c', 'e'])
})

t.test('Lru matches a plain LRU model over 20,000 random operations', async (t) => {
  let seed = 7
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
  for (const max of [1, 2, 5, 50]) {
    const lru = new Lru<string, number>(max)
    const evicted: string[] = []
    lru.onEvict = (k) => { evicted.push(k) }
    const model = new Model(max)
    const wrong: string[] = []
    for (let i = 0; i < 20_000; i++) {
      const k = `k${rnd(max * 2 + 1)}`
      const op = rnd(10)
      if (op < 5) { if (lru.get(k) !== model.get(k)) wrong.push(`op ${i}: get ${k}`) } else if (op < 9) { lru.set(k, i); model.set(k, i) } else { lru.delete(k); model.delete(k) }
    }
    t.same(wrong.slice(0, 5), [], `max ${max}: every read gives what the model gives`)
    t.same([...lru.map.entries()], [...model.map.entries()], `max ${max}: the same entries in the same order`)
    t.same(evicted, model.evicted, `max ${max}: the same evictions`)
  }
})
