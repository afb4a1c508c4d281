import t from 'tap'
import { PassThrough } from 'node:stream'
import { getEventListeners } from 'node:events'
import { StdinSource, STDIN_FILE, COALESCE_BELOW } from '../../src/source/stdin.js'

t.test('each chunk hands out its complete lines with their offsets in the feed', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 1024)
  await s.start()
  t.equal(s.replayable, false)
  t.equal(s.position(), null, 'nothing to resume from')
  feed.write('one\ntw')
  const b1 = await s.read()
  t.same(b1 === null ? null : { ...b1, lines: b1.lines.toArray() }, { file: STDIN_FILE, lines: [{ line: 'one', offset: 0, ascii: true }], tooLong: [], endOffset: 4 })
  feed.write('o\nthree\n')
  const b2 = await s.read()
  t.same(b2?.lines.toArray().map((l) => [l.line, l.offset]), [['two', 4], ['three', 8]])
  t.equal(b2?.endOffset, 14)
  feed.end('last')
  const b3 = await s.read()
  t.same(b3?.lines.toArray(), [{ line: 'last', offset: 14, ascii: true }], 'at the end the partial last line is a line')
  t.equal(await s.read(), null)
  t.equal(await s.read(), null, 'and for good')
})

t.test('an over-long line is reported, not buffered', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 8)
  feed.write('ok\n' + 'x'.repeat(20) + '\nfine\n')
  const b = await s.read()
  t.same(b?.lines.toArray().map((l) => l.line), ['ok', 'fine'])
  t.match(b?.tooLong, [{ prefix: /^x{20}/, offset: 3, length: 20 }])
})

t.test('an abort ends a read waiting on an idle feed: the partial line, then null; no listener left', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 1024)
  const ac = new AbortController()
  for (let i = 0; i < 12; i++) {
    const pending = s.read(ac.signal)
    feed.write(`line ${i}\n`)
    t.equal((await pending)?.lines.line(0), `line ${i}`)
  }
  t.equal(getEventListeners(ac.signal, 'abort').length, 0, 'no abort listener left behind')
  const waiting = s.read(ac.signal)
  feed.write('partial')
  await new Promise((resolve) => setImmediate(resolve)) // the chunk is taken; no line is complete
  ac.abort()
  t.same((await waiting)?.lines.toArray().map((l) => l.line), ['partial'])
  t.equal(await s.read(ac.signal), null)
})

t.test('a feed that fails: read() rejects with its error', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 1024)
  const pending = s.read()
  feed.destroy(new Error('EIO'))
  await t.rejects(pending, /EIO/)
})

t.test('coalescing: a short chunk is handed out with what arrives within coalesceMs, in one batch', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 1024, 150)
  const pending = s.read()
  feed.write('a\n')
  setTimeout(() => { feed.write('b\nc\n') }, 30)
  const b = await pending
  t.same(b?.lines.toArray().map((l) => [l.line, l.offset]), [['a', 0], ['b', 2], ['c', 4]], 'one batch for both writes')
  // without it (0, as before), the first write is a batch of its own
  const feed0 = new PassThrough()
  const s0 = new StdinSource(feed0, 1024, 0)
  const p0 = s0.read()
  feed0.write('a\n')
  setTimeout(() => { feed0.write('b\n') }, 30)
  t.same((await p0)?.lines.toArray().map((l) => l.line), ['a'])
  t.same((await s0.read())?.lines.toArray().map((l) => l.line), ['b'])
})

t.test('coalescing: a busy feed (a chunk of COALESCE_BELOW bytes or more) is not held back', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 1 << 20, 10_000)
  const line = 'x'.repeat(COALESCE_BELOW) + '\n'
  const t0 = Date.now()
  const pending = s.read()
  feed.write(line)
  t.equal((await pending)?.lines.length, 1)
  t.ok(Date.now() - t0 < 5000, 'handed out without waiting 10 s')
})

t.test('coalescing: the wait is not idle time (input came), ends early on abort and at the end of the feed', async (t) => {
  const feed = new PassThrough()
  const s = new StdinSource(feed, 1024, 10_000)
  const ac = new AbortController()
  const pending = s.read(ac.signal)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const before = s.waitedMs()
  t.ok(before >= 80, `waiting for the first chunk is idle time (${before} ms)`)
  feed.write('one\n')
  await new Promise((resolve) => setTimeout(resolve, 150))
  t.ok(s.waitedMs() - before < 50, `the coalescing wait after it is not (${s.waitedMs() - before} ms more)`)
  ac.abort()
  t.same((await pending)?.lines.toArray().map((l) => l.line), ['one'], 'abort: what was read is handed out at once')
  t.equal(await s.read(ac.signal), null)

  const feed2 = new PassThrough()
  const s2 = new StdinSource(feed2, 1024, 200)
  const p2 = s2.read()
  feed2.write('a\n')
  feed2.end('tail')
  t.same((await p2)?.lines.toArray().map((l) => l.line), ['a'], 'the end within the wait: what is complete')
  t.same((await s2.read())?.lines.toArray().map((l) => [l.line, l.offset]), [['tail', 2]], 'then the partial last line')
  t.equal(await s2.read(), null)
})
