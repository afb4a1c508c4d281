import t, { type Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, lstatSync, readdirSync, readFileSync, renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { acquireStateLock, LOCK_FILE, removeStale, type LockHolder } from '../../src/run/state-lock.js'
import { bootId, parseStat, procInfo } from '../../src/run/proc.js'

const holderOf = (dir: string): LockHolder => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockHolder

/** A pid that was a process and is no more (reaped). */
function deadPid (): number {
  const r = spawnSync(process.execPath, ['-e', ''])
  return r.pid
}

/** A running process with the given argv[0], killed at the end of the test. */
async function running (t: Test, argv0: string): Promise<number> {
  const c = spawn('sleep', ['60'], { argv0, stdio: 'ignore' })
  await once(c, 'spawn')
  t.teardown(() => { c.kill('SIGKILL') })
  return c.pid as number
}

t.test('/proc/<pid>/stat is read after the command, whatever it holds', async (t) => {
  t.same(parseStat('42 (a) b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 777 19'), { state: 'S', startTicks: '777' })
  t.equal(parseStat('garbage'), undefined)
  t.equal(parseStat('1 (x) S 1 2'), undefined, 'too few fields')
  t.match(procInfo(process.pid), { startTicks: /^\d+$/ })
})

t.test('taken: mode 0600 whatever the umask, holding our pid and start time; released at exit', async (t) => {
  const dir = join(t.testdir(), 'state', 'sub')
  const old = process.umask(0)
  t.teardown(() => { process.umask(old) })
  const r = acquireStateLock(dir)
  t.ok(r.ok, 'taken; the missing state dir is created')
  if (!r.ok) return
  t.equal(lstatSync(join(dir, LOCK_FILE)).mode & 0o777, 0o600)
  t.equal(lstatSync(dir).mode & 0o777, 0o750, 'the state dir is created 0750')
  t.match(holderOf(dir), { pid: process.pid, start_ticks: procInfo(process.pid)?.startTicks, boot_id: bootId(), started_at: /^\d{4}-/ })
  t.same(readdirSync(dir), [LOCK_FILE], 'no temporary file left')
  t.equal(process.listeners('exit').length > 0, true)
  r.lock.release()
  t.notOk(existsSync(join(dir, LOCK_FILE)), 'released')
  r.lock.release()
})

t.test('a second taker is refused while the holder runs, naming its pid', async (t) => {
  const dir = t.testdir()
  const first = acquireStateLock(dir)
  t.ok(first.ok)
  // the holder is this very process: running, with the recorded start time and command line
  const second = acquireStateLock(dir, { isAuditship: () => true })
  t.match(second, { ok: false, held: true, holder: { pid: process.pid }, message: new RegExp(`in use by another auditship \\(pid ${process.pid}, running since .*; lock ${join(dir, LOCK_FILE)}\\)`), fix: /kill -TERM \d+.*state_dir of its own/ })
  t.equal(holderOf(dir).pid, process.pid, 'the holder keeps its lock')
  t.same(readdirSync(dir), [LOCK_FILE], 'the refused taker leaves no file behind')
  if (first.ok) first.lock.release()
})

t.test('an auditship that runs elsewhere (another pid) holds it too', async (t) => {
  const dir = t.testdir()
  const pid = await running(t, 'auditship')
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, start_ticks: procInfo(pid)?.startTicks, boot_id: bootId() }))
  t.match(acquireStateLock(dir), { ok: false, held: true, holder: { pid }, message: new RegExp(`pid ${pid}`) }, 'the default test of an auditship: its command line names it')
})

t.test('stale locks are taken over, and why is said', async (t) => {
  const dir = t.testdir()
  const lock = join(dir, LOCK_FILE)
  const me = procInfo(process.pid)?.startTicks
  const other = await running(t, 'sleep')
  const cases: Array<[string, object | string, RegExp]> = [
    ['its pid is not running', { pid: deadPid(), start_ticks: '1' }, /pid \d+ is not running/],
    ['its pid is another process now', { pid: process.pid, start_ticks: '1' }, new RegExp(`pid ${process.pid} is another process now \\(it started at tick ${me}, the holder at 1\\)`)],
    ['its pid runs something else than auditship', { pid: other, start_ticks: procInfo(other)?.startTicks }, new RegExp(`pid ${other} is not auditship \\(sleep 60\\)`)],
    ['it was written before the last boot', { pid: process.pid, start_ticks: me, boot_id: 'another-boot' }, /written before the last boot/],
    ['it holds no pid', 'garbage', /holds no pid/],
    ['it is empty', '', /holds no pid/],
  ]
  for (const [what, body, reason] of cases) {
    writeFileSync(lock, typeof body === 'string' ? body : JSON.stringify(body))
    const r = acquireStateLock(dir, { isAuditship: (cmd) => !cmd.includes('sleep') })
    t.match(r, { ok: true, tookOver: { reason } }, what)
    if (r.ok) {
      t.equal(holderOf(dir).pid, process.pid, `${what}: the lock is ours now`)
      r.lock.release()
    }
    t.same(readdirSync(dir), [], `${what}: nothing left behind`)
  }
})

t.test('a holder that has exited but is not reaped yet (a zombie) is stale', async (t) => {
  const dir = t.testdir()
  // `sleep 0` exits at once; its parent became `sleep 60`, which never reaps it
  const c = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] })
  t.teardown(() => { c.kill('SIGKILL') })
  const [out] = await once(c.stdout, 'data') as [Buffer]
  const pid = Number(out.toString().trim())
  for (let i = 0; i < 100 && procInfo(pid)?.state !== 'Z'; i++) await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(procInfo(pid)?.state, 'Z', 'a zombie')
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, start_ticks: procInfo(pid)?.startTicks }))
  const r = acquireStateLock(dir, { isAuditship: () => true })
  t.match(r, { ok: true, tookOver: { reason: `pid ${pid} has exited` } })
  if (r.ok) r.lock.release()
})

t.test('a lock that is not a regular file is refused, never followed', async (t) => {
  const dir = t.testdir({ target: 'x' })
  symlinkSync(join(dir, 'target'), join(dir, LOCK_FILE))
  t.match(acquireStateLock(dir), { ok: false, held: false, message: /cannot be used: it is a symbolic link/, fix: /remove .*auditship\.lock/ })
  t.equal(readFileSync(join(dir, 'target'), 'utf8'), 'x', 'the target is untouched')
  unlinkSync(join(dir, LOCK_FILE))
})

t.test('a state dir that cannot be created is a value with the reason', async (t) => {
  const dir = t.testdir({ file: 'x' })
  t.match(acquireStateLock(join(dir, 'file', 'state')), { ok: false, held: false, message: /cannot create the state dir .*file\/state: .*ENOTDIR/, fix: /install -d -m 0750/ })
})

t.test('release leaves a lock that is not ours anymore', async (t) => {
  const dir = t.testdir()
  const r = acquireStateLock(dir)
  t.ok(r.ok)
  if (!r.ok) return
  unlinkSync(join(dir, LOCK_FILE))
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1 }))
  r.lock.release()
  t.equal(holderOf(dir).pid, 1, "another's lock is left in place")
})

t.test('a stale lock replaced by a fresh one before it is moved away: the fresh one is put back', async (t) => {
  const dir = t.testdir()
  const lock = join(dir, LOCK_FILE)
  writeFileSync(lock, 'stale')
  const judged = lstatSync(lock)
  writeFileSync(join(dir, 'fresh'), JSON.stringify({ pid: 1 }))
  renameSync(join(dir, 'fresh'), lock) // another daemon took it over meanwhile
  removeStale(lock, join(dir, 'claim'), { dev: judged.dev, ino: judged.ino })
  t.equal(holderOf(dir).pid, 1, "the other daemon's lock is back under the name")
  t.same(readdirSync(dir), [LOCK_FILE])
  removeStale(lock, join(dir, 'claim'), { dev: lstatSync(lock).dev, ino: lstatSync(lock).ino })
  t.same(readdirSync(dir), [], 'the one judged stale is removed')
})
