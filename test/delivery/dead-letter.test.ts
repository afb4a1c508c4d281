import t from 'tap'
import { chmodSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { DeadLetter } from '../../src/delivery/dead-letter.js'

const reasons = (p: string): string[] => existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { reason: string }).reason) : []

t.test('renamed or removed (logrotate without SIGHUP): the next entry goes to a new file at the path', async (t) => {
  const root = t.testdir()
  chmodSync(root, 0o755)
  const path = join(root, 'state', 'dead-letter.ndjson')
  const dl = new DeadLetter(path)
  dl.write({ code: 'X', reason: 'one' })
  renameSync(path, `${path}.1`)
  dl.write({ code: 'X', reason: 'two' })
  t.same(reasons(`${path}.1`), ['one'])
  t.same(reasons(path), ['two'])
  rmSync(join(root, 'state'), { recursive: true })
  dl.write({ code: 'X', reason: 'three' })
  t.same(reasons(path), ['three'], 'its directory removed: recreated, and the entry is in the file the path names')
  dl.close()
})

t.test('reopen() (SIGHUP): the next entry opens the path anew', async (t) => {
  const root = t.testdir()
  chmodSync(root, 0o755)
  const path = join(root, 'dead-letter.ndjson')
  const dl = new DeadLetter(path)
  dl.write({ code: 'X', reason: 'one' })
  dl.reopen()
  dl.write({ code: 'X', reason: 'two' })
  t.same(reasons(path), ['one', 'two'], 'the same file when nothing moved')
  dl.reopen()
  dl.reopen()
  t.equal(dl.written, 2)
  dl.close()
})
