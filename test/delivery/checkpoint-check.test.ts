import t from 'tap'
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkPosition } from '../../src/delivery/checkpoint-check.js'
import { identify } from '../../src/source/identity.js'
import type { SourcePosition } from '../../src/source/source.js'

const LINE = (n: number): string => `type=SYSCALL msg=audit(1700000000.${String(n).padStart(3, '0')}:${n}): arch=c000003e syscall=59 success=yes\n`
const LOG = LINE(1) + LINE(2) + LINE(3)

async function positionIn (path: string, offset: number): Promise<SourcePosition> {
  const id = await identify(path)
  if (id === undefined) throw new Error('no file')
  const { size: _size, ...identity } = id
  return { path, identity, offset }
}

t.test('an offset at a line start within its file is fine, in the live file or a rotated one', async (t) => {
  const dir = t.testdir({ 'audit.log': LOG })
  const log = join(dir, 'audit.log')
  for (const offset of [0, LINE(1).length, LOG.length]) t.equal(await checkPosition(await positionIn(log, offset), log), undefined, `offset ${offset}`)
  const p = await positionIn(log, LINE(1).length)
  renameSync(log, `${log}.1`)
  writeFileSync(log, LINE(4))
  t.equal(await checkPosition(p, log), undefined, 'rotated: found as audit.log.1')
  t.equal(await checkPosition(null, log), undefined, 'no position (plugin mode)')
})

t.test('an offset beyond the end of its own file is refused, never taken for a truncation', async (t) => {
  const dir = t.testdir({ 'audit.log': LOG })
  const log = join(dir, 'audit.log')
  const p = await positionIn(log, LOG.length)
  const huge = { ...p, offset: 99_999_999 }
  t.match(await checkPosition(huge, log), new RegExp(`offset 99999999 is beyond the end of ${log} \\(${LOG.length} bytes\\), which is its file \\(same device, inode and first 64 bytes\\)`))
  renameSync(log, `${log}.1`)
  t.match(await checkPosition(huge, log), /beyond the end of .*audit\.log\.1/, 'also once rotated')
})

t.test('an offset inside a line is refused', async (t) => {
  const dir = t.testdir({ 'audit.log': LOG })
  const log = join(dir, 'audit.log')
  t.match(await checkPosition(await positionIn(log, 10), log), /offset 10 in .*audit\.log is not the start of a line/)
  t.match(await checkPosition(await positionIn(log, LINE(1).length + 1), log), /is not the start of a line/)
})

t.test('what the rotation planner decides is left to it (logged by the tailer)', async (t) => {
  const dir = t.testdir({ 'audit.log': LOG })
  const log = join(dir, 'audit.log')
  const p = await positionIn(log, LOG.length)
  truncateSync(log, 0)
  appendFileSync(log, LINE(9))
  t.equal(await checkPosition(p, log), undefined, 'truncated and rewritten in place: other first bytes, the planner reads it again and counts it')
  const short = t.testdir({ 'audit.log': 'type=X msg=audit(1.000:1): a\n' })
  const sp = await positionIn(join(short, 'audit.log'), 5)
  t.equal(await checkPosition({ ...sp, offset: 500 }, join(short, 'audit.log')), undefined, 'a fingerprint shorter than 64 bytes does not prove the file is ours')
  t.equal(await checkPosition({ path: log, identity: { dev: 0, ino: 0, fingerprint: '' }, offset: 0 }, log), undefined, 'no file was open')
  t.equal(await checkPosition(p, join(dir, 'none.log')), undefined, 'the log is not there (yet)')
})

t.test('files that cannot be read give no verdict on the checkpoint (the tailer reports them)', async (t) => {
  const dir = t.testdir({ 'audit.log': LOG })
  const log = join(dir, 'audit.log')
  const p = await positionIn(log, 99_999)
  t.equal(await checkPosition(p, join(log, 'not-a-dir', 'audit.log')), undefined, 'ENOTDIR on the way')
})
