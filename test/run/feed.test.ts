import t from 'tap'
import { feed, type FeedTarget } from '../../src/run/feed.js'
import { LineList } from '../../src/source/line-list.js'

t.test('lines and over-long lines reach the pipeline in offset order, named after their file', async (t) => {
  const got: string[] = []
  const p: FeedTarget = {
    gen: 0,
    source: '-',
    line: (line, offset) => { got.push(`${offset}:${line}`) },
    tooLong: (prefix, offset, length) => { got.push(`${offset}:long ${prefix} ${length}`) },
  }
  feed(p, {
    file: { path: '/var/log/audit/audit.log', identity: { dev: 1, ino: 2, fingerprint: '' } },
    lines: LineList.of([{ line: 'a', offset: 0, ascii: true }, { line: 'b', offset: 100, ascii: true }]),
    tooLong: [{ prefix: 'x', offset: 2, length: 97 }, { prefix: 'y', offset: 102, length: 50 }, { prefix: 'z', offset: 153, length: 60 }],
    endOffset: 214,
  }, 3)
  t.same(got, ['0:a', '2:long x 97', '100:b', '102:long y 50', '153:long z 60'])
  t.equal(p.gen, 3)
  t.equal(p.source, '/var/log/audit/audit.log')
})
