import t from 'tap'
import { LineSplitter } from '../../src/source/lines.js'

function collect (chunks: Buffer[], max = 64) {
  const lines: Array<[string, number, boolean]> = []
  const long: Array<[string, number, number]> = []
  const s = new LineSplitter(max, {
    line: (l, o, a) => { lines.push([l, o, a]) },
    tooLong: (p, o, n) => { long.push([p, o, n]) },
  })
  for (const c of chunks) s.push(c)
  const before = s.position
  s.end()
  return { lines, long, before, after: s.position }
}

t.test('byte offsets across chunk boundaries and a partial last line', async (t) => {
  const text = 'aa\nbbb\ncccc\ndd'
  for (let size = 1; size <= text.length; size++) {
    const chunks: Buffer[] = []
    for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.slice(i, i + size)))
    const r = collect(chunks)
    t.same(r.lines.map(([l, o]) => [l, o]), [['aa', 0], ['bbb', 3], ['cccc', 7], ['dd', 12]], `chunk size ${size}`)
    t.equal(r.before, 12, 'position stops before the incomplete line')
    t.equal(r.after, 14)
  }
})

t.test('non-ASCII bytes: latin1 strings, offsets in bytes, ascii flag', async (t) => {
  const r = collect([Buffer.from('é\nx\n', 'utf8')])
  t.same(r.lines, [['\u00c3\u00a9', 0, false], ['x', 3, false]])
  const a = collect([Buffer.from('x\n')])
  t.equal(a.lines[0][2], true)
})

t.test('an over-long line is reported once with its length, and reading goes on', async (t) => {
  const long = 'x'.repeat(200)
  for (const size of [7, 64, 1000]) {
    const buf = Buffer.from(`ok\n${long}\nafter\n`)
    const chunks: Buffer[] = []
    for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size))
    const r = collect(chunks, 64)
    t.same(r.lines.map(([l, o]) => [l, o]), [['ok', 0], ['after', 204]], `chunk size ${size}`)
    t.equal(r.long.length, 1)
    t.equal(r.long[0][1], 3)
    t.equal(r.long[0][2], 200)
    t.ok(r.long[0][0].startsWith('x'))
  }
  const tail = collect([Buffer.from('x'.repeat(100))], 64)
  t.same(tail.long.map(([, o, n]) => [o, n]), [[0, 100]], 'an over-long unterminated last line too')
})

t.test('the caller may reuse its read buffer', async (t) => {
  const buf = Buffer.from('abc')
  const lines: string[] = []
  const s = new LineSplitter(64, { line: (l) => { lines.push(l) }, tooLong: () => {} })
  s.push(buf)
  buf.write('zzz')
  s.push(Buffer.from('\n'))
  t.same(lines, ['abc'])
})

/** The same input read as byte ranges (RangeSink), each range decoded when it is handed out and again at the end. */
function collectRanges (chunks: Buffer[], max = 64) {
  const now: Array<[string, number, boolean]> = []
  const held: Array<{ buf: Buffer, start: number, end: number }> = []
  const long: Array<[string, number, number]> = []
  const s = new LineSplitter(max, {
    range: (buf, start, end, o, a) => { now.push([buf.toString('latin1', start, end), o, a]); held.push({ buf, start, end }) },
    tooLong: (p, o, n) => { long.push([p, o, n]) },
  })
  for (const c of chunks) s.push(c)
  s.end()
  return { now, later: held.map((h) => h.buf.toString('latin1', h.start, h.end)), long, after: s.position }
}

t.test('byte ranges (RangeSink) give the lines, offsets, ascii flags and over-long lines that strings do, at every chunking', async (t) => {
  // random lines: short, empty, non-ASCII, over the bound; an unterminated last line
  let seed = 7
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n }
  const parts: Buffer[] = []
  for (let i = 0; i < 300; i++) {
    const len = rnd(10) === 0 ? 70 + rnd(40) : rnd(30)
    parts.push(Buffer.from(Array.from({ length: len }, () => rnd(20) === 0 ? 0x80 + rnd(128) : 0x61 + rnd(26))), Buffer.from('\n'))
  }
  parts.push(Buffer.from('tail'))
  const text = Buffer.concat(parts)
  for (const size of [1, 5, 63, 64, 65, 1000, text.length]) {
    const chunks: Buffer[] = []
    // every chunk a buffer of its own, as the sources give them (a file source copies its read)
    for (let i = 0; i < text.length; i += size) chunks.push(Buffer.from(text.subarray(i, i + size)))
    const strings = collect(chunks.map((c) => Buffer.from(c)), 64)
    const ranges = collectRanges(chunks, 64)
    t.same(ranges.now, strings.lines, `chunk size ${size}: the same lines`)
    t.same(ranges.later, strings.lines.map(([l]) => l), `chunk size ${size}: a range still holds its line after the rest was read`)
    t.same(ranges.long, strings.long, `chunk size ${size}: the same over-long lines`)
    t.equal(ranges.after, strings.after)
  }
})
