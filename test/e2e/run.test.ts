/**
 * End-to-end: the built CLI as a daemon (`auditship run`) on a log that the test appends to,
 * rotates the auditd way and by copytruncate, and kills with SIGKILL; every event must
 * arrive (counted by serial), at least once, and in order per file.
 */
import t from 'tap'
import { writeFileSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { existsSync } from 'node:fs'
import { appendEvents, delivered, exited, rotateAuditd, rotateCopyTruncate, startDaemon, until } from '../helpers/daemon.js'

/** The daemon is up once it has written its first checkpoint. */
async function up (dir: string): Promise<boolean> {
  return await until(() => existsSync(join(dir, 'state', 'checkpoint.json')), 10000, 20)
}

function config (dir: string, extra = ''): string {
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source:
  path: ${dir}/audit.log
  read_from: beginning
  poll_interval_ms: 50
correlate:
  idle_timeout_ms: 300
state_dir: ${dir}/state
server: { enabled: false }
checkpoint:
  interval_ms: 100
sinks:
  - type: file
    path: ${dir}/out.ndjson
    batch: { max_events: 200, flush_interval_ms: 20 }
log:
  level: warn
${extra}`)
  return cfg
}

function missing (got: Map<number, number>, total: number): number[] {
  const out: number[] = []
  for (let n = 1; n < total; n++) if (!got.has(n)) out.push(n)
  return out
}

t.test('appending: every event appended while running arrives once, in order', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  const d = startDaemon(config(dir))
  t.teardown(() => { d.kill('SIGKILL') })
  let next = 1
  for (let i = 0; i < 20; i++) { next = appendEvents(log, next, 50); await sleep(20) }
  const ok = await until(() => delivered(join(dir, 'out.ndjson')).size === next - 1, 15000)
  d.kill('SIGTERM')
  const ex = await exited(d)
  t.equal(ex.code, 0, 'SIGTERM: clean exit 0')
  t.ok(ok, 'all delivered')
  const got = delivered(join(dir, 'out.ndjson'))
  t.same(missing(got, next), [])
  t.equal([...got.values()].filter((c) => c > 1).length, 0, 'none twice')
  const order = readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).auditd.sequence as number)
  t.same(order, [...order].sort((a, b) => a - b), 'in order')
})

t.test('rotation under load: 5 auditd rotations and a copytruncate lose nothing', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  const d = startDaemon(config(dir))
  t.teardown(() => { d.kill('SIGKILL') })
  t.ok(await up(dir), 'daemon up')
  let next = 1
  let writing = true
  const writer = (async () => { while (writing) { next = appendEvents(log, next, 20); await sleep(5) } })()
  for (let r = 0; r < 5; r++) { await sleep(150); rotateAuditd(log) }
  await sleep(150)
  rotateCopyTruncate(log)
  await sleep(150)
  writing = false
  await writer
  const total = next
  const ok = await until(() => delivered(join(dir, 'out.ndjson')).size >= total - 1, 20000)
  d.kill('SIGTERM')
  await exited(d)
  const got = delivered(join(dir, 'out.ndjson'))
  t.ok(ok, `all ${total - 1} events delivered (got ${got.size})`)
  t.same(missing(got, total).slice(0, 20), [], 'none lost')
  t.comment(`events ${total - 1}, duplicates ${[...got.values()].filter((c) => c > 1).length}`)
})

t.test('crash: SIGKILL 20 times while a writer appends and rotates; every event arrives at least once', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  const cfg = config(dir)
  let next = 1
  let writing = true
  let rotations = 0
  const writer = (async () => {
    let k = 0
    while (writing) {
      next = appendEvents(log, next, 15)
      if (++k % 100 === 0) { rotateAuditd(log, 200); rotations++ } // keep them all: auditd's num_logs would delete files we could not have read while killed
      await sleep(5)
    }
  })()
  let rnd = 12345
  const rand = (): number => { rnd = (rnd * 1103515245 + 12345) & 0x7fffffff; return rnd / 0x7fffffff }
  let killedWhileDelivering = 0
  const outFile = join(dir, 'out.ndjson')
  const sizeOf = (): number => (existsSync(outFile) ? statSync(outFile).size : 0)
  for (let i = 0; i < 20; i++) {
    const before = sizeOf()
    const d = startDaemon(cfg)
    t.teardown(() => { d.kill('SIGKILL') })
    // kill at a random moment once it is delivering (start-up time varies a lot on a loaded
    // machine): mid-batch, mid-checkpoint, mid-rotation
    if (await until(() => sizeOf() > before, 8000, 10)) killedWhileDelivering++
    await sleep(Math.floor(rand() * 400))
    d.kill('SIGKILL')
    await exited(d)
  }
  writing = false
  await writer
  const total = next
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  const ok = await until(() => delivered(join(dir, 'out.ndjson')).size >= total - 1, 30000)
  d.kill('SIGTERM')
  await exited(d)
  const torn = { count: 0 }
  const got = delivered(join(dir, 'out.ndjson'), torn)
  const dups = [...got.values()].filter((c) => c > 1).length
  t.ok(torn.count <= 20, `at most one torn line per SIGKILL (${torn.count})`)
  t.ok(ok, `all ${total - 1} events delivered after the last restart (got ${got.size})`)
  const miss = missing(got, total)
  t.same(miss.slice(0, 20), [], 'none lost')
  if (miss.length > 0) t.comment(`missing ${miss.length}: ${miss[0]}..${miss[miss.length - 1]}; the last daemon said: ${d.stderrText().split('\n').filter((l) => !l.includes('"level":20')).join('\n').slice(0, 2000)}`)
  t.ok(killedWhileDelivering >= 15, `kills hit daemons while they were delivering (${killedWhileDelivering} of 20)`)
  t.comment(`events ${total - 1}, rotations ${rotations}, events delivered more than once: ${dups} (only events after the last persisted checkpoint may repeat)`)
})

t.test('an invalid config is refused before anything starts, with the key path (exit 78)', async (t) => {
  const dir = t.testdir()
  const cfg = join(dir, 'bad.yaml')
  writeFileSync(cfg, 'sinks:\n  - type: file\n    path: relative/out.ndjson\nsource:\n  pth: /x\n')
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  const ex = await exited(d)
  t.equal(ex.code, 78)
  t.match(d.stderrText(), /source\.pth: unknown key/)
})

// A dead-letter path that cannot be written at all is refused at start (test/e2e/start.test.ts);
// one that fails only when written (a full disk: /dev/full answers ENOSPC) stops the run.
t.test('a failure while processing (dead-letter file unwritable) stops without moving the checkpoint past unread lines', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, 'garbage line\n')
  appendEvents(log, 1, 20)
  const cfg = config(dir, 'delivery:\n  dead_letter_path: /dev/full\n')
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  const ex = await exited(d)
  t.equal(ex.code, 1, 'exits non-zero')
  t.match(d.stderrText(), /stopping without moving the checkpoint/)
  const cpPath = join(dir, 'state', 'checkpoint.json')
  const offset = existsSync(cpPath) ? (JSON.parse(readFileSync(cpPath, 'utf8')) as { position: { offset: number } | null }).position?.offset ?? 0 : 0
  t.equal(offset, 0, 'the bad line and everything after it will be read again')
})

t.test('SIGTERM waits for in-flight delivery; a second signal exits at once', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, '')
  appendEvents(log, 1, 3000)
  const cfg = join(dir, 'slow.yaml')
  writeFileSync(cfg, `source:\n  path: ${log}\n  read_from: beginning\nstate_dir: ${dir}/state\nserver: { enabled: false }\nshutdown: { timeout_ms: 20000 }\nsinks:\n  - type: blackhole\n    delay_ms: 2000\n    batch: { max_events: 100 }\nlog: { level: info }\n`)
  const d = startDaemon(cfg)
  t.teardown(() => { d.kill('SIGKILL') })
  t.ok(await until(() => d.stderrText().includes('auditship starting'), 10000), 'started')
  await sleep(300)
  const t0 = Date.now()
  d.kill('SIGTERM')
  t.ok(await until(() => d.stderrText().includes('stopping: delivering what is in flight'), 5000), 'first signal: drains')
  await sleep(200)
  t.equal(d.exitCode, null, 'still delivering after the first signal')
  d.kill('SIGTERM')
  const ex = await exited(d)
  t.equal(ex.code, 130, 'second signal: exit at once')
  t.ok(Date.now() - t0 < 5000, 'well before the shutdown timeout')
})
