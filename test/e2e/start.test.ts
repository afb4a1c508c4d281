/**
 * End-to-end: what `auditship run` (the built CLI) refuses at start, before it reads a line:
 * a state dir or dead-letter file it cannot write (exit 73), a state dir another daemon holds
 * (exit 73, naming its pid), a checkpoint it cannot use (exit 65, with the command that moves
 * it aside); and what it takes over (a stale lock) or resets (--reset-checkpoint).
 */
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { appendEvents, delivered, exited, startDaemon, until } from '../helpers/daemon.js'

function config (dir: string, extra = ''): string {
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source:
  path: ${dir}/audit.log
  read_from: beginning
  poll_interval_ms: 50
correlate:
  idle_timeout_ms: 300
state_dir: ${dir}/state
checkpoint:
  interval_ms: 100
server:
  enabled: false
sinks:
  - type: file
    path: ${dir}/out.ndjson
    batch: { max_events: 200, flush_interval_ms: 20 }
log:
  level: warn
  format: json
${extra}`)
  return cfg
}

const lock = (dir: string): { pid: number } | undefined => existsSync(join(dir, 'state', 'auditship.lock')) ? JSON.parse(readFileSync(join(dir, 'state', 'auditship.lock'), 'utf8')) as { pid: number } : undefined
const twice = (out: string): boolean => [...delivered(out).values()].some((n) => n > 1)

/** Its exit code, or undefined when it runs on after `ms` (the test goes on: it fails, it does not hang). */
async function exitedWithin (child: ChildProcess, ms: number): Promise<number | null | undefined> {
  await until(() => child.exitCode !== null || child.signalCode !== null, ms)
  return child.exitCode !== null || child.signalCode !== null ? (await exited(child)).code : undefined
}
const lines = (text: string): Array<Record<string, unknown>> => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)

t.test('a state dir that cannot be created: exit 73 before reading anything, with the path, the reason and the fix', async (t) => {
  const dir = t.testdir({ 'not-a-dir': 'x' })
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 50)
  const cfg = config(dir)
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(`state_dir: ${dir}/state`, `state_dir: ${dir}/not-a-dir/state`))
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  const ex = await exited(d)
  t.equal(ex.code, 73, 'EX_CANTCREAT')
  t.match(lines(d.stderrText()), [{ level: 50, code: 'AS_RUN_PREFLIGHT', key: 'state_dir', path: `${dir}/not-a-dir/state`, msg: /cannot start: cannot create the state dir .*not-a-dir\/state: .*not-a-dir is not a directory/, fix: /state_dir/ }])
  t.equal(delivered(join(dir, 'out.ndjson')).size, 0, 'nothing shipped')
  t.notMatch(d.stderrText(), /auditship starting/, 'stopped before starting')
})

t.test('a dead-letter path that cannot be written: exit 73 at start, not at the first bad line', async (t) => {
  const dir = t.testdir({ 'dl-is-a-dir': {} })
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 20)
  writeFileSync(log, 'garbage line\n', { flag: 'a' })
  const d = startDaemon(config(dir, `delivery:\n  dead_letter_path: ${dir}/dl-is-a-dir\n`))
  t.teardown(() => { d.kill('SIGKILL') })
  const ex = await exited(d)
  t.equal(ex.code, 73)
  t.match(lines(d.stderrText()), [{ code: 'AS_RUN_PREFLIGHT', key: 'delivery.dead_letter_path', msg: /the dead-letter file .*dl-is-a-dir is a directory/ }])
  t.equal(delivered(join(dir, 'out.ndjson')).size, 0, 'nothing shipped, so nothing shipped twice at the next start')
  t.notOk(existsSync(join(dir, 'state', 'auditship.lock')), 'no lock left behind')
})

t.test('one daemon per state dir: a second is refused naming the first; once the first is killed its lock is stale and taken over', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  let next = appendEvents(log, 1, 100)
  const cfg = config(dir)
  const a = startDaemon(cfg)
  t.teardown(() => { a.kill('SIGKILL') })
  t.ok(await until(() => delivered(join(dir, 'out.ndjson')).size === 100, 15000), 'the first ships')
  t.equal(lock(dir)?.pid, a.pid, 'the lock names the first daemon')

  const b = startDaemon(cfg)
  t.teardown(() => { b.kill('SIGKILL') })
  t.equal(await exitedWithin(b, 10000), 73, 'the second exits 73')
  t.notOk(twice(join(dir, 'out.ndjson')), 'the second shipped nothing')
  t.match(lines(b.stderrText()), [{ code: 'AS_RUN_LOCKED', msg: new RegExp(`the state dir .*state is in use by another auditship \\(pid ${a.pid}, running since [^;]+; lock .*auditship\\.lock\\)`), fix: new RegExp(`kill -TERM ${a.pid}`) }])
  t.equal(a.exitCode, null, 'the first runs on')
  t.equal(lock(dir)?.pid, a.pid, 'and keeps its lock')
  next = appendEvents(log, next, 50)
  t.ok(await until(() => delivered(join(dir, 'out.ndjson')).size === next - 1, 15000), 'and ships alone')
  t.ok([...delivered(join(dir, 'out.ndjson')).values()].every((n) => n === 1), 'each event once')

  a.kill('SIGKILL')
  await exited(a)
  t.equal(lock(dir)?.pid, a.pid, 'SIGKILL leaves the lock')
  next = appendEvents(log, next, 50)
  const c = startDaemon(cfg)
  t.teardown(() => { c.kill('SIGKILL') })
  t.ok(await until(() => delivered(join(dir, 'out.ndjson')).size === next - 1, 15000), 'the next daemon starts and ships')
  t.equal(lock(dir)?.pid, c.pid, 'under its own lock')
  t.match(lines(c.stderrText()), [{ level: 40, holder: a.pid, msg: new RegExp(`took over a stale lock: pid ${a.pid} (is not running|has exited)`) }])
  c.kill('SIGTERM')
  t.equal((await exited(c)).code, 0)
  t.notOk(existsSync(join(dir, 'state', 'auditship.lock')), 'released at exit')
})

t.test('a lock whose pid runs something else than auditship is stale', async (t) => {
  const dir = t.testdir({ state: {} })
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 30)
  const other = spawn('sleep', ['60'], { stdio: 'ignore' })
  await once(other, 'spawn')
  t.teardown(() => { other.kill('SIGKILL') })
  const stat = readFileSync(`/proc/${other.pid}/stat`, 'latin1')
  const startTicks = stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/)[19]
  writeFileSync(join(dir, 'state', 'auditship.lock'), JSON.stringify({ pid: other.pid, start_ticks: startTicks }))
  const d = startDaemon(config(dir))
  t.teardown(() => { d.kill('SIGKILL') })
  t.ok(await until(() => delivered(join(dir, 'out.ndjson')).size === 30, 15000), 'starts and ships')
  t.match(lines(d.stderrText()), [{ msg: new RegExp(`took over a stale lock: pid ${other.pid} is not auditship \\(sleep 60\\)`) }])
})

t.test('a corrupt checkpoint: refused with the reason and the recovery command (exit 65); --reset-checkpoint moves it aside and starts', async (t) => {
  const dir = t.testdir({ state: {} })
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 40)
  const cp = join(dir, 'state', 'checkpoint.json')
  const bad = JSON.stringify({ version: 1, position: 'abc', teleport: null, saved_at: '2024-01-01T00:00:00.000Z' })
  writeFileSync(cp, bad)
  const cfg = config(dir)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  t.equal(await exitedWithin(d, 10000), 65, 'EX_DATAERR')
  const fix = `auditship run --config ${cfg} --reset-checkpoint`
  t.match(lines(d.stderrText()), [{ code: 'AS_RUN_CHECKPOINT_INVALID', path: cp, msg: /cannot start: the checkpoint cannot be used: .*checkpoint\.json is not a checkpoint .*\/position must be object,null/ }])
  t.ok(d.stderrText().includes(fix), 'the recovery command is given')
  t.equal(delivered(join(dir, 'out.ndjson')).size, 0, 'nothing read: not from the end, not from the start')
  t.equal(readFileSync(cp, 'utf8'), bad, 'the checkpoint is left as it was')

  const r = startDaemon(cfg, {}, ['--reset-checkpoint'])
  t.teardown(() => { r.kill('SIGKILL') })
  t.ok(await until(() => delivered(join(dir, 'out.ndjson')).size === 40, 15000), 'starts as without a checkpoint: source.read_from (beginning) decides')
  const aside = readdirSync(join(dir, 'state')).filter((n) => n.startsWith('checkpoint.json.bad-'))
  t.equal(aside.length, 1)
  t.equal(readFileSync(join(dir, 'state', aside[0]), 'utf8'), bad, 'the bad file is kept aside')
  t.match(lines(r.stderrText()), [{ level: 40, moved_to: join(dir, 'state', aside[0]), msg: /--reset-checkpoint: checkpoint moved aside/ }])
  r.kill('SIGTERM')
  t.equal((await exited(r)).code, 0)
  t.ok(existsSync(cp), 'a new checkpoint is written')
})

t.test('a checkpoint whose offset lies beyond the end of its own file is refused, not read again from 0', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 30)
  const cfg = config(dir)
  const a = startDaemon(cfg)
  t.teardown(() => { a.kill('SIGKILL') })
  t.ok(await until(() => delivered(join(dir, 'out.ndjson')).size === 30, 15000))
  a.kill('SIGTERM')
  t.equal((await exited(a)).code, 0)
  const cp = join(dir, 'state', 'checkpoint.json')
  const saved = JSON.parse(readFileSync(cp, 'utf8')) as { position: { offset: number } }
  saved.position.offset = 10_000_000
  writeFileSync(cp, JSON.stringify(saved))
  const b = startDaemon(cfg)
  t.teardown(() => { b.kill('SIGKILL') })
  t.equal(await exitedWithin(b, 10000), 65)
  t.match(b.stderrText(), /offset 10000000 is beyond the end of .*audit\.log/)
  t.equal(delivered(join(dir, 'out.ndjson')).size, 30, 'nothing shipped again')
  t.ok([...delivered(join(dir, 'out.ndjson')).values()].every((n) => n === 1))
})
