import t from 'tap'
import { chmodSync, chownSync, closeSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { dirProblem, openSafe, openSafeSync, safeDir, safeDirSync } from '../../src/delivery/safe-fs.js'
import { CheckpointStore } from '../../src/delivery/checkpoint-store.js'
import { DeadLetter } from '../../src/delivery/dead-letter.js'

const isRoot = process.geteuid?.() === 0
const mode = (p: string): number => statSync(p).mode & 0o7777
const dirStat = (m: number, uid = 0): { mode: number, uid: number, isDirectory: () => boolean } => ({ mode: 0o40000 | m, uid, isDirectory: () => true })

t.test('dirProblem: group- or world-writable, or owned by another non-root user', async (t) => {
  t.equal(dirProblem(dirStat(0o750), 1000), undefined, 'root-owned 0750')
  t.equal(dirProblem(dirStat(0o700, 1000), 1000), undefined, 'our own')
  t.equal(dirProblem(dirStat(0o755, 0), 1000), undefined, 'root-owned, readable by all')
  t.match(dirProblem(dirStat(0o770), 0), { reason: 'is writable by its group (mode 0770)', fix: /chmod g-w/ })
  t.match(dirProblem(dirStat(0o757), 0), { reason: 'is writable by every user (mode 0757)' })
  t.match(dirProblem(dirStat(0o1777), 0), { reason: 'is writable by every user (mode 01777)' }, 'the sticky bit does not make it safe')
  t.match(dirProblem(dirStat(0o755, 1000), 0), { reason: /owned by uid 1000, neither root nor the user auditship runs as \(uid 0\)/, fix: /chown/ })
  t.match(dirProblem({ mode: 0o100644, uid: 0, isDirectory: () => false }, 0), { reason: 'is not a directory' })
})

t.test('a symlink at the file is refused, not followed (sync and async)', async (t) => {
  const dir = t.testdir({ 'secret': 'root only\n' })
  chmodSync(dir, 0o750)
  const secret = join(dir, 'secret')
  symlinkSync(secret, join(dir, 'out.ndjson'))
  t.throws(() => openSafeSync(join(dir, 'out.ndjson'), 'append', 0o600), { code: 'AS_FILE_WRITE', message: /refusing .*out\.ndjson: it is a symbolic link/ })
  await t.rejects(openSafe(join(dir, 'out.ndjson'), 'append', 0o640), { code: 'AS_FILE_WRITE', message: /symbolic link/ })
  // the dead letter and the checkpoint's temporary file
  t.throws(() => new DeadLetter(join(dir, 'out.ndjson')).write({ code: 'X', reason: 'y' }), { message: /symbolic link/ })
  symlinkSync(secret, join(dir, 'checkpoint.json.tmp'))
  const store = new CheckpointStore(dir)
  await store.save({ position: null, teleport: null })
  t.equal(readFileSync(secret, 'utf8'), 'root only\n', 'the file the links point to is untouched')
  t.ok(lstatSync(join(dir, 'checkpoint.json')).isFile(), 'the checkpoint is a file of its own (the link at the temporary name was replaced, not followed)')
  mkdirSync(join(dir, 'cp2'), { mode: 0o750 })
  symlinkSync(secret, join(dir, 'cp2', 'checkpoint.json'))
  const r = await new CheckpointStore(join(dir, 'cp2')).load()
  t.match(r, { ok: false, error: /ELOOP|symbolic/ }, 'a checkpoint that is a link is not read')
})

t.test('a FIFO or a directory at the file is refused', async (t) => {
  const dir = t.testdir()
  chmodSync(dir, 0o750)
  mkdirSync(join(dir, 'sub'))
  t.throws(() => openSafeSync(join(dir, 'sub'), 'append', 0o600), /EISDIR|not a regular file/)
  let fifo = true
  try { execFileSync('mkfifo', [join(dir, 'fifo')]) } catch { fifo = false }
  if (fifo) {
    t.throws(() => openSafeSync(join(dir, 'fifo'), 'append', 0o600), { code: 'AS_FILE_WRITE', message: /not a regular file/ }, 'opened without blocking, then refused')
    await t.rejects(openSafe(join(dir, 'fifo'), 'append', 0o600), { message: /not a regular file/ })
  }
})

t.test('a directory others can write in is refused; one we create is 0750', async (t) => {
  const dir = t.testdir()
  chmodSync(dir, 0o755)
  const g = join(dir, 'group')
  mkdirSync(g)
  chmodSync(g, 0o775)
  t.throws(() => safeDirSync(g), { code: 'AS_FILE_WRITE', message: /refusing .*group: it is writable by its group \(mode 0775\)/ })
  await t.rejects(safeDir(g), { message: /writable by its group/ })
  t.throws(() => openSafeSync(join(g, 'dead-letter.ndjson'), 'append', 0o600), /writable by its group/)
  await t.rejects(new CheckpointStore(g).save({ position: null, teleport: null }), /writable by its group/)
  const w = join(dir, 'world')
  mkdirSync(w)
  chmodSync(w, 0o1777)
  t.throws(() => safeDirSync(w), /writable by every user \(mode 01777\)/)
  if (isRoot) {
    const u = join(dir, 'user')
    mkdirSync(u, { mode: 0o755 })
    chownSync(u, 65534, 65534)
    t.throws(() => safeDirSync(u), /owned by uid 65534/)
    // the attack measured: a user who owns the output directory links the output to a root-only file
    writeFileSync(join(dir, 'shadow'), 'root only\n')
    symlinkSync(join(dir, 'shadow'), join(u, 'out.ndjson'))
    await t.rejects(openSafe(join(u, 'out.ndjson'), 'append', 0o640), /owned by uid 65534/)
    t.equal(readFileSync(join(dir, 'shadow'), 'utf8'), 'root only\n')
  }
})

t.test('modes regardless of the umask: directories 0750, new files as asked; existing files keep theirs', async (t) => {
  const old = process.umask(0)
  t.teardown(() => { process.umask(old) })
  const dir = t.testdir()
  chmodSync(dir, 0o755)
  const deep = join(dir, 'a', 'b', 'c')
  safeDirSync(deep)
  for (const d of [join(dir, 'a'), join(dir, 'a', 'b'), deep]) t.equal(mode(d), 0o750, `${d.slice(dir.length)} is 0750 under umask 0`)
  await safeDir(join(dir, 'x', 'y'))
  t.equal(mode(join(dir, 'x')), 0o750)
  t.equal(mode(join(dir, 'x', 'y')), 0o750)
  closeSync(openSafeSync(join(deep, 'f'), 'append', 0o600))
  t.equal(mode(join(deep, 'f')), 0o600)
  await (await openSafe(join(dir, 'x', 'y', 'g'), 'append', 0o640)).close()
  t.equal(mode(join(dir, 'x', 'y', 'g')), 0o640)
  // under a strict umask, 0640 is still 0640 (the umask would make it 0600)
  process.umask(0o077)
  await (await openSafe(join(deep, 'h'), 'append', 0o640)).close()
  t.equal(mode(join(deep, 'h')), 0o640, '0640 under umask 077')
  safeDirSync(join(dir, 'strict'))
  t.equal(mode(join(dir, 'strict')), 0o750, '0750 under umask 077')
  // the three writers
  process.umask(0)
  const state = join(dir, 'state')
  await new CheckpointStore(state).save({ position: null, teleport: null })
  t.equal(mode(state), 0o750, 'state dir 0750')
  t.equal(mode(join(state, 'checkpoint.json')), 0o600, 'checkpoint 0600')
  const dl = new DeadLetter(join(dir, 'dl', 'dead-letter.ndjson'))
  dl.write({ code: 'X', reason: 'y' })
  dl.close()
  t.equal(mode(join(dir, 'dl')), 0o750)
  t.equal(mode(join(dir, 'dl', 'dead-letter.ndjson')), 0o600, 'dead letter 0600')
  // an existing file keeps the mode its owner gave it, and is appended to
  chmodSync(join(deep, 'f'), 0o644)
  const fd = openSafeSync(join(deep, 'f'), 'append', 0o600)
  writeSync(fd, 'x')
  closeSync(fd)
  t.equal(mode(join(deep, 'f')), 0o644)
  t.equal(readFileSync(join(deep, 'f'), 'utf8'), 'x')
})

t.test('replace: a new file in place of the old one', async (t) => {
  const dir = t.testdir({ 'f.tmp': 'old contents' })
  chmodSync(dir, 0o750)
  chmodSync(join(dir, 'f.tmp'), 0o666)
  const fh = await openSafe(join(dir, 'f.tmp'), 'replace', 0o600)
  await fh.writeFile('new')
  await fh.close()
  t.equal(readFileSync(join(dir, 'f.tmp'), 'utf8'), 'new')
  t.equal(mode(join(dir, 'f.tmp')), 0o600)
})
