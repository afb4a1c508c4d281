// Issue #11 item 3: after a crash amid interleaved events, the restart reads again from the
// checkpoint (the first record of the oldest undelivered event). The records there of events
// already delivered must be left out, not shipped as events of their own.
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as realSleep } from 'node:timers/promises'
import { pino } from 'pino'
import { Runner } from '../../src/run/runner.js'
import { DEFAULT_PIPELINE, type PipelineOptions } from '../../src/pipeline/pipeline.js'
import type { OutEvent, Sink, WriteResult } from '../../src/ship/sink.js'
import type { Source, SourceBatch, SourceLine, SourcePosition } from '../../src/source/source.js'
import { LineList } from '../../src/source/line-list.js'
import { IdleClock } from '../../src/source/idle-clock.js'

const FILE = { path: '/var/log/audit/audit.log', identity: { dev: 1, ino: 42, fingerprint: 'ab', fpLen: 1 } }
const SEC = 1700000000
const hdr = (type: string, n: number): string => `type=${type} msg=audit(${SEC}.${String(n).padStart(3, '0')}:${n}):`

/**
 * Events whose records interleave: at step k, SYSCALL of k, PATH of k−1, PROCTITLE of k−2 —
 * every event is open while the next two begin.
 */
function interleaved (count: number): string {
  let s = ''
  for (let k = 1; k <= count + 2; k++) {
    if (k <= count) s += `${hdr('SYSCALL', k)} arch=c000003e syscall=2 success=yes exit=3 items=1 ppid=1 pid=${100 + k} auid=1000 uid=1000 ses=3 comm="cat" exe="/usr/bin/cat" key=(null)\n`
    if (k - 1 >= 1 && k - 1 <= count) s += `${hdr('PATH', k - 1)} item=0 name="/etc/f${k - 1}" inode=1 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n`
    if (k - 2 >= 1) s += `${hdr('PROCTITLE', k - 2)} proctitle=636174\n`
  }
  return s
}

/** The log, read again from any offset, `perBatch` lines at a time, only as far as `allow` batches. */
class ReplaySource implements Source {
  readonly replayable = true
  allow = Infinity
  private batches = 0
  private pos: number
  private closed = false
  private readonly idle = new IdleClock()

  constructor (private readonly text: string, private readonly perBatch: number, resume: SourcePosition | undefined) {
    this.pos = resume?.offset ?? 0
  }

  async start (): Promise<void> {}
  async read (signal?: AbortSignal): Promise<SourceBatch | null> {
    this.idle.waiting()
    while (!this.closed && signal?.aborted !== true && (this.batches >= this.allow || this.pos >= this.text.length)) await realSleep(2)
    this.idle.got()
    if (this.closed || signal?.aborted === true) return null
    this.batches++
    const lines: SourceLine[] = []
    while (lines.length < this.perBatch && this.pos < this.text.length) {
      const nl = this.text.indexOf('\n', this.pos)
      lines.push({ line: this.text.slice(this.pos, nl), offset: this.pos, ascii: true })
      this.pos = nl + 1
    }
    return { file: FILE, lines: LineList.of(lines), tooLong: [], endOffset: this.pos }
  }

  position (): SourcePosition { return { ...FILE, offset: this.pos } }
  waitedMs (): number { return this.idle.now() }
  async close (): Promise<void> { this.closed = true }
}

/** Delivers every event except the serials in `hold` (never answered, as a sink stuck retrying). */
class HoldingSink implements Sink {
  readonly name = 'es'
  /** what each delivered event was: `serial:TYPE,TYPE` */
  got: string[] = []
  constructor (private readonly hold: Set<number>) {}
  async write (batch: OutEvent[]): Promise<WriteResult | undefined> {
    const held = batch.filter((e) => this.hold.has(e.meta.serial))
    if (held.length > 0) await new Promise<void>(() => {})
    for (const e of batch) {
      const d = JSON.parse(e.data.toString('utf8')) as { auditd: { sequence: number, records: Array<{ type: string }> } }
      this.got.push(`${d.auditd.sequence}:${d.auditd.records.map((r) => r.type).join(',')}`)
    }
    return undefined
  }

  async close (): Promise<void> {}
}

function runner (dir: string, source: (resume: SourcePosition | undefined) => Source, sink: Sink, pipeline: Partial<PipelineOptions> = {}): Runner {
  return new Runner({
    source,
    pipeline: { ...DEFAULT_PIPELINE, ...pipeline },
    idleTimeoutMs: 60_000,
    stateDir: join(dir, 'state'),
    checkpointIntervalMs: 1000,
    maxPendingEvents: 1000,
    maxPendingBytes: 1 << 20,
    deadLetterPath: join(dir, 'state', 'dead-letter.ndjson'),
    sinks: [{ sink, queue: { maxEvents: 1, maxBytes: 1 << 20, flushIntervalMs: 10, maxInFlight: 64 } }],
    shutdownTimeoutMs: 100,
    log: pino({ level: 'silent' }),
  })
}

const RealDate = Date
/** The fake clock; clock-mock's Date copies only the enumerable statics, so Date.parse and Date.UTC are put back. */
function fakeClock (t: Test): void {
  t.clock.enter()
  Object.assign(globalThis.Date, { parse: RealDate.parse, UTC: RealDate.UTC })
}

async function until (what: () => boolean, ms = 10_000): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 5) {
    if (what()) return true
    await realSleep(5)
  }
  return what()
}

interface Saved { position: SourcePosition | null, skip?: Array<{ event: string, file: number, offset: number }> }
const saved = (dir: string): Saved => JSON.parse(readFileSync(join(dir, 'state', 'checkpoint.json'), 'utf8')) as Saved

/** Run until `done`, take an interval checkpoint, then die without the shutdown save (as SIGKILL would). */
async function runAndCrash (t: Test, r: Runner, done: () => boolean): Promise<void> {
  const running = r.run()
  t.ok(await until(done), 'reached the point of the crash')
  const before = r.status.metrics().checkpoints
  t.clock.advance(1000)
  t.ok(await until(() => r.status.metrics().checkpoints > before), 'an interval checkpoint was saved')
  await r.stop()
  await running
}

const LOG = interleaved(12)
const whole = (n: number): string => `${n}:SYSCALL,PATH,PROCTITLE`

t.test('a crash while event 5 is undelivered: the restart ships no fragment of events 3 and 4, delivered before it', async (t) => {
  fakeClock(t)
  const dir = t.testdir()
  const sink1 = new HoldingSink(new Set([5]))
  const r1 = runner(dir, (resume) => new ReplaySource(LOG, 4, resume), sink1)
  await runAndCrash(t, r1, () => sink1.got.length === 11)
  t.same(sink1.got, [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12].map(whole), 'first run: all but 5, each whole')
  const cp = saved(dir)
  t.equal(cp.position?.offset, LOG.indexOf(hdr('SYSCALL', 5)), 'the checkpoint is the first record of event 5')
  t.same(cp.skip, [
    { event: `${SEC}.003:3`, file: 0, offset: LOG.indexOf(hdr('PROCTITLE', 3)) },
    { event: `${SEC}.004:4`, file: 0, offset: LOG.indexOf(hdr('PROCTITLE', 4)) },
  ], 'it lists 3 and 4: delivered, with records after it')

  const sink2 = new HoldingSink(new Set())
  const r2 = runner(dir, (resume) => new ReplaySource(LOG, 4, resume), sink2)
  const running = r2.run()
  t.ok(await until(() => sink2.got.length >= 8))
  await realSleep(20)
  t.same(sink2.got, [5, 6, 7, 8, 9, 10, 11, 12].map(whole), 'the restart: event 5 and the ones after it again (whole), no fragment of 3 or 4')
  t.equal(r2.pipeline.stats.skipped, 3, "3's PROCTITLE, 4's PATH and PROCTITLE were left out")
  t.equal(r2.status.metrics().pipeline.skipped, 3)
  await r2.stop()
  await running
  t.equal(await r2.finish(), true)
  t.equal(saved(dir).skip, undefined, 'nothing left to leave out')
})

t.test('a second crash before the listed records were read again: the list is carried into the next checkpoint', async (t) => {
  fakeClock(t)
  const dir = t.testdir()
  const sink1 = new HoldingSink(new Set([5]))
  await runAndCrash(t, runner(dir, (resume) => new ReplaySource(LOG, 4, resume), sink1), () => sink1.got.length === 11)
  const first = saved(dir)

  // the restart reads one line (event 5's SYSCALL) and dies again
  const sink2 = new HoldingSink(new Set([5]))
  let src2: ReplaySource | undefined
  const r2 = runner(dir, (resume) => { src2 = new ReplaySource(LOG, 1, resume); src2.allow = 1; return src2 }, sink2)
  await runAndCrash(t, r2, () => r2.pipeline.stats.records === 1)
  t.same(saved(dir).position, first.position, 'still at event 5')
  t.same(saved(dir).skip, first.skip, 'still listing 3 and 4: their records after it are unread')

  const sink3 = new HoldingSink(new Set())
  const r3 = runner(dir, (resume) => new ReplaySource(LOG, 3, resume), sink3)
  const running = r3.run()
  t.ok(await until(() => sink3.got.length >= 8))
  await realSleep(20)
  t.same(sink3.got, [5, 6, 7, 8, 9, 10, 11, 12].map(whole), 'no fragment')
  await r3.stop()
  await running
  await r3.finish()
})

t.test('listed records read, event 5 still undelivered: the next checkpoint still lists them', async (t) => {
  fakeClock(t)
  const dir = t.testdir()
  const sink1 = new HoldingSink(new Set([5]))
  await runAndCrash(t, runner(dir, (resume) => new ReplaySource(LOG, 4, resume), sink1), () => sink1.got.length === 11)
  const first = saved(dir)
  // the restart reads all (skipping 3's and 4's records), 5 stays stuck, and it dies again
  const sink2 = new HoldingSink(new Set([5]))
  const r2 = runner(dir, (resume) => new ReplaySource(LOG, 4, resume), sink2)
  await runAndCrash(t, r2, () => sink2.got.length === 7)
  t.same(saved(dir).skip, first.skip, 'a checkpoint at event 5 again: 3 and 4 listed again')
  const sink3 = new HoldingSink(new Set())
  const r3 = runner(dir, (resume) => new ReplaySource(LOG, 4, resume), sink3)
  const running = r3.run()
  t.ok(await until(() => sink3.got.length >= 8))
  await realSleep(20)
  t.same(sink3.got, [5, 6, 7, 8, 9, 10, 11, 12].map(whole), 'no fragment')
  await r3.stop()
  await running
  await r3.finish()
})

t.test('events dropped by a filter rule count as done: the restart ships no fragment of them either', async (t) => {
  fakeClock(t)
  const dir = t.testdir()
  // events 3 and 4 are cron's, dropped by a filter rule; their last records lie after event 5's first
  const log = LOG.replace(/(:[34]\): arch=\S+ .*?exe=)"\/usr\/bin\/cat"/g, '$1"/usr/sbin/cron"')
  t.equal(log.split('/usr/sbin/cron').length, 3)
  const rules = { rules: { filter: [{ name: 'cron', executable: ['/usr/sbin/cron'] }], label: [] } }
  const sink1 = new HoldingSink(new Set([5]))
  await runAndCrash(t, runner(dir, (resume) => new ReplaySource(log, 4, resume), sink1, rules), () => sink1.got.length === 9)
  t.same(sink1.got, [1, 2, 6, 7, 8, 9, 10, 11, 12].map(whole), 'first run: 3 and 4 filtered, 5 stuck')
  t.same(saved(dir).skip?.map((s) => s.event), [`${SEC}.003:3`, `${SEC}.004:4`], 'the filtered events are listed like delivered ones')
  const sink2 = new HoldingSink(new Set())
  const r2 = runner(dir, (resume) => new ReplaySource(log, 4, resume), sink2, rules)
  const running = r2.run()
  t.ok(await until(() => sink2.got.length >= 8))
  await realSleep(20)
  t.same(sink2.got, [5, 6, 7, 8, 9, 10, 11, 12].map(whole), 'no fragment of 3 or 4')
  t.equal(r2.pipeline.stats.skipped, 3)
  await r2.stop()
  await running
  await r2.finish()
})
