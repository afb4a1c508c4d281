/**
 * The runner with the fleet options: identity and log position on every shipped event, and
 * filtered events acknowledged to the checkpoint (never holding it back).
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import { Runner } from '../../src/run/runner.js'
import { DEFAULT_PIPELINE } from '../../src/pipeline/pipeline.js'
import type { OutEvent, Sink, WriteResult } from '../../src/ship/sink.js'
import type { Source, SourceBatch, SourceLine, SourcePosition } from '../../src/source/source.js'
import { LineList } from '../../src/source/line-list.js'
import type { AuditshipEvent } from '../../src/event/types.js'

const FILE = { path: '/var/log/audit/audit.log', identity: { dev: 1, ino: 42, fingerprint: 'ab', fpLen: 1 } }
const ev = (n: number, exe: string): string =>
  `type=SYSCALL msg=audit(1700000000.${String(n).padStart(3, '0')}:${n}): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=${2000 + n} auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm="x" exe="${exe}" key=(null)\n` +
  `type=PROCTITLE msg=audit(1700000000.${String(n).padStart(3, '0')}:${n}): proctitle=78\n`

/** One batch of the given text, then waits until closed. */
class OneBatch implements Source {
  readonly replayable = true
  readonly end: number
  private sent = false
  private wake: (() => void) | undefined
  private readonly batch: SourceBatch
  constructor (text: string) {
    const lines: SourceLine[] = []
    let off = 0
    for (const l of text.split('\n').slice(0, -1)) { lines.push({ line: l, offset: off, ascii: true }); off += l.length + 1 }
    this.end = off
    this.batch = { file: FILE, lines: LineList.of(lines), tooLong: [], endOffset: off }
  }

  async start (): Promise<void> {}
  async read (signal?: AbortSignal): Promise<SourceBatch | null> {
    if (!this.sent) { this.sent = true; return this.batch }
    if (signal?.aborted !== true) await new Promise<void>((resolve) => { this.wake = resolve; signal?.addEventListener('abort', () => resolve(), { once: true }) })
    return null
  }

  position (): SourcePosition { return { ...FILE, offset: this.sent ? this.end : 0 } }
  /** the idle clock (ms waited for input): real time is enough here */
  waitedMs (): number { return Date.now() }
  async close (): Promise<void> { this.wake?.() }
}

class Collect implements Sink {
  readonly name = 'c'
  docs: AuditshipEvent[] = []
  async write (batch: OutEvent[]): Promise<WriteResult | undefined> {
    for (const e of batch) this.docs.push(JSON.parse(e.data.toString('utf8')) as AuditshipEvent)
    return undefined
  }

  async close (): Promise<void> {}
}

t.test('identity and log position on every event; a filtered event at the end does not hold back the checkpoint', async (t) => {
  const dir = t.testdir()
  const text = ev(1, '/usr/bin/echo') + ev(2, '/usr/bin/vim') + ev(3, '/usr/sbin/cron')
  const src = new OneBatch(text)
  const sink = new Collect()
  const r = new Runner({
    source: () => src,
    pipeline: {
      ...DEFAULT_PIPELINE,
      rules: { filter: [{ name: 'cron', executable: ['/usr/sbin/cron'] }], label: [{ name: 'editors', executable: ['/usr/bin/vim'], tags: ['editor'] }] },
      identity: { host: { name: 'web1', hostname: 'web1', version: '9.9.9', agentId: '3f1c2b1e-8d3a-4c55-9a1e-0c2a6f1d7b10', namespace: 'default' }, fields: [[['labels', 'cluster'], 'prod']] },
    },
    idleTimeoutMs: 100,
    stateDir: join(dir, 'state'),
    checkpointIntervalMs: 60_000,
    maxPendingEvents: 100,
    maxPendingBytes: 1 << 20,
    deadLetterPath: join(dir, 'state', 'dead-letter.ndjson'),
    sinks: [{ sink, queue: { maxEvents: 1, maxBytes: 1 << 20, flushIntervalMs: 5, backoffInitialMs: 1, backoffMaxMs: 2 } }],
    shutdownTimeoutMs: 2000,
    log: pino({ level: 'silent' }),
  })
  const running = r.run()
  for (let i = 0; i < 400 && (sink.docs.length < 2 || r.pipeline.stats.filtered < 1); i++) await sleep(5)
  t.equal(sink.docs.length, 2, 'cron filtered')
  t.equal(r.pipeline.stats.filtered, 1)
  const second = text.indexOf('type=SYSCALL', 1)
  t.same(sink.docs.map((d) => d.log), [{ file: { path: FILE.path }, offset: 0 }, { file: { path: FILE.path }, offset: second }], 'the first record of each event')
  t.same(sink.docs[0].host, { name: 'web1', hostname: 'web1' })
  t.same(sink.docs[0].agent, { type: 'auditship', name: 'web1', version: '9.9.9', id: '3f1c2b1e-8d3a-4c55-9a1e-0c2a6f1d7b10' })
  t.same(sink.docs[0].labels, { cluster: 'prod' })
  t.same(sink.docs[1].tags, ['editor'], 'labelled')
  await r.stop()
  await running
  t.equal(await r.finish(), true)
  const cp = JSON.parse(readFileSync(join(dir, 'state', 'checkpoint.json'), 'utf8')) as { position: SourcePosition }
  t.equal(cp.position.offset, src.end, 'the checkpoint passed the filtered event: nothing left to read again')
})
