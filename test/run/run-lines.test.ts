/**
 * The daemon's own lines, from the runner with a real tailer: where reading begins (info, at
 * start), the periodic totals (info, every statsIntervalSecs on the fake clock), and at debug
 * each checkpoint saved and each batch delivered.
 */
import t, { type Test } from 'tap'
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as realSleep } from 'node:timers/promises'
import { pino } from 'pino'
import { Runner, type RunnerOptions } from '../../src/run/runner.js'
import { DEFAULT_PIPELINE } from '../../src/pipeline/pipeline.js'
import { Tailer } from '../../src/source/tailer.js'
import type { OutEvent, Sink } from '../../src/ship/sink.js'
import type { Source } from '../../src/source/source.js'

const SEC = 1700000000
const ev = (n: number): string => `type=SYSCALL msg=audit(${SEC}.${String(n % 1000).padStart(3, '0')}:${n}): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=${2000 + n} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="echo" exe="/usr/bin/echo" key=(null)\n` +
  `type=PROCTITLE msg=audit(${SEC}.${String(n % 1000).padStart(3, '0')}:${n}): proctitle=6563686F\n`
const events = (a: number, b: number): string => Array.from({ length: b - a }, (_, k) => ev(a + k)).join('')

type Entry = Record<string, unknown> & { level: number, msg: string }

class MemSink implements Sink {
  readonly name = 'mem'
  got = 0
  async write (batch: OutEvent[]): Promise<undefined> { this.got += batch.length; return undefined }
  async close (): Promise<void> {}
}

function mk (dir: string, log: string, level: string, o: Partial<RunnerOptions> = {}): { r: Runner, sink: MemSink, entries: Entry[] } {
  const entries: Entry[] = []
  const logger = pino({ level }, { write: (s: string) => { entries.push(JSON.parse(s) as Entry) } })
  const sink = new MemSink()
  const r = new Runner({
    source: (resume) => new Tailer({ path: log, start: resume ?? o.readFrom ?? 'end', maxLineBytes: 65536, chunkBytes: 65536, pollIntervalMs: 20, watch: false, log: (lv, msg, fields) => logger[lv](fields ?? {}, msg) }),
    pipeline: { ...DEFAULT_PIPELINE },
    idleTimeoutMs: 1000,
    stateDir: join(dir, 'state'),
    checkpointIntervalMs: 50,
    maxPendingEvents: 1000,
    maxPendingBytes: 1 << 20,
    deadLetterPath: join(dir, 'state', 'dead-letter.ndjson'),
    sinks: [{ sink, queue: { maxEvents: 2, maxBytes: 1 << 20, flushIntervalMs: 10 } }],
    shutdownTimeoutMs: 1000,
    log: logger,
    ...o,
  })
  return { r, sink, entries }
}

/** Poll in real time; `tick`: move the fake clock on per poll (the batch flush timer). */
async function until (what: () => boolean, ms = 10_000, tick?: () => void): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 5) {
    if (what()) return true
    tick?.()
    await realSleep(5)
  }
  return what()
}

const RealDate = Date
/** The fake clock; clock-mock's Date lacks Date.parse and Date.UTC (the Teleport join uses them). */
function fakeClock (t: Test): void {
  t.clock.enter()
  Object.assign(globalThis.Date, { parse: RealDate.parse, UTC: RealDate.UTC })
}

const startLine = (entries: Entry[]): Entry | undefined => entries.find((e) => e.from !== undefined)

t.test('start line: file, offset and why there (read_from on a first start, the checkpoint after)', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, events(1, 4))
  const size = statSync(log).size
  const a = mk(dir, log, 'info', { readFrom: 'end' })
  const running = a.r.run()
  t.ok(await until(() => startLine(a.entries) !== undefined))
  t.match(startLine(a.entries), { level: 30, msg: `reading ${log} from offset ${size} (no checkpoint; read_from: end, new records only)`, path: log, offset: size, from: 'read_from', read_from: 'end' })
  writeFileSync(log, events(4, 6), { flag: 'a' })
  t.ok(await until(() => a.sink.got === 2))
  await a.r.stop()
  await running
  await a.r.finish()

  const b = mk(dir, log, 'info', { readFrom: 'beginning' })
  const again = b.r.run()
  t.ok(await until(() => startLine(b.entries) !== undefined))
  const end = statSync(log).size
  t.match(startLine(b.entries), { msg: `reading ${log} from offset ${end} (resuming from the checkpoint)`, path: log, offset: end, from: 'checkpoint' })
  t.notOk('read_from' in (startLine(b.entries) ?? {}), 'read_from does not apply')
  await b.r.stop()
  await again
  await b.r.finish()
})

t.test('start line: read_from beginning starts at the oldest file; a log that does not exist yet is said so', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(`${log}.1`, events(1, 2))
  writeFileSync(log, events(2, 3))
  const a = mk(dir, log, 'info', { readFrom: 'beginning' })
  const running = a.r.run()
  t.ok(await until(() => startLine(a.entries) !== undefined))
  t.match(startLine(a.entries), { msg: `reading ${log}.1 from offset 0 (no checkpoint; read_from: beginning, every file on disk from the oldest)`, path: `${log}.1`, offset: 0, read_from: 'beginning' })
  await a.r.stop()
  await running
  await a.r.finish()

  const missing = join(dir, 'none.log')
  const b = mk(dir, missing, 'info', { readFrom: 'end', stateDir: join(dir, 'state2') })
  const r2 = b.r.run()
  t.ok(await until(() => startLine(b.entries) !== undefined))
  t.match(startLine(b.entries), { msg: `the audit log ${missing} does not exist yet: reading it from offset 0 once it appears (no checkpoint; read_from: end, new records only)`, offset: 0 })
  await b.r.stop()
  await r2
  await b.r.finish()
})

t.test('debug: each batch delivered (sink, events, bytes, ms) and each checkpoint saved (offset, ms); not at info', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, events(1, 5))
  const a = mk(dir, log, 'debug', { readFrom: 'beginning' })
  const running = a.r.run()
  t.ok(await until(() => a.sink.got === 4))
  const size = statSync(log).size
  t.ok(await until(() => a.entries.some((e) => e.msg === 'checkpoint saved' && e.offset === size)))
  const batches = a.entries.filter((e) => e.msg === 'batch delivered')
  t.equal(batches.reduce((n, e) => n + (e.events as number), 0), 4, 'every event in one line or another')
  for (const b of batches) t.match(b, { level: 20, sink: 'mem', events: Number, bytes: Number, ms: Number })
  t.ok(batches.every((b) => (b.bytes as number) > 100), 'bytes of JSON')
  t.match(a.entries.find((e) => e.msg === 'checkpoint saved' && e.offset === size), { level: 20, path: log, ms: Number })
  await a.r.stop()
  await running
  await a.r.finish()

  const quiet = mk(dir, log, 'info', { readFrom: 'beginning', stateDir: join(dir, 'state2') })
  const r2 = quiet.r.run()
  t.ok(await until(() => quiet.sink.got === 4))
  await quiet.r.stop()
  await r2
  await quiet.r.finish()
  t.notOk(quiet.entries.some((e) => e.level < 30), 'no debug line at info')
})

t.test('stats line: the totals every statsIntervalSecs (fake clock), none when 0', async (t) => {
  const dir = t.testdir()
  const log = join(dir, 'audit.log')
  writeFileSync(log, events(1, 4))
  const a = mk(dir, log, 'info', { readFrom: 'beginning', statsIntervalSecs: 60 })
  fakeClock(t)
  const running = a.r.run()
  // the interval starts right after the start line, and the fake clock has not moved since
  t.ok(await until(() => startLine(a.entries) !== undefined))
  const started = Date.now()
  t.ok(await until(() => a.sink.got === 3, 10_000, () => t.clock.advance(10)))
  t.clock.advance(59_999 - (Date.now() - started))
  await realSleep(20)
  t.notOk(a.entries.some((e) => e.msg.includes('records read')), 'not before the interval')
  t.clock.advance(1)
  t.ok(await until(() => a.entries.some((e) => e.msg.includes('records read'))))
  t.match(a.entries.find((e) => e.msg.includes('records read')), { level: 30, msg: '6 records read, 3 events, delivered mem 3, 0 dead-lettered, 0 B behind', records: 6, events: 3, delivered: { mem: 3 }, dead_lettered: 0, behind_bytes: 0 })
  await a.r.stop()
  await running
  await a.r.finish()
  t.clock.exit()

  const off = mk(dir, log, 'info', { readFrom: 'beginning', statsIntervalSecs: 0, stateDir: join(dir, 'state2') })
  fakeClock(t)
  const r2 = off.r.run()
  t.ok(await until(() => off.sink.got === 3, 10_000, () => t.clock.advance(10)))
  t.clock.advance(3_600_000)
  await realSleep(20)
  t.notOk(off.entries.some((e) => e.msg.includes('records read')))
  await off.r.stop()
  await r2
  await off.r.finish()
})

t.test('readiness says "starting" until the source has started (planned and opened its file)', async (t) => {
  const dir = t.testdir()
  let release: (() => void) | undefined
  const slow: Source = {
    replayable: true,
    start: async () => { await new Promise<void>((resolve) => { release = resolve }) },
    read: async (signal) => await new Promise<null>((resolve) => signal?.addEventListener('abort', () => resolve(null), { once: true })),
    position: () => ({ path: join(dir, 'audit.log'), identity: { dev: 1, ino: 2, fingerprint: '' }, offset: 0 }),
    waitedMs: () => 0,
    status: async () => ({ reading: true, problem: undefined, unreadBytes: 0 }),
    close: async () => {},
  }
  const a = mk(dir, join(dir, 'audit.log'), 'info', { source: () => slow })
  const running = a.r.run()
  t.ok(await until(() => release !== undefined), 'start() called')
  t.same((await a.r.status.readiness()).checks.source, { ok: false, detail: 'starting: the source is not open yet' })
  release?.()
  t.ok(await until(() => startLine(a.entries) !== undefined))
  t.same((await a.r.status.readiness()).checks.source, { ok: true })
  await a.r.stop()
  await running
  await a.r.finish()
})
