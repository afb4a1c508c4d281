import t from 'tap'
import { appendFileSync, copyFileSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tailer, type TailBatch, type TailPosition } from '../../src/source/tailer.js'

function mk (path: string, start: TailPosition | 'beginning' | 'end' = 'beginning'): Tailer {
  return new Tailer({ path, start, maxLineBytes: 1024, chunkBytes: 4096, pollIntervalMs: 20, watch: false })
}

/** Read batches until `want` lines arrived (or the time is up). */
async function collect (tl: Tailer, want: number, ms = 3000): Promise<{ lines: string[], batches: TailBatch[] }> {
  const lines: string[] = []
  const batches: TailBatch[] = []
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), ms)
  while (lines.length < want) {
    const b = await tl.read(ac.signal)
    if (b === null) break
    batches.push(b)
    for (const l of b.lines) lines.push(l.line)
  }
  clearTimeout(timer)
  return { lines, batches }
}

const L = (i: number): string => `line ${i}\n`
const lines = (a: number, b: number): string => Array.from({ length: b - a }, (_, k) => L(a + k)).join('')
const expect = (a: number, b: number): string[] => Array.from({ length: b - a }, (_, k) => `line ${a + k}`)

t.test('appends, a partial line completed later, offsets', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 3) + 'line 3 part')
  const tl = mk(p); await tl.start()
  const a = await collect(tl, 3)
  t.same(a.lines, expect(0, 3))
  t.same(a.batches[0].lines.map((l) => l.offset), [0, 7, 14])
  appendFileSync(p, 'ial\n' + lines(4, 6))
  const b = await collect(tl, 3)
  t.same(b.lines, ['line 3 partial', 'line 4', 'line 5'])
  t.equal(tl.position().offset, 21 + 15 + 14)
  await tl.close()
})

t.test('auditd rotation: the renamed file is drained (late writes too), then the new one', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 5))
  const tl = mk(p); await tl.start()
  t.same((await collect(tl, 5)).lines, expect(0, 5))
  renameSync(p, p + '.1')
  writeFileSync(p, lines(100, 103))
  appendFileSync(p + '.1', lines(5, 8)) // auditd still writing into the renamed file
  const r = await collect(tl, 6)
  t.same(r.lines, [...expect(5, 8), ...expect(100, 103)])
  t.equal(tl.stats.rotations, 1)
  await tl.close()
})

t.test('behind by several rotations: resume in audit.log.3, then .2, .1, audit.log', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 10))
  const tl = mk(p); await tl.start()
  await collect(tl, 4)
  const pos = tl.position() // not at the end: the tailer returned 10 lines in one batch, so take offset of line 4
  await tl.close()
  const resume: TailPosition = { ...pos, offset: 28 } // start of "line 4"
  renameSync(p, p + '.1'); writeFileSync(p, lines(10, 12))
  renameSync(p + '.1', p + '.2'); renameSync(p, p + '.1'); writeFileSync(p, lines(12, 14))
  renameSync(p + '.2', p + '.3'); renameSync(p + '.1', p + '.2'); renameSync(p, p + '.1'); writeFileSync(p, lines(14, 16))
  const t2 = mk(p, resume); await t2.start()
  t.same((await collect(t2, 12)).lines, expect(4, 16))
  await t2.close()
})

t.test('copytruncate: the unread tail is read from the copy, then the live file from 0', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 4))
  const tl = mk(p); await tl.start()
  t.same((await collect(tl, 4)).lines, expect(0, 4))
  appendFileSync(p, lines(4, 7) + 'line 7 half')
  copyFileSync(p, p + '.1')
  truncateSync(p, 0)
  appendFileSync(p, lines(20, 22))
  // the tailer may have read 4..6 before the copy; either way nothing is lost or repeated
  const r = await collect(tl, 6)
  t.same(r.lines, [...expect(4, 7), 'line 7 half', ...expect(20, 22)])
  await tl.close()
})

t.test('plain truncation restarts the file at 0 and is counted', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 10))
  const tl = mk(p); await tl.start()
  await collect(tl, 10)
  truncateSync(p, 0)
  appendFileSync(p, 'new 0\n')
  const r = await collect(tl, 1)
  t.same(r.lines, ['new 0'])
  t.equal(tl.stats.truncations, 1)
  await tl.close()
})

t.test('a checkpointed file gone under every name: counted as lost, the rest read from 0', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 3))
  const tl = mk(p); await tl.start()
  await collect(tl, 3)
  const pos = tl.position()
  await tl.close()
  writeFileSync(p + '.new', lines(50, 52)) // created while the old inode still exists: another inode
  unlinkSync(p)
  renameSync(p + '.new', p)
  const logs: string[] = []
  const t2 = new Tailer({ path: p, start: pos, maxLineBytes: 1024, chunkBytes: 4096, pollIntervalMs: 20, watch: false, log: (lvl, msg) => logs.push(`${lvl}: ${msg}`) })
  await t2.start()
  t.same((await collect(t2, 2)).lines, expect(50, 52))
  t.equal(t2.stats.filesLost, 1)
  t.match(logs.join('\n'), /error: the file being read is gone/)
  await t2.close()
})

t.test("read_from 'end' starts at the last line boundary; over-long lines are reported", async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, lines(0, 3) + 'partial')
  const tl = mk(p, 'end'); await tl.start()
  appendFileSync(p, ' done\n' + 'x'.repeat(3000) + '\n' + L(9))
  const r = await collect(tl, 2)
  t.same(r.lines, ['partial done', 'line 9'])
  t.same(r.batches.flatMap((b) => b.tooLong.map((x) => x.length)), [3000])
  await tl.close()
})

t.test('with chokidar: a new line is picked up without polling', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, '')
  const tl = new Tailer({ path: p, start: 'end', maxLineBytes: 1024, chunkBytes: 4096, pollIntervalMs: 60_000 })
  await tl.start()
  setTimeout(() => appendFileSync(p, 'hello\n'), 100)
  const r = await collect(tl, 1, 5000)
  t.same(r.lines, ['hello'])
  await tl.close()
})
