import t, { type Test } from 'tap'
import { appendFileSync, copyFileSync, existsSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { getEventListeners } from 'node:events'
import { join } from 'node:path'
import { Tailer, type TailerOptions } from '../../src/source/tailer.js'
import type { SourceBatch, SourcePosition } from '../../src/source/source.js'

// The tailer is pull-based: between two read() calls it does nothing, so a test can change the
// files between reads and know what the next read sees. Waits are bounded loops (collect's
// deadline), never fixed sleeps.

interface Logged { level: string, msg: string }

function mk (path: string, start: TailerOptions['start'] = 'beginning', o: Partial<TailerOptions> = {}): { tl: Tailer, logs: Logged[] } {
  const logs: Logged[] = []
  const tl = new Tailer({ path, start, maxLineBytes: 1024, chunkBytes: 4096, pollIntervalMs: 20, watch: false, log: (level, msg) => { logs.push({ level, msg }) }, ...o })
  return { tl, logs }
}

interface Got { ino: number, line: string, offset: number }

/** Read batches until `want` lines (complete or too long) arrived; fails instead of hanging. */
async function collect (t: Test, tl: Tailer, want: number, ms = 5000): Promise<{ got: Got[], batches: SourceBatch[] }> {
  const got: Got[] = []
  const batches: SourceBatch[] = []
  const ac = new AbortController()
  const timer = setTimeout(() => { ac.abort() }, ms)
  let n = 0
  while (n < want) {
    const b = await tl.read(ac.signal)
    if (b === null) break
    batches.push(b)
    for (const l of b.lines.toArray()) got.push({ ino: b.file.identity.ino, line: l.line, offset: l.offset })
    n += b.lines.length + b.tooLong.length
  }
  clearTimeout(timer)
  t.equal(n, want, `${want} lines arrived in time`)
  return { got, batches }
}

/** Nothing more arrives for `ms` (no line read twice, no fragment). */
async function quiet (t: Test, tl: Tailer, ms = 150): Promise<void> {
  const b = await tl.read(AbortSignal.timeout(ms))
  t.equal(b, null, b === null ? 'nothing more' : `unexpected batch: ${JSON.stringify(b.lines.toArray().map((l) => l.line))}`)
}

/** Every line is at its offset in the file it is labelled with, and endOffset follows the last one. */
function checkOffsets (t: Test, dir: string, batches: SourceBatch[]): void {
  const byIno = new Map<number, Buffer>()
  for (const n of readdirSync(dir)) byIno.set(statSync(join(dir, n)).ino, readFileSync(join(dir, n)))
  let bad = 0
  for (const b of batches) {
    const buf = byIno.get(b.file.identity.ino)
    if (buf === undefined) continue // a file deleted since
    for (const l of b.lines.toArray()) {
      if (buf.toString('latin1', l.offset, l.offset + l.line.length) !== l.line) bad++
      const after = l.offset + l.line.length
      if (after < buf.length && buf[after] !== 10) bad++
    }
    const last = b.lines.toArray().at(-1)
    if (last !== undefined && b.tooLong.every((x) => x.offset < last.offset)) {
      const end = last.offset + last.line.length
      if (b.endOffset !== Math.min(end + 1, buf.length) && b.endOffset !== end + 1) bad++
    }
  }
  t.equal(bad, 0, 'every line is at its offset in its file, and endOffset follows the last line')
}

const L = (i: number): string => `line ${i}\n`
const lines = (a: number, b: number): string => Array.from({ length: b - a }, (_, k) => L(a + k)).join('')
const expect = (a: number, b: number): string[] => Array.from({ length: b - a }, (_, k) => `line ${a + k}`)
const ino = (p: string): number => statSync(p).ino

/** auditd: audit.log.k → audit.log.(k+1) …, audit.log → audit.log.1, a new audit.log; at most `keep` files. */
function rotate (p: string, next: string, keep = 10): void {
  if (existsSync(`${p}.${keep - 1}`)) unlinkSync(`${p}.${keep - 1}`)
  for (let k = keep - 2; k >= 1; k--) if (existsSync(`${p}.${k}`)) renameSync(`${p}.${k}`, `${p}.${k + 1}`)
  renameSync(p, `${p}.1`)
  writeFileSync(p, next)
}

t.test('append while reading, a partial line held until completed, offsets and position()', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 3) + 'line 3 part')
  const { tl } = mk(p); await tl.start()
  const a = await collect(t, tl, 3)
  t.same(a.got.map((g) => [g.line, g.offset]), [['line 0', 0], ['line 1', 7], ['line 2', 14]])
  t.same(tl.position(), { path: p, identity: a.batches.at(-1)?.file.identity, offset: 21 }, 'position = batch file + endOffset')
  await quiet(t, tl)
  t.equal(tl.position().offset, 21, 'the partial line is not handed out')
  appendFileSync(p, 'ial\n' + lines(4, 6))
  const b = await collect(t, tl, 3)
  t.same(b.got.map((g) => [g.line, g.offset]), [['line 3 partial', 21], ['line 4', 36], ['line 5', 43]])
  t.equal(tl.position().offset, 50)
  checkOffsets(t, dir, [...a.batches, ...b.batches])
  t.match(tl.stats, { bytesRead: 50, linesRead: 6, rotations: 0, truncations: 0 })
  await tl.close()
})

t.test('one chunk per batch: a small chunk size bounds what one read() holds', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 100))
  const { tl } = mk(p, 'beginning', { chunkBytes: 32 }); await tl.start()
  const r = await collect(t, tl, 100)
  t.same(r.got.map((g) => g.line), expect(0, 100))
  for (const b of r.batches) t.ok(b.endOffset - b.lines.offset(0) <= 32 + 8, 'a batch spans at most a chunk and the line it completed')
  checkOffsets(t, dir, r.batches)
  await tl.close()
})

t.test('auditd rotation: the renamed file is drained through its fd (late lines, final partial line), then the new one', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 5))
  const { tl, logs } = mk(p, 'beginning', { settleMs: 200 }); await tl.start()
  t.same((await collect(t, tl, 5)).got.map((g) => g.line), expect(0, 5))
  const old = ino(p)
  rotate(p, lines(100, 103))
  const fresh = ino(p)
  const batches: SourceBatch[] = []
  // the writer goes on writing into the renamed file although a new audit.log exists
  for (let k = 5; k < 8; k++) {
    appendFileSync(p + '.1', L(k))
    const r = await collect(t, tl, 1)
    t.same(r.got, [{ ino: old, line: `line ${k}`, offset: 7 * k }], `late line ${k} read from the renamed file`)
    batches.push(...r.batches)
  }
  appendFileSync(p + '.1', 'last words')
  const r = await collect(t, tl, 4)
  batches.push(...r.batches)
  t.same(r.got.map((g) => [g.ino, g.line]), [[old, 'last words'], [fresh, 'line 100'], [fresh, 'line 101'], [fresh, 'line 102']],
    'the final partial line of the old file is a line, labelled with the old file, before the new file')
  t.same(r.batches[0].endOffset, 56 + 10, 'its batch ends at the end of the old file')
  t.same(tl.position(), { path: p, identity: r.batches.at(-1)?.file.identity, offset: 27 })
  checkOffsets(t, dir, batches)
  await quiet(t, tl)
  t.match(tl.stats, { rotations: 1, truncations: 0, copytruncates: 0, filesLost: 0, bytesLost: 0 })
  t.match(logs, [{ level: 'info', msg: /rotated/ }])
  await tl.close()
})

t.test('a line written into the renamed file while the tailer waits to switch is still read first (settle time)', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 2))
  const { tl } = mk(p, 'beginning', { settleMs: 500 }); await tl.start()
  await collect(t, tl, 2)
  const old = ino(p)
  rotate(p, lines(100, 102))
  const pending = collect(t, tl, 3) // at EOF of the renamed file, a new audit.log exists: waiting for it to settle
  // real time: the tailer reaches the settle wait through real file reads; 30 ms is well inside
  // its 500 ms, and an append that lands before the wait is read first all the same
  setTimeout(() => { appendFileSync(p + '.1', L(2)) }, 30)
  const r = await pending
  t.same(r.got.map((g) => [g.ino === old, g.line]), [[true, 'line 2'], [false, 'line 100'], [false, 'line 101']])
  await quiet(t, tl)
  await tl.close()
})

t.test('the followed file deleted by hand and recreated: its older siblings are not read again', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p + '.1', lines(90, 92)) // older: read first ('beginning' = everything on disk)
  writeFileSync(p, lines(0, 2))
  const { tl, logs } = mk(p); await tl.start()
  t.same((await collect(t, tl, 4)).got.map((g) => g.line), [...expect(90, 92), ...expect(0, 2)])
  appendFileSync(p, L(2))
  unlinkSync(p)
  writeFileSync(p, lines(10, 12))
  const r = await collect(t, tl, 3)
  t.same(r.got.map((g) => g.line), ['line 2', 'line 10', 'line 11'], 'the deleted file drained by its fd, then only the new file')
  await quiet(t, tl)
  t.match(tl.stats, { filesLost: 0 })
  t.match(logs, [{ level: 'info', msg: /removed: draining it through its open descriptor/ }])
  await tl.close()
})

t.test('behind by three rotations: audit.log.3 from the checkpoint, then .2, .1, audit.log — and a rotation while catching up', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 10))
  const first = mk(p); await first.tl.start()
  const r0 = await collect(t, first.tl, 10)
  const line4 = r0.got[4]
  const checkpoint: SourcePosition = { path: p, identity: r0.batches[0].file.identity, offset: line4.offset }
  await first.tl.close()

  const inos = [ino(p)]
  rotate(p, lines(10, 12)); inos.push(ino(p))
  rotate(p, lines(12, 14)); inos.push(ino(p))
  rotate(p, lines(14, 16)); inos.push(ino(p))
  t.equal(ino(p + '.3'), inos[0], 'the checkpointed file is now audit.log.3')

  const { tl, logs } = mk(p, checkpoint, { chunkBytes: 64 }); await tl.start()
  const a = await collect(t, tl, 6)
  t.same(a.got.map((g) => [g.ino, g.line]), expect(4, 10).map((l) => [inos[0], l]), 'the rest of audit.log.3 from the checkpoint')
  // another rotation before the queued files are opened: they are found under their new names
  rotate(p, lines(16, 18)); inos.push(ino(p))
  const b = await collect(t, tl, 8)
  const want = [[1, 10, 12], [2, 12, 14], [3, 14, 16], [4, 16, 18]].flatMap(([f, x, y]) => expect(x, y).map((l) => [inos[f], l]))
  t.same(b.got.map((g) => [g.ino, g.line]), want, 'then every newer file from 0, in order, each line once')
  checkOffsets(t, dir, [...a.batches, ...b.batches])
  await quiet(t, tl)
  t.match(tl.stats, { rotations: 4, filesLost: 0, truncations: 0 })
  t.match(logs[0], { level: 'info', msg: /resuming in a rotated file/ })
  await tl.close()
})

t.test('rotated past num_logs while the file is open: the deleted file is drained by its fd, nothing lost', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 5))
  const { tl, logs } = mk(p); await tl.start()
  await collect(t, tl, 5)
  const a = ino(p)
  appendFileSync(p, lines(5, 8)) // not read yet
  rotate(p, lines(20, 22), 2); const b = ino(p)
  rotate(p, lines(40, 42), 2); const c = ino(p) // num_logs = 2: the first file is deleted
  t.notOk(readdirSync(dir).some((n) => ino(join(dir, n)) === a), 'our file is under no name')
  const r = await collect(t, tl, 7)
  t.same(r.got.map((g) => [g.ino, g.line]), [
    ...expect(5, 8).map((l) => [a, l]), ...expect(20, 22).map((l) => [b, l]), ...expect(40, 42).map((l) => [c, l]),
  ])
  await quiet(t, tl)
  t.match(tl.stats, { filesLost: 0, bytesLost: 0 })
  t.notOk(logs.some((l) => l.level === 'error'), 'no loss reported')
  await tl.close()
})

t.test('checkpointed file rotated twice and deleted while down (num_logs=2): counted as lost, logged, the newer files read from 0', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 3))
  const first = mk(p); await first.tl.start()
  await collect(t, first.tl, 3)
  const pos = first.tl.position()
  await first.tl.close()
  appendFileSync(p, lines(3, 5)) // written after the checkpoint: these are the lost lines
  rotate(p, lines(50, 52), 2); const b = ino(p)
  rotate(p, lines(60, 62), 2); const c = ino(p)
  const { tl, logs } = mk(p, pos); await tl.start()
  const r = await collect(t, tl, 4)
  t.same(r.got.map((g) => [g.ino, g.line]), [[b, 'line 50'], [b, 'line 51'], [c, 'line 60'], [c, 'line 61']])
  t.match(tl.stats, { filesLost: 1, bytesLost: 0 }, 'one file lost; how many bytes is unknown')
  t.match(logs, [{ level: 'error', msg: /gone under every name.*unknown/ }])
  await quiet(t, tl)
  await tl.close()
})

t.test('copytruncate, refilled below our offset: the unread tail comes from the copy, then the live file from 0', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 4))
  const { tl, logs } = mk(p, 'beginning', { settleMs: 40 }); await tl.start()
  await collect(t, tl, 4)
  const live = ino(p)
  appendFileSync(p, lines(4, 7) + 'line 7 half') // not read yet
  copyFileSync(p, p + '.1'); truncateSync(p, 0)
  appendFileSync(p, 'fresh 0\nfresh 1\n')
  const r = await collect(t, tl, 6)
  const copy = ino(p + '.1')
  t.same(r.got.map((g) => [g.ino, g.line]), [...expect(4, 7), 'line 7 half'].map((l) => [copy, l]).concat([[live, 'fresh 0'], [live, 'fresh 1']]))
  checkOffsets(t, dir, r.batches)
  await quiet(t, tl)
  t.match(tl.stats, { copytruncates: 1, truncations: 0, filesLost: 0 })
  t.match(logs, [{ level: 'warn', msg: /copied and truncated/ }])
  await tl.close()
})

t.test('copytruncate, refilled past our offset before we look: bytes at the old offset are never handed out', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 4))
  const { tl } = mk(p, 'beginning', { settleMs: 40 }); await tl.start()
  await collect(t, tl, 4)
  appendFileSync(p, lines(4, 7))
  copyFileSync(p, p + '.1'); truncateSync(p, 0)
  const fresh = Array.from({ length: 6 }, (_, i) => `FRESH ${i} ${'z'.repeat(20)}`)
  appendFileSync(p, fresh.map((l) => l + '\n').join(''))
  t.ok(statSync(p).size > 28, 'the new content reaches past our offset')
  const r = await collect(t, tl, 9)
  t.same(r.got.map((g) => g.line), [...expect(4, 7), ...fresh], 'no fragment, nothing twice, nothing lost')
  checkOffsets(t, dir, r.batches)
  await quiet(t, tl)
  t.equal(tl.stats.copytruncates, 1)
  await tl.close()
})

t.test('plain truncation: counted and logged, the held partial line handed out, the file read again from 0', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 10) + 'cut')
  const { tl, logs } = mk(p); await tl.start()
  await collect(t, tl, 10)
  truncateSync(p, 0)
  appendFileSync(p, 'new 0\n')
  const r = await collect(t, tl, 2)
  t.same(r.got.map((g) => [g.line, g.offset]), [['cut', 70], ['new 0', 0]])
  t.equal(tl.stats.truncations, 1)
  t.match(logs, [{ level: 'warn', msg: /truncated/ }])
  // rewritten in place past our offset with other first bytes: also a truncation, not a continuation
  writeFileSync(p, Array.from({ length: 8 }, (_, i) => `other ${i}\n`).join(''))
  const r2 = await collect(t, tl, 8)
  t.same(r2.got.map((g) => g.line), Array.from({ length: 8 }, (_, i) => `other ${i}`))
  t.equal(tl.stats.truncations, 2)
  await quiet(t, tl)
  await tl.close()
})

t.test("start 'beginning' and 'end'", async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p + '.1', lines(90, 92))
  writeFileSync(p, lines(0, 3) + 'partial')
  const b = mk(p, 'beginning'); await b.tl.start()
  t.same((await collect(t, b.tl, 5)).got.map((g) => g.line), [...expect(90, 92), ...expect(0, 3)], "'beginning' is everything on disk: the rotated files oldest first, then the live one")
  await b.tl.close()

  const e = mk(p, 'end'); await e.tl.start()
  t.equal(e.tl.position().offset, 21, "'end' starts after the last complete line")
  appendFileSync(p, ' done\n' + L(9))
  t.same((await collect(t, e.tl, 2)).got.map((g) => g.line), ['partial done', 'line 9'], 'the line being written when we started is read whole')
  await e.tl.close()

  const q = join(dir, 'later.log')
  const m = mk(q, 'end'); await m.tl.start()
  t.equal(m.tl.position().identity.ino, 0, 'no file yet')
  writeFileSync(q, 'first\n')
  t.same((await collect(t, m.tl, 1)).got.map((g) => g.line), ['first'], 'a log created after start is read from 0')
  await m.tl.close()
})

t.test('an over-long line is reported, not buffered, and reading goes on', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, 'before\n' + 'x'.repeat(5000) + '\nafter\n')
  const { tl } = mk(p, 'beginning', { maxLineBytes: 64, chunkBytes: 32 }); await tl.start()
  const r = await collect(t, tl, 3)
  t.same(r.got.map((g) => [g.line, g.offset]), [['before', 0], ['after', 5008]])
  const long = r.batches.flatMap((b) => b.tooLong)
  t.same(long.map((x) => [x.offset, x.length]), [[7, 5000]])
  t.ok(long[0].prefix.length <= 256 && long[0].prefix.startsWith('xxx'))
  t.equal(tl.position().offset, 5014)
  await tl.close()
})

t.test('chokidar wakes the reader (the poll timer alone would take a minute)', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, 'old\n')
  const { tl } = mk(p, 'end', { watch: true, pollIntervalMs: 60_000 }); await tl.start()
  const pending = collect(t, tl, 1, 5000)
  appendFileSync(p, 'hello\n')
  t.same((await pending).got.map((g) => g.line), ['hello'])
  await tl.close()
})

t.test('coalescing: appends within coalesceMs of a wake-up are read in one pass; close() does not wait it out', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, '')
  const { tl } = mk(p, 'beginning', { watch: true, pollIntervalMs: 60_000, coalesceMs: 300 }); await tl.start()
  const pending = tl.read()
  await new Promise((resolve) => setTimeout(resolve, 50)) // asleep at the end of the file
  appendFileSync(p, L(0))
  setTimeout(() => { appendFileSync(p, L(1)) }, 40)
  setTimeout(() => { appendFileSync(p, L(2)) }, 80)
  t.same((await pending)?.lines.toArray().map((l) => l.line), ['line 0', 'line 1', 'line 2'], 'one batch for three appends')
  const waiting = tl.read()
  await new Promise((resolve) => setTimeout(resolve, 50))
  appendFileSync(p, L(3)) // a wake-up now waits 300 ms
  const t0 = Date.now()
  await tl.close()
  t.equal(await waiting, null)
  t.ok(Date.now() - t0 < 250, 'close() ended the wait at once')
})

t.test('coalescing: the delay after a wake-up is not idle time (what woke us may continue an open event)', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, '')
  const { tl } = mk(p, 'beginning', { watch: true, pollIntervalMs: 60_000, coalesceMs: 600 }); await tl.start()
  const pending = tl.read()
  await new Promise((resolve) => setTimeout(resolve, 150))
  const w0 = tl.waitedMs()
  t.ok(w0 >= 100, `asleep at the end of the file: idle (${w0} ms)`)
  appendFileSync(p, L(0))
  await new Promise((resolve) => setTimeout(resolve, 400)) // within the 600 ms delay
  t.ok(tl.waitedMs() - w0 < 250, `the delay did not count (${tl.waitedMs() - w0} ms more)`)
  t.same((await pending)?.lines.toArray().map((l) => l.line), ['line 0'])
  await tl.close()
})

t.test('close() ends a waiting read with null; waiting with one signal does not pile up listeners', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, '')
  const { tl } = mk(p); await tl.start()
  const ac = new AbortController()
  for (let i = 0; i < 15; i++) {
    const pending = tl.read(ac.signal) // at EOF: waits
    appendFileSync(p, L(i))
    const b = await pending
    t.equal(b?.lines.line(0), `line ${i}`)
  }
  t.equal(getEventListeners(ac.signal, 'abort').length, 0, 'no abort listener left behind')
  const waiting = tl.read(ac.signal)
  await t.rejects(tl.read(), /another read\(\) is pending/, 'one reader at a time')
  await tl.close()
  t.equal(await waiting, null)
  t.equal(await tl.read(), null, 'and every read after')
  await t.rejects(mk(p).tl.read(), /before start/)
})

/** logrotate's copytruncate: audit.log.k → audit.log.(k+1) …, copy audit.log to audit.log.1, truncate audit.log in place. */
function copyTruncate (p: string, keep = 10): void {
  for (let k = keep - 1; k >= 1; k--) if (existsSync(`${p}.${k}`)) renameSync(`${p}.${k}`, `${p}.${k + 1}`)
  copyFileSync(p, `${p}.1`)
  truncateSync(p, 0)
}

const named = (prefix: string, a: number, b: number): string[] => Array.from({ length: b - a }, (_, k) => `${prefix} ${a + k}`)
const namedLines = (prefix: string, a: number, b: number): string => named(prefix, a, b).map((l) => l + '\n').join('')

/** Read batches until at least `min` lines arrived (a chunk may complete more); fails instead of hanging. */
async function atLeast (t: Test, tl: Tailer, min: number, ms = 5000): Promise<{ got: Got[], batches: SourceBatch[] }> {
  const got: Got[] = []
  const batches: SourceBatch[] = []
  const signal = AbortSignal.timeout(ms)
  while (got.length < min) {
    const b = await tl.read(signal)
    if (b === null) break
    batches.push(b)
    for (const l of b.lines.toArray()) got.push({ ino: b.file.identity.ino, line: l.line, offset: l.offset })
  }
  t.ok(got.length >= min, `at least ${min} lines arrived in time`)
  return { got, batches }
}

t.test('copytruncate twice while behind: the queued live file is read from its copy, nothing lost (#11)', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 40))
  const { tl, logs } = mk(p, 'beginning', { chunkBytes: 64, settleMs: 40 }); await tl.start()
  const a = await atLeast(t, tl, 2)
  // copytruncate 1: the unread rest of the file is in the copy; the live file gets new lines at once
  copyTruncate(p)
  appendFileSync(p, namedLines('second', 0, 5))
  const b = await atLeast(t, tl, 2) // the change is seen: the copy is read on, the live file (not empty) is queued
  // copytruncate 2 while the first copy is still being read: the queued file's bytes move to audit.log.1
  copyTruncate(p)
  appendFileSync(p, namedLines('third', 0, 3))
  const rest = 40 + 5 + 3 - a.got.length - b.got.length
  const c = await collect(t, tl, rest)
  t.same([...a.got, ...b.got, ...c.got].map((g) => g.line), [...expect(0, 40), ...named('second', 0, 5), ...named('third', 0, 3)], 'every line once, in order')
  checkOffsets(t, dir, c.batches) // what was read from the live inode before it was truncated is not there any more
  await quiet(t, tl)
  t.match(tl.stats, { copytruncates: 2, filesLost: 0, bytesLost: 0 })
  t.notOk(logs.some((l) => l.level === 'error'), 'no loss reported')
  t.match(logs.filter((l) => l.level === 'warn'), [{ msg: /copied and truncated/ }, { msg: /copied and truncated/ }], 'both copytruncates said')
  await tl.close()
})

t.test('a queued file seen empty, then copytruncated before it is opened: its lines are read from the copy (#11)', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, namedLines('f0', 0, 2))
  const { tl } = mk(p, 'beginning', { settleMs: 30 }); await tl.start()
  const a = await collect(t, tl, 2)
  rotate(p, namedLines('f1', 0, 1))
  rotate(p, '') // the new live file is empty: queued without a fingerprint
  const b = await collect(t, tl, 1) // the old file is left: the queue is [f1, the empty live file]; f1's line
  appendFileSync(p, namedLines('f2', 0, 2))
  copyTruncate(p)
  appendFileSync(p, namedLines('f3', 0, 1))
  const c = await collect(t, tl, 3)
  t.same([...a.got, ...b.got, ...c.got].map((g) => g.line), [...named('f0', 0, 2), ...named('f1', 0, 1), ...named('f2', 0, 2), ...named('f3', 0, 1)])
  await quiet(t, tl)
  t.match(tl.stats, { rotations: 2, copytruncates: 1, filesLost: 0 })
  await tl.close()
})

t.test('the file being read was empty when opened, then filled and copytruncated before the next read: read from the copy (#11)', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p + '.1', namedLines('old', 0, 2))
  writeFileSync(p, '')
  const { tl, logs } = mk(p, 'end'); await tl.start()
  await quiet(t, tl) // at the end of the empty live file
  // refilled before the next read
  appendFileSync(p, namedLines('x', 0, 2))
  copyTruncate(p)
  appendFileSync(p, namedLines('y', 0, 2))
  const r = await collect(t, tl, 4)
  t.same(r.got.map((g) => g.line), [...named('x', 0, 2), ...named('y', 0, 2)])
  checkOffsets(t, dir, r.batches)
  await quiet(t, tl)
  t.match(tl.stats, { copytruncates: 1, filesLost: 0 })
  t.match(logs, [{ level: 'warn', msg: /copied and truncated/ }])
  // not refilled: the copy is read without waiting for the live file to grow
  appendFileSync(p, namedLines('z', 0, 2))
  await collect(t, tl, 2)
  copyTruncate(p)
  await quiet(t, tl)
  appendFileSync(p, namedLines('w', 0, 2))
  copyTruncate(p)
  const w = await collect(t, tl, 2)
  t.same(w.got.map((g) => g.line), named('w', 0, 2), 'the copy of a file left empty is read while the live file stays empty')
  await quiet(t, tl)
  t.match(tl.stats, { copytruncates: 3, filesLost: 0 })
  await tl.close()
})

t.test('a restart from a position taken while the new file was empty reads its copy after a copytruncate while down (#11)', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 3))
  const first = mk(p, 'beginning', { settleMs: 20 }); await first.tl.start()
  await collect(t, first.tl, 3)
  rotate(p, '')
  await quiet(t, first.tl) // the rotated file is left; the empty live file is open
  const pos = first.tl.position()
  await first.tl.close()
  appendFileSync(p, namedLines('x', 0, 2)) // written while down, then copied away
  copyTruncate(p)
  appendFileSync(p, namedLines('y', 0, 1))
  const { tl } = mk(p, pos); await tl.start()
  const r = await collect(t, tl, 3)
  t.same(r.got.map((g) => g.line), [...named('x', 0, 2), ...named('y', 0, 1)])
  await quiet(t, tl)
  t.match(tl.stats, { filesLost: 0 })
  await tl.close()
})

t.test('resumed in a lost file with an empty file next: position() does not name the lost file, a restart does not count it again', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 3))
  const first = mk(p); await first.tl.start()
  await collect(t, first.tl, 3)
  const pos = first.tl.position()
  await first.tl.close()
  rotate(p, '', 2)
  rotate(p, lines(60, 62), 2) // num_logs = 2: the checkpointed file is deleted; the empty one is audit.log.1
  const second = mk(p, pos); await second.tl.start()
  t.match(second.tl.stats, { filesLost: 1 })
  const again = second.tl.position()
  await second.tl.close()
  t.not(again.identity.ino, pos.identity.ino, 'the lost file is not named')
  const { tl } = mk(p, again); await tl.start()
  t.same((await collect(t, tl, 2)).got.map((g) => g.line), expect(60, 62))
  t.match(tl.stats, { filesLost: 0 }, 'not counted twice')
  await tl.close()
})

t.test('waitedMs: reading what is on disk is not waiting; waiting at the end of the log is', async (t) => {
  const dir = t.testdir()
  const path = join(dir, 'audit.log')
  const line = 'type=USER_START msg=audit(1700000000.000:1): pid=1 uid=0 auid=1000 ses=1 msg=\'op=PAM:session_open acct="x" exe="/usr/sbin/sshd" res=success\''
  writeFileSync(path, `${line}\n`.repeat(200)) // many 4 KiB chunks
  const { tl } = mk(path)
  await tl.start()
  t.teardown(async () => { await tl.close() })
  await collect(t, tl, 200)
  t.equal(tl.waitedMs(), 0, 'no time counted while the file had unread lines')
  await quiet(t, tl, 150)
  const waited = tl.waitedMs()
  t.ok(waited >= 100, `the wait at the end of the log counted (${waited} ms)`)
  appendFileSync(path, `${line}\n`)
  await collect(t, tl, 1)
  const after = tl.waitedMs()
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(tl.waitedMs(), after, 'stands still between reads (the caller busy)')
})
