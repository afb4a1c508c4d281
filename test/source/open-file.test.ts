import t from 'tap'
import { appendFileSync, copyFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { OpenFile, openStep } from '../../src/source/open-file.js'
import { identify, type FileState } from '../../src/source/identity.js'
import type { ReadStep } from '../../src/source/rotation.js'

async function stepOf (path: string, startOffset = 0): Promise<ReadStep> {
  return { path, identity: await identify(path) as FileState, startOffset }
}

t.test('openStep: a planned file is found by identity under its name, renamed, or by its bytes when copied away and truncated (#11)', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, 'first line of the queued file\n')
  const step = await stepOf(p)

  const direct = await openStep(step, p)
  t.equal(direct?.path, p, 'under its planned name')
  await direct?.fh.close()

  renameSync(p, p + '.1'); writeFileSync(p, 'new live file\n')
  const renamed = await openStep(step, p)
  t.equal(renamed?.path, p + '.1', 'renamed: under its new name')
  t.equal(renamed?.identity.ino, step.identity.ino)
  await renamed?.fh.close()

  // copytruncate: copy to .1, truncate in place, refill
  unlinkSync(p + '.1'); writeFileSync(p, 'first line of the queued file\nmore\n')
  const step2 = await stepOf(p, 10)
  copyFileSync(p, p + '.1'); truncateSync(p, 0); appendFileSync(p, 'other bytes\n')
  const copied = await openStep(step2, p)
  t.equal(copied?.path, p + '.1', 'copied away: the copy, found by its first bytes')
  t.not(copied?.identity.ino, statSync(p).ino)
  await copied?.fh.close()

  truncateSync(p + '.1', 5)
  t.equal(await openStep(step2, p), undefined, 'a copy shorter than the start offset does not hold what is to be read')
  unlinkSync(p + '.1')
  t.equal(await openStep(step2, p), undefined, 'no name holds its bytes: not found')
})

t.test('OpenFile: the lines of a chunk survive the next read into the same buffer (they are decoded when fed)', async (t) => {
  const dir = t.testdir(); const p = join(dir, 'audit.log')
  writeFileSync(p, 'first\nsecond\nthird\n')
  const found = await openStep(await stepOf(p), p)
  if (found === undefined) { t.fail('not opened'); return }
  const f = new OpenFile(found, 0, 1024)
  t.teardown(async () => { await f.close() })
  const buf = Buffer.alloc(8)
  const n = await f.read(buf)
  f.push(buf.subarray(0, n)) // 'first\nse'
  const b1 = f.take()
  buf.fill(0x5a) // the tailer reads its next chunk into the same buffer
  const n2 = await f.read(buf)
  f.push(buf.subarray(0, n2)) // 'cond\nthi'
  buf.fill(0x5a)
  const b2 = f.take()
  t.same(b1?.lines.toArray(), [{ line: 'first', offset: 0, ascii: true }])
  t.same(b2?.lines.toArray(), [{ line: 'second', offset: 6, ascii: true }])
})
