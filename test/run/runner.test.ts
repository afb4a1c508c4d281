import t, { type Test } from 'tap'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { setTimeout as realSleep } from 'node:timers/promises'
import { pino } from 'pino'
import { Runner, type RunnerOptions } from '../../src/run/runner.js'
import { DEFAULT_PIPELINE } from '../../src/pipeline/pipeline.js'
import { StdinSource } from '../../src/source/stdin.js'
import { SinkError, type OutEvent, type Sink, type WriteResult } from '../../src/ship/sink.js'
import { SinkErrors } from '../../src/errors.js'
import type { Source, SourceBatch, SourceLine, SourcePosition } from '../../src/source/source.js'
import { LineList } from '../../src/source/line-list.js'
import { IdleClock } from '../../src/source/idle-clock.js'

// The runner in-process: a fake source (batches the test adds), a fake sink (deliver, fail,
// hang or refuse), no child process. Timers (checkpoint interval, idle flush, the source's
// idle clock, the shutdown deadline) run on the fake clock; waiting for real I/O (the
// checkpoint file) uses node:timers/promises, which the fake clock does not replace.

const SEC = 1700000000
const syscall = (n: number): string => `type=SYSCALL msg=audit(${SEC}.${String(n % 1000).padStart(3, '0')}:${n}): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=${2000 + n} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="echo" exe="/usr/bin/echo" key=(null)\n`
const proctitle = (n: number): string => `type=PROCTITLE msg=audit(${SEC}.${String(n % 1000).padStart(3, '0')}:${n}): proctitle=6563686F\n`
/** A complete event (PROCTITLE ends it). */
const ev = (n: number): string => syscall(n) + proctitle(n)

const FILE = { path: '/var/log/audit/audit.log', identity: { dev: 1, ino: 42, fingerprint: 'ab', fpLen: 1 } }

/**
 * Hands out what the test adds, one batch per add(); waits when there is nothing (on the idle
 * clock). `slowRead`: that read (1 = the first) blocks until finishSlowRead(), though its batch
 * is there: reading a backlog on a busy machine, not waiting for input.
 */
class FakeSource implements Source {
  readonly replayable = true
  reads = 0
  slowRead = 0
  end = 0
  resumedAt: SourcePosition | undefined
  closed = false
  private readonly batches: SourceBatch[] = []
  private pos: SourcePosition = { ...FILE, offset: 0 }
  private wake: (() => void) | undefined
  private readonly idle = new IdleClock()
  private slowReadDone: (() => void) | undefined

  add (text: string): void {
    const lines: SourceLine[] = []
    for (const l of text.split('\n').slice(0, -1)) { lines.push({ line: l, offset: this.end, ascii: true }); this.end += l.length + 1 }
    this.batches.push({ file: FILE, lines: LineList.of(lines), tooLong: [], endOffset: this.end })
    this.wake?.()
  }

  async start (): Promise<void> {}
  async read (signal?: AbortSignal): Promise<SourceBatch | null> {
    for (;;) {
      if (this.closed || signal?.aborted === true) return null
      if (this.reads + 1 === this.slowRead && this.batches.length > 0) {
        // bytes on disk, the reader slow to get them: no waiting for input
        await new Promise<void>((resolve) => { this.slowReadDone = resolve })
        this.slowRead = 0
      }
      const b = this.batches.shift()
      if (b !== undefined) { this.reads++; this.pos = { ...FILE, offset: b.endOffset }; return b }
      this.idle.waiting()
      await new Promise<void>((resolve) => {
        this.wake = resolve
        signal?.addEventListener('abort', () => resolve(), { once: true })
      }).finally(() => this.idle.got())
    }
  }

  /** Let the slow read finish. */
  finishSlowRead (): void { this.slowReadDone?.() }

  position (): SourcePosition { return this.pos }
  waitedMs (): number { return this.idle.now() }
  async close (): Promise<void> { this.closed = true; this.wake?.() }
}

class FakeSink implements Sink {
  readonly name = 'fake'
  mode: 'deliver' | 'fail' | 'hang' | 'refuse' = 'deliver'
  /** serials delivered, in order */
  got: number[] = []
  complete: boolean[] = []
  failures = 0
  private hung: Array<() => void> = []

  async write (batch: OutEvent[]): Promise<WriteResult | undefined> {
    if (this.mode === 'hang') await new Promise<void>((resolve) => this.hung.push(resolve))
    if (this.mode === 'fail') { this.failures++; throw new Error('connection refused') }
    if (this.mode === 'refuse') return { rejected: batch.map((event) => ({ event, error: new SinkError(SinkErrors.REJECTED, 'mapper_parsing_exception', { status: 400 }) })) }
    for (const e of batch) {
      const d = JSON.parse(e.data.toString('utf8')) as { auditd: { sequence: number, complete: boolean } }
      this.got.push(d.auditd.sequence)
      this.complete.push(d.auditd.complete)
    }
    return undefined
  }

  /** Let the writes waiting in 'hang' go on (in the mode set now). */
  release (): void { for (const r of this.hung.splice(0)) r() }
  async close (): Promise<void> {}
}

function mk (t: Test, source: Source, sink: Sink, o: Partial<RunnerOptions> = {}): { r: Runner, dir: string } {
  const dir = t.testdir()
  const r = new Runner({
    source: (resume) => { if (source instanceof FakeSource) source.resumedAt = resume; return source },
    pipeline: { ...DEFAULT_PIPELINE },
    idleTimeoutMs: 1000,
    stateDir: join(dir, 'state'),
    checkpointIntervalMs: 5000,
    maxPendingEvents: 1000,
    maxPendingBytes: 1 << 20,
    deadLetterPath: join(dir, 'state', 'dead-letter.ndjson'),
    sinks: [{ sink, queue: { maxEvents: 1, maxBytes: 1 << 20, flushIntervalMs: 10, backoffInitialMs: 1, backoffMaxMs: 2 } }],
    shutdownTimeoutMs: 1000,
    log: pino({ level: 'silent' }),
    ...o,
  })
  return { r, dir }
}

const RealDate = Date
/** The fake clock; clock-mock's Date copies only the enumerable statics, so Date.parse and Date.UTC are put back. */
function fakeClock (t: Test): void {
  t.clock.enter()
  Object.assign(globalThis.Date, { parse: RealDate.parse, UTC: RealDate.UTC })
}

/**
 * Poll in real time (the fake clock does not move by itself); `tick`: fake ms to advance per
 * poll, for what waits on a timer of its own (a sink's retry backoff).
 */
async function until (what: () => boolean | Promise<boolean>, ms = 10_000, tick?: { clock: { advance: (n: number) => void }, ms: number }): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 5) {
    if (await what()) return true
    tick?.clock.advance(tick.ms)
    await realSleep(5)
  }
  return await what()
}

interface SavedCheckpoint { position: SourcePosition | null, teleport: unknown }
function checkpoint (dir: string): SavedCheckpoint | undefined {
  try { return JSON.parse(readFileSync(join(dir, 'state', 'checkpoint.json'), 'utf8')) as SavedCheckpoint } catch { return undefined }
}
const savedOffset = (dir: string): number | undefined => checkpoint(dir)?.position?.offset

t.test('events delivered: the checkpoint moves to where reading stands, on the interval', async (t) => {
  fakeClock(t)
  const src = new FakeSource()
  const sink = new FakeSink()
  const { r, dir } = mk(t, src, sink)
  src.add(ev(1) + ev(2))
  const running = r.run()
  t.ok(await until(() => sink.got.length === 2), 'both delivered')
  t.equal(checkpoint(dir), undefined, 'no checkpoint before the interval')
  t.clock.advance(5000)
  t.ok(await until(() => savedOffset(dir) === src.end), 'saved at the end of what was read')
  t.ok(await until(() => r.status.metrics().checkpoints === 1), 'the save is done (a tick during a save is skipped)')
  const first = src.end
  src.add(ev(3))
  t.ok(await until(() => sink.got.length === 3))
  t.clock.advance(5000)
  t.ok(await until(() => savedOffset(dir) === src.end), 'moved with the next delivery')
  t.ok(src.end > first)
  t.same(checkpoint(dir)?.position, { ...FILE, offset: src.end }, 'names the file it was read from')
  t.match(checkpoint(dir)?.teleport, { boots: { '': Object }, nextId: Number }, "with the pipeline's join state")
  t.equal(await r.stop(), true)
  t.equal(await r.stop(), false, 'stopping twice is harmless')
  await running
  t.equal(await r.finish(), true, 'everything read was delivered')
  t.same(sink.got, [1, 2, 3])
  t.equal(r.status.metrics().checkpoints, 2, 'the save at shutdown is skipped: nothing changed')
})

t.test('sink failing: the checkpoint stays at the first undelivered event, and moves once it recovers', async (t) => {
  fakeClock(t)
  const src = new FakeSource()
  const sink = new FakeSink()
  const { r, dir } = mk(t, src, sink)
  src.add(ev(1))
  const running = r.run()
  t.ok(await until(() => sink.got.length === 1))
  const firstUndelivered = src.end
  sink.mode = 'fail'
  src.add(ev(2) + ev(3))
  t.ok(await until(() => sink.failures >= 3, 10_000, { clock: t.clock, ms: 1 }), 'retrying')
  t.clock.advance(5000)
  t.ok(await until(() => r.status.metrics().checkpoints === 1))
  t.equal(savedOffset(dir), firstUndelivered, 'not past event 2')
  const ready = await r.status.readiness()
  t.equal(ready.ready, false)
  t.match(ready.checks['sink:fake'], { ok: false, detail: /retrying with backoff \(data kept\)/ })
  t.match(r.status.metrics(), { pendingEvents: 2, lag: { bytes: src.end - firstUndelivered } })
  sink.mode = 'deliver'
  t.ok(await until(() => sink.got.length === 3, 10_000, { clock: t.clock, ms: 1 }), 'delivered after recovery')
  t.clock.advance(5000)
  t.ok(await until(() => savedOffset(dir) === src.end), 'the checkpoint moves on')
  t.equal((await r.status.readiness()).ready, true)
  await r.stop()
  await running
  t.equal(await r.finish(), true)
  t.same(sink.got, [1, 2, 3])
})

t.test('backpressure stops reading, and the idle clock stands still meanwhile', async (t) => {
  fakeClock(t)
  const src = new FakeSource()
  const sink = new FakeSink()
  sink.mode = 'hang'
  const { r } = mk(t, src, sink, { maxPendingEvents: 2 })
  src.add(ev(1))
  src.add(ev(2) + syscall(3)) // event 3 is still being assembled when reading pauses
  src.add(proctitle(3) + ev(4))
  src.add(ev(5))
  const running = r.run()
  t.ok(await until(() => src.reads === 2 && r.mark.pending === 2))
  await realSleep(50)
  t.equal(src.reads, 2, 'no read while 2 events wait for the sink')
  t.clock.advance(10_000) // ten idle timeouts of wall-clock time pass while paused
  await realSleep(20)
  t.equal(r.pipeline.stats.incomplete, 0, 'the event whose end is unread is not closed as idle')
  sink.mode = 'deliver'
  sink.release()
  t.ok(await until(() => sink.got.length === 5), 'reading resumes once delivery catches up')
  t.equal(src.reads, 4)
  t.same(sink.got, [1, 2, 3, 4, 5])
  t.notOk(sink.complete.includes(false), 'none closed incomplete')
  await r.stop()
  await running
  t.equal(await r.finish(), true)
})

t.test('a reader slow to reach the rest of an event does not split it (idle = waiting for input)', async (t) => {
  fakeClock(t)
  const src = new FakeSource()
  const sink = new FakeSink()
  const { r } = mk(t, src, sink)
  src.add(ev(1) + syscall(2)) // event 2's PROCTITLE is on disk, in the next batch
  src.slowRead = 2
  src.add(proctitle(2) + ev(3))
  const running = r.run()
  t.ok(await until(() => src.reads === 1))
  t.clock.advance(10_000) // ten idle timeouts pass while the reader works through the backlog
  await realSleep(20)
  t.equal(r.pipeline.stats.incomplete, 0, 'event 2 is not closed as idle while its end is unread')
  src.finishSlowRead()
  t.ok(await until(() => sink.got.length === 3))
  t.same(sink.got, [1, 2, 3])
  t.same(sink.complete, [true, true, true], 'event 2 whole')
  await r.stop()
  await running
  t.equal(await r.finish(), true)
})

t.test('an idle event is closed once the reader has waited the idle timeout for input', async (t) => {
  fakeClock(t)
  const src = new FakeSource()
  const sink = new FakeSink()
  const { r } = mk(t, src, sink)
  src.add(syscall(1))
  const running = r.run()
  t.ok(await until(() => src.reads === 1))
  t.clock.advance(500)
  await realSleep(20)
  t.same(sink.got, [], 'not idle yet')
  t.clock.advance(1000)
  t.ok(await until(() => sink.got.length === 1), 'closed after the idle timeout')
  t.same(sink.complete, [false], 'flagged incomplete, not dropped')
  await r.stop()
  await running
  await r.finish()
})

t.test('stop() drains within the timeout: a slow sink is waited for, a dead one given up on', async (t) => {
  t.test('slow: delivered before the deadline, checkpoint at the end', async (t) => {
    fakeClock(t)
    const src = new FakeSource()
    const sink = new FakeSink()
    sink.mode = 'hang'
    const { r, dir } = mk(t, src, sink, { shutdownTimeoutMs: 1000 })
    src.add(ev(1) + ev(2))
    const running = r.run()
    t.ok(await until(() => src.reads === 1 && r.mark.pending === 2))
    await r.stop()
    await running
    const finishing = r.finish()
    await realSleep(20)
    sink.mode = 'deliver'
    sink.release()
    t.equal(await finishing, true, 'all delivered')
    t.same(sink.got, [1, 2])
    t.equal(savedOffset(dir), src.end)
    t.ok(src.closed, 'the source is closed')
  })
  t.test('dead: given up at the deadline, checkpoint before what was not delivered', async (t) => {
    fakeClock(t)
    const src = new FakeSource()
    const sink = new FakeSink()
    const { r, dir } = mk(t, src, sink, { shutdownTimeoutMs: 50 })
    src.add(ev(1))
    const running = r.run()
    t.ok(await until(() => sink.got.length === 1))
    const firstUndelivered = src.end
    sink.mode = 'fail'
    src.add(ev(2))
    t.ok(await until(() => sink.failures >= 1))
    await r.stop()
    await running
    let done = false
    const finishing = r.finish().then((all) => { done = true; return all })
    await realSleep(150)
    t.equal(done, false, 'still trying before the deadline')
    t.clock.advance(50)
    t.equal(await finishing, false, 'gave up: not everything was delivered')
    t.equal(savedOffset(dir), firstUndelivered, 'event 2 is read again on the next start')
  })
  t.end()
})

t.test('stop() ends a read waiting for data at once', async (t) => {
  const src = new FakeSource()
  const { r, dir } = mk(t, src, new FakeSink())
  const running = r.run()
  t.ok(await until(async () => (await r.status.readiness()).ready))
  await r.stop()
  await running
  t.match(await r.status.readiness(), { ready: false, checks: { pipeline: { ok: false, detail: 'stopping' } } })
  t.equal(await r.finish(), true)
  t.same(checkpoint(dir)?.position, { ...FILE, offset: 0 })
})

t.test('a bad line and a refused event go to the dead-letter file and hold nothing back', async (t) => {
  const src = new FakeSource()
  const sink = new FakeSink()
  const { r, dir } = mk(t, src, sink)
  src.add('garbage\n' + ev(1))
  const running = r.run()
  t.ok(await until(() => sink.got.length === 1))
  sink.mode = 'refuse'
  src.add(ev(2))
  t.ok(await until(() => r.stats.deadLettered === 2))
  await r.stop()
  await running
  t.equal(await r.finish(), true)
  t.equal(savedOffset(dir), src.end, 'the checkpoint passes both')
  const entries = readFileSync(join(dir, 'state', 'dead-letter.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  t.match(entries[0], { source: FILE.path, offset: 0, code: 'AS_PARSE_NO_TYPE', line: 'garbage' })
  t.match(entries[1], { sink: 'fake', code: 'AS_SINK_REJECTED', status: 400, event: { auditd: { sequence: 2 } } })
  t.equal(r.status.metrics().deadLettered, 2)
})

t.test('resumes at the checkpoint; refuses to start from one it cannot use', async (t) => {
  const position = { ...FILE, offset: 1234 }
  const teleport = { boots: {}, nextId: 8, identities: [[7, { user: 'alice@example.com', login: 'root' }]], sessions: [['e2e 42', 7]], processes: [] }
  const src = new FakeSource()
  const { r, dir } = mk(t, src, new FakeSink())
  mkdirSync(join(dir, 'state'))
  writeFileSync(join(dir, 'state', 'checkpoint.json'), JSON.stringify({ version: 1, position, teleport, saved_at: '2024-01-01T00:00:00.000Z' }))
  const running = r.run()
  t.ok(await until(() => src.resumedAt !== undefined))
  t.same(src.resumedAt, position)
  t.match(r.pipeline.exportState(), teleport, 'the join state is handed back to the pipeline')
  await r.stop()
  await running
  await r.finish()

  const bad = mk(t, new FakeSource(), new FakeSink())
  mkdirSync(join(bad.dir, 'state'))
  writeFileSync(join(bad.dir, 'state', 'checkpoint.json'), JSON.stringify({ version: 1, position: { ...position, offset: 'abc' }, teleport: null, saved_at: 'x' }))
  await t.rejects(bad.r.run(), /not a checkpoint .*\/position\/offset must be integer/)
  await bad.r.finish(false)
})

t.test('a feed (stdin): at stop the partial last line is a line, open events are emitted, no position is saved', async (t) => {
  const feed = new PassThrough()
  const sink = new FakeSink()
  const { r, dir } = mk(t, new StdinSource(feed, 65536), sink)
  // events 2 and 3 interleave; the last line (event 2's end) has no newline yet
  feed.write(ev(1) + syscall(2) + syscall(3) + proctitle(2).trimEnd())
  const running = r.run()
  t.ok(await until(() => sink.got.length === 1))
  await realSleep(20)
  t.same(sink.got, [1], 'the partial line is held while the feed is open')
  await r.stop()
  await running
  t.equal(await r.finish(), true)
  t.same(sink.got, [1, 2, 3], 'event 2 completed by its last line; event 3 emitted as it is')
  t.same(sink.complete, [true, true, false])
  t.same(checkpoint(dir)?.position, null)
  t.ok(existsSync(join(dir, 'state', 'checkpoint.json')), 'the join state is still saved')
})

t.test('a feed (stdin): deliveries do not save the checkpoint soon (nothing is read again); a file source does', async (t) => {
  const saves = async (source: Source, add: (s: string) => void): Promise<boolean> => {
    const sink = new FakeSink()
    const { r, dir } = mk(t, source, sink, { checkpointIntervalMs: 60_000, checkpointAfterDeliveryMs: 20 })
    const running = r.run()
    add(ev(1))
    t.ok(await until(() => sink.got.length === 1))
    await realSleep(300)
    const saved = existsSync(join(dir, 'state', 'checkpoint.json'))
    await r.stop()
    await running
    await r.finish()
    return saved
  }
  const feed = new PassThrough()
  t.equal(await saves(new StdinSource(feed, 65536), (s) => feed.write(s)), false, 'stdin: only the interval (and the stop) saves')
  const src = new FakeSource()
  t.equal(await saves(src, (s) => src.add(s)), true, 'a file: saved within after_delivery_ms')
})

t.test('a feed that ends: run() returns by itself with every event emitted', async (t) => {
  const feed = new PassThrough()
  const sink = new FakeSink()
  const { r } = mk(t, new StdinSource(feed, 65536), sink)
  const running = r.run()
  feed.end(ev(1) + syscall(2))
  await running
  t.equal(await r.finish(), true)
  t.same(sink.got, [1, 2])
  t.same(sink.complete, [true, false])
})

t.test('a checkpoint that cannot be saved while running: delivery goes on, the failure is logged', async (t) => {
  fakeClock(t)
  const lines: string[] = []
  const src = new FakeSource()
  const sink = new FakeSink()
  const { r, dir } = mk(t, src, sink, { checkpointIntervalMs: 100, log: pino({ level: 'warn' }, { write: (s: string) => { lines.push(s) } }) })
  // the temporary file of every save cannot be opened
  mkdirSync(join(dir, 'state', 'checkpoint.json.tmp'), { recursive: true })
  src.add(ev(1))
  const running = r.run()
  t.ok(await until(() => sink.got.length === 1))
  t.ok(await until(() => lines.some((l) => l.includes('cannot save the checkpoint')), 10_000, { clock: t.clock, ms: 100 }), 'the failure is logged')
  src.add(ev(2) + ev(3))
  t.ok(await until(() => sink.got.length === 3, 10_000, { clock: t.clock, ms: 100 }), 'and events are still delivered')
  t.equal(r.failed, false, 'the daemon has not stopped')
  t.match(JSON.parse(lines.find((l) => l.includes('cannot save the checkpoint')) ?? '{}'), { level: 50, failing_ms: 0, err: /EISDIR/ })
  await r.stop()
  await running
  await r.finish(false)
})

t.test('a join state the pipeline cannot load is a refused checkpoint (AS_RUN_CHECKPOINT_INVALID), before anything is read', async (t) => {
  const src = new FakeSource()
  const { r, dir } = mk(t, src, new FakeSink())
  mkdirSync(join(dir, 'state'))
  writeFileSync(join(dir, 'state', 'checkpoint.json'), JSON.stringify({ version: 1, position: null, teleport: { boots: 7 }, saved_at: '2024-01-01T00:00:00.000Z' }))
  await t.rejects(r.run(), { code: 'AS_RUN_CHECKPOINT_INVALID', message: /the Teleport join state cannot be loaded/ })
  t.equal(src.reads, 0, 'nothing read')
  await r.finish(false)
})

t.test('run(resume): the checkpoint checked at start is used, the file is not read again', async (t) => {
  const src = new FakeSource()
  const { r, dir } = mk(t, src, new FakeSink())
  mkdirSync(join(dir, 'state'))
  writeFileSync(join(dir, 'state', 'checkpoint.json'), 'not read')
  const position = { ...FILE, offset: 77 }
  const running = r.run({ checkpoint: { version: 1, position, teleport: null, saved_at: '2024-01-01T00:00:00.000Z' } })
  t.ok(await until(() => src.resumedAt !== undefined))
  t.same(src.resumedAt, position)
  await r.stop()
  await running
  await r.finish(false)
})
