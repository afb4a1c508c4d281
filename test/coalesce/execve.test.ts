import t from 'tap'
import { reassembleArgs } from '../../src/coalesce/execve.js'

const hex = (s: string): string => Buffer.from(s).toString('hex').toUpperCase()

t.test('without gaps: arguments up to the first missing one (records lost, not cut by the bound)', async (t) => {
  t.same(reassembleArgs([{ argc: '3', a0: 'ls', a2: 'x' }]), { args: ['ls'], argc: 3, escaped: false })
})

t.test('with gaps (the event bound dropped records): whole arguments on both sides, the missing ones counted', async (t) => {
  const records: Array<Record<string, string>> = [
    { argc: '6', a0: 'prog', a1_len: '6', 'a1[0]': hex('abc'), 'a1[1]': hex('def') }, // head: a0, a1 whole
    { a2_len: '8', 'a2[0]': hex('1234') }, // head: the start of a2 only — [1] was dropped
    // dropped: the rest of a2, a3, the start of a4
    { 'a4[5]': hex('tail') }, // tail: the end of a4 only — no [0]
    { a5: 'last' },
  ]
  t.same(reassembleArgs(records, true), { args: ['prog', 'abcdef', 'last'], argc: 6, escaped: false, missing: { count: 3, from: 2 } })
  t.same(reassembleArgs(records), { args: ['prog', 'abcdef', '1234'], argc: 6, escaped: false }, 'without gaps a partial argument is taken as it is, and it stops at the first missing one')
})

t.test('with gaps, argc is not trusted to bound the work: a forged argc=4000000000 is not looped over', async (t) => {
  const r = reassembleArgs([{ argc: '4000000000', a0: 'x' }, { a9: 'y' }], true)
  t.same(r.args, ['x', 'y'])
  t.same(r.missing, { count: 4000000000 - 2, from: 1 })
})
