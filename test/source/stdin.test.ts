import t from 'tap'
import { PassThrough } from 'node:stream'
import { getEventListeners } from 'node:events'
import { StdinSource, STDIN_FILE } from '../../src/source/stdin.js'

t.test('each chunk hands out its complete lines with their offsets in the feed', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 1024)
  await s.start()
  t.equal(s.replayable, false)
  t.equal(s.position(), null, 'nothing to resume from')
  feed.write('one\ntw')
  const b1 = await s.read()
  t.same(b1, { file: STDIN_FILE, lines: [{ line: 'one', offset: 0, ascii: true }], tooLong: [], endOffset: 4 })
  feed.write('o\nthree\n')
  const b2 = await s.read()
  t.same(b2?.lines.map((l) => [l.line, l.offset]), [['two', 4], ['three', 8]])
  t.equal(b2?.endOffset, 14)
  feed.end('last')
  const b3 = await s.read()
  t.same(b3?.lines, [{ line: 'last', offset: 14, ascii: true }], 'at the end the partial last line is a line')
  t.equal(await s.read(), null)
  t.equal(await s.read(), null, 'and for good')
})

t.test('an over-long line is reported, not buffered', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 8)
  feed.write('ok\n' + 'x'.repeat(20) + '\nfine\n')
  const b = await s.read()
  t.same(b?.lines.map((l) => l.line), ['ok', 'fine'])
  t.match(b?.tooLong, [{ prefix: /^x{20}/, offset: 3, length: 20 }])
})

t.test('an abort ends a read waiting on an idle feed: the partial line, then null; no listener left', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 1024)
  const ac = new AbortController()
  for (let i = 0; i < 12; i++) {
    const pending = s.read(ac.signal)
    feed.write(`line ${i}\n`)
    t.equal((await pending)?.lines[0].line, `line ${i}`)
  }
  t.equal(getEventListeners(ac.signal, 'abort').length, 0, 'no abort listener left behind')
  const waiting = s.read(ac.signal)
  feed.write('partial')
  await new Promise((resolve) => setImmediate(resolve)) // the chunk is taken; no line is complete
  ac.abort()
  t.same((await waiting)?.lines.map((l) => l.line), ['partial'])
  t.equal(await s.read(ac.signal), null)
})

t.test('a feed that fails: read() rejects with its error', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 1024)
  const pending = s.read()
  feed.destroy(new Error('EIO'))
  await t.rejects(pending, /EIO/)
})
