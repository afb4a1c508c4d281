import t from 'tap'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Logger } from '../../src/telemetry/logger.js'
import { checkConfig } from '../../src/config/validate.js'
import type { Config } from '../../src/config/types.js'
import { startChecks, type StartResult } from '../../src/run/start.js'
import { LOCK_FILE } from '../../src/run/state-lock.js'
import { identify } from '../../src/source/identity.js'

const LINE = (n: number): string => `type=SYSCALL msg=audit(1700000000.${String(n).padStart(3, '0')}:${n}): arch=c000003e syscall=59 success=yes\n`

function config (doc: Record<string, unknown>): Config {
  const r = checkConfig({ sinks: [{ type: 'stdout' }], ...doc })
  if (!r.ok) throw new Error(JSON.stringify(r.errors))
  return r.config
}

function logged (): { log: Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  return { log: pino<never>({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>) } }), lines }
}

async function start (c: Config, reset = false): Promise<StartResult & { lines: Array<Record<string, unknown>> }> {
  const { log, lines } = logged()
  const r = await startChecks({ config: c, configFile: '/etc/auditship/auditship.yaml', resetCheckpoint: reset, log })
  t.teardown(() => { if (r.ok) r.lock.release() })
  return { ...r, lines }
}

async function positionIn (path: string, offset: number): Promise<object> {
  const id = await identify(path)
  if (id === undefined) throw new Error('no file')
  const { size: _size, ...identity } = id
  return { path, identity, offset }
}

t.test('a state dir or dead-letter file that cannot be written: refused, nothing taken', async (t) => {
  const dir = t.testdir({ file: 'x', 'dl-dir': {} })
  const bad = await start(config({ source: { path: join(dir, 'audit.log') }, state_dir: join(dir, 'file', 'state') }))
  t.match(bad, { ok: false, error: { code: 'AS_RUN_PREFLIGHT' }, problems: [{ key: 'state_dir', path: join(dir, 'file', 'state'), message: /is not a directory/, fix: /state_dir/ }] })
  const dl = await start(config({ source: { path: join(dir, 'audit.log') }, state_dir: join(dir, 'state'), delivery: { dead_letter_path: join(dir, 'dl-dir') } }))
  t.match(dl, { ok: false, error: { code: 'AS_RUN_PREFLIGHT' }, problems: [{ key: 'delivery.dead_letter_path', path: join(dir, 'dl-dir'), message: /is a directory/ }] })
  t.notOk(existsSync(join(dir, 'state')), 'the state dir is not even created')
})

t.test('the audit log not existing yet is no reason to refuse', async (t) => {
  const dir = t.testdir()
  const r = await start(config({ source: { path: join(dir, 'none', 'audit.log') }, state_dir: join(dir, 'state') }))
  t.match(r, { ok: true, checkpoint: undefined })
  t.ok(existsSync(join(dir, 'state', LOCK_FILE)), 'the lock is taken')
})

t.test('a second start on the same state dir is refused naming the holder', async (t) => {
  const dir = t.testdir()
  const c = config({ source: { path: join(dir, 'audit.log') }, state_dir: join(dir, 'state') })
  const first = await start(c)
  t.ok(first.ok)
  const second = await start(c)
  t.match(second, { ok: false, error: { code: 'AS_RUN_LOCKED' }, problems: [{ message: new RegExp(`in use by another auditship \\(pid ${process.pid}`), fix: /kill -TERM/ }] })
})

t.test('a checkpoint that cannot be used: refused with the reason and the command; the lock is released', async (t) => {
  const dir = t.testdir({ 'audit.log': LINE(1) + LINE(2), state: {} })
  const log = join(dir, 'audit.log')
  const c = config({ source: { path: log, read_from: 'end' }, state_dir: join(dir, 'state') })
  const cp = join(dir, 'state', 'checkpoint.json')
  const body = (position: object): string => JSON.stringify({ version: 1, position, teleport: null, saved_at: '2024-01-01T00:00:00.000Z' })
  const cases: Array<[string, string, RegExp]> = [
    ['an offset of the wrong type', body({ ...await positionIn(log, 0), offset: 'abc' }), /\/position\/offset must be integer/],
    ['an offset beyond its file', body(await positionIn(log, 5000)), /offset 5000 is beyond the end of .*audit\.log \(\d+ bytes\)/],
    ['an offset inside a line', body(await positionIn(log, 7)), /offset 7 in .*audit\.log is not the start of a line/],
    ['not JSON', '{"version": 1, "posi', /is not valid JSON/],
  ]
  for (const [what, text, reason] of cases) {
    writeFileSync(cp, text)
    const r = await start(c)
    t.match(r, { ok: false, error: { code: 'AS_RUN_CHECKPOINT_INVALID' }, problems: [{ path: cp, message: reason }] }, what)
    if (!r.ok) t.match(r.problems[0].fix, `auditship run --config /etc/auditship/auditship.yaml --reset-checkpoint moves it aside (to ${cp}.bad-<time>) and starts without it (source.read_from is end, so what is on disk now is not shipped), or put back a good copy`, `${what}: the recovery command`)
    t.notOk(existsSync(join(dir, 'state', LOCK_FILE)), `${what}: the lock is released`)
    t.equal(readFileSync(cp, 'utf8'), text, `${what}: the checkpoint is left as it is`)
  }
  writeFileSync(cp, body(await positionIn(log, LINE(1).length)))
  t.match(await start(c), { ok: true, checkpoint: { position: { offset: LINE(1).length } } }, 'a good one is used')
})

t.test('--reset-checkpoint moves the checkpoint aside (logged), and starts as without one', async (t) => {
  const dir = t.testdir({ state: { 'checkpoint.json': '{"version":1,"position":"abc"}' } })
  const c = config({ source: { path: join(dir, 'audit.log'), read_from: 'beginning' }, state_dir: join(dir, 'state') })
  const r = await start(c, true)
  t.match(r, { ok: true, checkpoint: undefined })
  const aside = readdirSync(join(dir, 'state')).filter((n) => n.startsWith('checkpoint.json.bad-'))
  t.equal(aside.length, 1, 'moved aside')
  t.match(aside[0], /^checkpoint\.json\.bad-\d{8}T\d{6}Z$/)
  t.equal(readFileSync(join(dir, 'state', aside[0]), 'utf8'), '{"version":1,"position":"abc"}', 'kept as it was')
  t.match(r.lines, [{ level: 40, moved_to: join(dir, 'state', aside[0]), was: /is not a checkpoint .*must have required property 'teleport'/, msg: /checkpoint moved aside to .*; starting without one: source\.read_from is beginning, so every file of the log on disk is shipped again/ }])
  if (r.ok) r.lock.release()
  const again = await start(c, true)
  t.match(again.lines, [{ level: 30, msg: /there is no checkpoint; starting without one/ }], 'nothing to reset: said so')
})

t.test('plugin mode: the previous instance is waited for (auditd restarts the plugin at once), then it is refused', async (t) => {
  const dir = t.testdir()
  const c = config({ source: { stdin: true }, state_dir: join(dir, 'state'), shutdown: { timeout_ms: 0 } })
  const first = await start(c)
  t.ok(first.ok)
  const { log, lines } = logged()
  const waiting = startChecks({ config: c, configFile: 'p.yaml', resetCheckpoint: false, log, lockPollMs: 10 })
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.match(lines, [{ level: 40, holder: process.pid, msg: /waiting for the previous auditship/ }])
  if (first.ok) first.lock.release()
  const second = await waiting
  t.match(second, { ok: true }, 'taken once the previous instance has let it go')
  const third = await startChecks({ config: c, configFile: 'p.yaml', resetCheckpoint: false, log, lockPollMs: 10, lockGraceMs: 50 })
  t.match(third, { ok: false, error: { code: 'AS_RUN_LOCKED' } }, 'a holder that does not let go is refused in the end')
  if (second.ok) second.lock.release()
})
