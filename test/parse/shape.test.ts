import t from 'tap'
import { Shape, objectFrom, uniqueKeys } from '../../src/parse/shape.js'

const walk = (keys: string[]): Shape | undefined => keys.reduce<Shape | undefined>((s, k) => s?.child(k), Shape.root)

t.test('one node per key sequence: the same keys lead to the same shape, another order to another', async (t) => {
  const a = walk(['arch', 'syscall', 'success'])
  t.ok(a !== undefined)
  t.equal(walk(['arch', 'syscall', 'success']), a)
  t.not(walk(['syscall', 'arch', 'success']), a)
  t.equal(a?.depth, 3)
  const o = objectFrom(['arch', 'syscall', 'success', 'stale'], ['x', '59', 'yes', 'old'], 3, a)
  t.same(Object.keys(o), ['arch', 'syscall', 'success'], 'only the first n keys (the arrays are reused, longer)')
  t.same(o, { arch: 'x', syscall: '59', success: 'yes' })
  const b = objectFrom(['syscall', 'arch', 'success'], ['59', 'x', 'yes'], 3, walk(['syscall', 'arch', 'success']))
  t.same(Object.keys(b), ['syscall', 'arch', 'success'], 'key order is the record\'s own')
  const deep = Array.from({ length: 70 }, (_, i) => `d${i}`)
  t.equal(walk(deep.slice(0, 64))?.depth, 64)
  t.equal(walk(deep), undefined, 'no node deeper than the compiled bound (such records take the plain path)')
})

t.test('__proto__ and repeated keys in a compiled shape are data', async (t) => {
  const keys = ['__proto__', 'a', 'a']
  const o = objectFrom(keys, ['p', '1', '2'], 3, walk(keys))
  t.equal(Object.getPrototypeOf(o), Object.prototype)
  t.same(o, { __proto___2: 'p', a: '1', a_2: '2' })
  t.same(uniqueKeys(['a', 'a_2', 'a']), ['a', 'a_2', 'a_3'])
})

t.test('past the trie\'s bounds a record takes the plain path, with the same result', async (t) => {
  // a writer of audit records chooses the keys: distinct sequences must not grow memory without end
  let last: Shape | undefined = Shape.root
  let n = 0
  for (; n < 40000 && last !== undefined; n++) last = Shape.root.child(`key${n}`)
  t.equal(last, undefined, `the trie stops growing (after ${n} nodes)`)
  const keys = ['fresh', 'keys', 'fresh']
  t.equal(walk(keys), undefined)
  t.same(objectFrom(keys, ['1', '2', '3'], 3, undefined), { fresh: '1', keys: '2', fresh_2: '3' })
  t.ok(Shape.root.child('key0') !== undefined, 'known shapes are still found')
})
