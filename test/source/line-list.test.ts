import t from 'tap'
import { LineList } from '../../src/source/line-list.js'

t.test('a line list decodes each range as latin1, one char per byte, with its offset and ascii flag', async (t) => {
  const chunk = Buffer.from([0x61, 0x62, 0x0a, 0xc3, 0xa9, 0xff, 0x0a, 0x7a])
  const l = new LineList()
  t.equal(l.length, 0)
  l.add(chunk, 0, 2, 100, true)
  l.add(chunk, 3, 6, 103, false)
  l.add(chunk, 7, 7, 107, true) // an empty line
  t.equal(l.length, 3)
  t.equal(l.line(0), 'ab')
  t.equal(l.line(1), '\u00c3\u00a9\u00ff', 'bytes ≥ 0x80 are chars 0x80–0xff: offsets stay byte offsets')
  t.equal(l.line(2), '')
  t.same([l.offset(0), l.offset(1), l.offset(2)], [100, 103, 107])
  t.same([l.ascii(0), l.ascii(1)], [true, false])
  t.same(l.toArray(), [{ line: 'ab', offset: 100, ascii: true }, { line: '\u00c3\u00a9\u00ff', offset: 103, ascii: false }, { line: '', offset: 107, ascii: true }])
})

t.test('LineList.of keeps the lines it is given, latin1 included', async (t) => {
  const lines = [{ line: 'type=SYSCALL msg=audit(1.000:1): a=1', offset: 0, ascii: true }, { line: 'x\u00e9\u00ff', offset: 38, ascii: false }]
  t.same(LineList.of(lines).toArray(), lines)
  t.equal(LineList.of([]).length, 0)
})
