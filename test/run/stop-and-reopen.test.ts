import t, { type Test } from 'tap'
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { setTimeout as realSleep } from 'node:timers/promises'
import { pino } from 'pino'
import { Runner, type RunnerOptions } from '../../src/run/runner.js'
import { stopBudget } from '../../src/run/shutdown.js'
import { DEFAULT_PIPELINE } from '../../src/pipeline/pipeline.js'
import { StdinSource } from '../../src/source/stdin.js'
import { FileSink } from '../../src/ship/sinks/file/sink.js'
import type { OutEvent, Sink } from '../../src/ship/sink.js'

// The runner's SIGHUP (reopen) and the bound of its stop (finish), in-process: a feed as the
// source, a real file sink or a sink whose close never ends.

const SEC = 1700000000
const ev = (n: number): string => `type=SYSCALL msg=audit(${SEC}.${String(n).padStart(3, '0')}:${n}): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=${2000 + n} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="echo" exe="/usr/bin/echo" key=(null)\n` +
  `type=PROCTITLE msg=audit(${SEC}.${String(n).padStart(3, '0')}:${n}): proctitle=6563686F\n`

/** Log lines as objects. */
function logSink (): { log: pino.Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk: Buffer, _enc, cb) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb() } })
  return { log: pino({ level: 'info' }, stream), lines }
}

function mk (t: Test, sink: Sink, o: Partial<RunnerOptions> = {}): { r: Runner, dir: string, feed: PassThrough } {
  const dir = t.testdir()
  chmodSync(dir, 0o750)
  const feed = new PassThrough()
  const r = new Runner({
    source: () => new StdinSource(feed, 65536),
    pipeline: { ...DEFAULT_PIPELINE },
    idleTimeoutMs: 1000,
    stateDir: join(dir, 'state'),
    checkpointIntervalMs: 60_000,
    maxPendingEvents: 1000,
    maxPendingBytes: 1 << 20,
    deadLetterPath: join(dir, 'state', 'dead-letter.ndjson'),
    sinks: [{ sink, queue: { maxEvents: 1, maxBytes: 1 << 20, flushIntervalMs: 1, backoffInitialMs: 1, backoffMaxMs: 2 } }],
    shutdownTimeoutMs: 1000,
    log: pino({ level: 'silent' }),
    ...o,
  })
  return { r, dir, feed }
}

const RealDate = Date
/** The fake clock; clock-mock's Date lacks Date.parse and Date.UTC: put them back. */
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

const lines = (p: string): string[] => existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter((l) => l !== '') : []

/** A sink that delivers at once and whose close() never ends (an HTTP client waiting for a request). */
class StuckCloseSink implements Sink {
  readonly name = 'stuck'
  closeCalled = false
  async write (_batch: OutEvent[]): Promise<void> {}
  async close (): Promise<void> {
    this.closeCalled = true
    await new Promise<void>(() => {})
  }
}

t.test('stopBudget: delivery gets the timeout less min(1 s, a quarter); the sinks half the rest', async (t) => {
  t.same(stopBudget(1000, 10_000), { drainUntil: 10_000, closeUntil: 10_500, deadline: 11_000 })
  t.same(stopBudget(0, 1000), { drainUntil: 750, closeUntil: 875, deadline: 1000 })
  t.same(stopBudget(0, 0), { drainUntil: 0, closeUntil: 0, deadline: 0 })
})

t.test('reopen() (SIGHUP): the file sink and the dead-letter file are opened anew at their paths, and it is logged', async (t) => {
  const { log, lines: logged } = logSink()
  const root = t.testdir()
  chmodSync(root, 0o750)
  const out = join(root, 'out', 'events.ndjson')
  const { r, dir, feed } = mk(t, new FileSink('file-0', out, true), { log })
  const dl = join(dir, 'state', 'dead-letter.ndjson')
  const running = r.run()
  feed.write('garbage 1\n' + ev(1))
  // settled, not just written: a batch still being checked could be written again after the rename
  t.ok(await until(() => lines(out).length === 1 && lines(dl).length === 1 && r.mark.pending === 0), 'event 1 delivered, bad line 1 dead-lettered')
  renameSync(out, `${out}.1`)
  renameSync(dl, `${dl}.1`)
  await r.reopen()
  const info = logged.find((l) => l.msg === 'SIGHUP: reopened the output files')
  t.same(info?.reopened, [`sink file-0: ${out}`, `dead letter: ${dl}`], 'the log names what was reopened')
  t.equal(info?.level, 30, 'at info')
  feed.write('garbage 2\n' + ev(2))
  t.ok(await until(() => lines(out).length === 1 && lines(dl).length === 1), 'event 2 and bad line 2 are in the new files')
  t.match(lines(out)[0], /"sequence":2/)
  t.match(lines(dl)[0], /garbage 2/)
  t.equal(lines(`${out}.1`).length, 1, 'the rotated output keeps event 1 only')
  t.match(lines(`${dl}.1`)[0], /garbage 1/)
  await r.stop()
  await running
  t.equal(await r.finish(), true)
})

t.test('reopen(): a sink file that cannot be opened now is logged; delivery goes on', async (t) => {
  const { log, lines: logged } = logSink()
  const root = t.testdir()
  chmodSync(root, 0o750)
  const out = join(root, 'out', 'events.ndjson')
  const { r, dir, feed } = mk(t, new FileSink('file-0', out, true), { log })
  const running = r.run()
  feed.write(ev(1))
  t.ok(await until(() => lines(out).length === 1 && r.mark.pending === 0), 'event 1 delivered')
  rmSync(join(root, 'out'), { recursive: true })
  writeFileSync(join(root, 'out'), 'not a directory')
  await r.reopen()
  t.match(logged.find((l) => l.level === 50 && /cannot reopen/.test(String(l.msg))), { code: 'AS_SINK_WRITE', sink: 'file-0', msg: 'SIGHUP: cannot reopen the output file; it is opened again at the next batch', err: /ENOTDIR|not a directory/ })
  t.same(logged.find((l) => l.msg === 'SIGHUP: reopened the output files')?.reopened, [`dead letter: ${join(dir, 'state', 'dead-letter.ndjson')}`], 'logs what was reopened')
  rmSync(join(root, 'out'))
  feed.write(ev(2))
  t.ok(await until(() => lines(out).length === 1), 'the next batch opens the path again (retried until it can)')
  await r.stop()
  await running
  await r.finish()
})

t.test('finish() ends within the shutdown timeout of stop() although a sink\'s close never ends', async (t) => {
  fakeClock(t)
  const sink = new StuckCloseSink()
  const { r, feed } = mk(t, sink, { shutdownTimeoutMs: 1000 })
  const running = r.run()
  feed.write(ev(1))
  await realSleep(20)
  await r.stop()
  await running
  let done = false
  const finishing = r.finish().then((all) => { done = true; return all })
  t.ok(await until(() => sink.closeCalled), 'the sinks are closed')
  await realSleep(50)
  t.equal(done, false, 'waits for the close for a while')
  t.clock.advance(875)
  t.equal(await finishing, true, 'given up on the close before the deadline')
})

t.test('finish() when the final checkpoint cannot be saved: rejects, after closing the sinks and the dead letter', async (t) => {
  let closed = false
  const sink: Sink = { name: 'ok', write: async () => {}, close: async () => { closed = true } }
  const { r, dir, feed } = mk(t, sink)
  const running = r.run()
  feed.write(ev(1))
  await realSleep(20)
  await r.stop()
  await running
  // the state dir is gone and a file is in its place: the checkpoint cannot be written
  rmSync(join(dir, 'state'), { recursive: true, force: true })
  writeFileSync(join(dir, 'state'), '')
  await t.rejects(r.finish(), /state/)
  t.ok(closed, 'the sink was closed anyway')
})
