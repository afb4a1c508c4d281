// The bound on one event (issue #11 item 4): an execve of 40 arguments of 128 KiB, or 100,000
// records with one serial, must neither be held whole nor shipped whole.
import t from 'tap'
import { runBytes } from '../helpers/pipeline.js'
import { giantArgs, giantExecveLines } from '../helpers/giant-execve.js'
import { Pipeline, DEFAULT_PIPELINE } from '../../src/pipeline/pipeline.js'
import { LineSplitter } from '../../src/source/lines.js'
import type { AuditshipEvent } from '../../src/event/types.js'

const NEXT = "type=USER_ACCT msg=audit(1700000001.000:101): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:accounting acct=\"root\" exe=\"/usr/sbin/cron\" hostname=? addr=? terminal=cron res=success'\n"

/** Feed `text` line by line; the most bytes the open events held at any time. */
function feedWatching (text: string, opts = {}): { docs: AuditshipEvent[], most: number, p: Pipeline } {
  const docs: AuditshipEvent[] = []
  const p = new Pipeline({ ...DEFAULT_PIPELINE, ...opts }, { event: (d) => { docs.push(d) }, lineError: () => {}, invalid: () => { throw new Error('invalid event') } })
  let most = 0
  const s = new LineSplitter(65536, { line: (l, o, a) => { p.line(l, o, a); most = Math.max(most, p.reassembler.heldBytes) }, tooLong: () => {} })
  s.push(Buffer.from(text, 'latin1'))
  s.end()
  p.end()
  return { docs, most, p }
}

t.test('a giant execve: truncated in the middle as it arrives, flagged, first and last arguments kept, within 1 MiB of JSON', async (t) => {
  const args = giantArgs()
  const text = giantExecveLines(100, 1700000000, args) + NEXT
  t.ok(text.length > 10_000_000, `the log holds ${text.length} bytes of it`)
  const { docs, most, p } = feedWatching(text)
  t.ok(most <= DEFAULT_PIPELINE.maxEventBytes + 8000, `held at most ${most} bytes while assembling (bound ${DEFAULT_PIPELINE.maxEventBytes} + one record)`)
  t.equal(docs.length, 2, 'the giant event, then the next one')
  const [big, next] = docs
  t.equal(next.auditd.sequence, 101)
  t.equal(big.auditd.complete, true, 'it got its EOE: complete, yet truncated')
  t.equal(big.auditd.truncated, true)
  const d = big.auditd.dropped
  t.ok(d !== undefined && d.records > 1000 && d.bytes > 9_000_000, `dropped ${JSON.stringify(d)}`)
  t.ok(Buffer.byteLength(JSON.stringify(big)) <= DEFAULT_PIPELINE.maxEventBytes, 'its JSON is within max_event_bytes')
  const types = big.auditd.records.map((r) => r.type)
  t.same(types.slice(0, 2), ['SYSCALL', 'EXECVE'], 'the head: SYSCALL and the first EXECVE records')
  t.same(types.slice(-5), ['EXECVE', 'CWD', 'PATH', 'PATH', 'PROCTITLE'], 'the tail: the last EXECVE records, CWD, PATH, PROCTITLE')
  const pa = big.process
  t.equal(pa?.args_count, 40, 'argc as logged')
  t.equal(pa?.args?.[0], args[0].toString(), 'the first argument, whole')
  t.equal(pa?.args?.at(-1), args[39].toString(), 'the last argument, whole')
  t.equal((pa?.args?.length ?? 0) + (d?.args ?? 0), 40, 'kept + missing = argc')
  t.equal(d?.args_from, (pa?.args?.length ?? 0) - 1, 'the gap follows the head arguments (here argv[0]); the last argument comes after it')
  t.equal(big.process?.working_directory, '/tmp')
  t.equal(big.file?.path, '/usr/bin/giant')
  t.equal(p.stats.truncated, 1, 'counted')
})

t.test('100,000 records with one serial: one event of at most max_event_records, not a crash', async (t) => {
  let text = 'type=SYSCALL msg=audit(1700000000.000:7): arch=c000003e syscall=2 success=yes exit=3 items=100000 pid=1 uid=0 auid=0 ses=1 comm="x" exe="/x"\n'
  for (let i = 0; i < 100_000; i++) text += `type=PATH msg=audit(1700000000.000:7): item=${i} name="/tmp/f${i}" inode=1 dev=08:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\n`
  text += 'type=PROCTITLE msg=audit(1700000000.000:7): proctitle=78\n' + NEXT
  const { docs, p } = feedWatching(text)
  t.equal(docs.length, 2)
  const ev = docs[0].auditd
  t.equal(ev.records.length, DEFAULT_PIPELINE.maxEventRecords)
  t.equal(ev.dropped?.records, 100_002 - DEFAULT_PIPELINE.maxEventRecords)
  t.equal(ev.records[0].type, 'SYSCALL')
  t.equal(ev.records[1].fields.item, '0', 'the first PATH records')
  t.equal(ev.records.at(-2)?.fields.item, '99999', 'the last PATH record')
  t.equal(ev.records.at(-1)?.type, 'PROCTITLE')
  t.equal(ev.complete, true)
  t.equal(p.stats.records, 100_003)
})

t.test('max_event_records: a small bound keeps the first and last halves', async (t) => {
  let text = 'type=SYSCALL msg=audit(5.000:9): arch=c000003e syscall=2 success=yes exit=3 pid=1 uid=0\n'
  for (let i = 0; i < 8; i++) text += `type=PATH msg=audit(5.000:9): item=${i} name="/f${i}"\n`
  text += 'type=PROCTITLE msg=audit(5.000:9): proctitle=78\n'
  const { docs } = runBytes(text, { maxEventRecords: 4 })
  t.same(docs[0].auditd.records.map((r) => r.fields.item ?? r.type), ['SYSCALL', '0', '7', 'PROCTITLE'])
  t.equal(docs[0].auditd.dropped?.records, 6, '10 records, 4 kept')
  t.notOk('args' in (docs[0].auditd.dropped ?? {}), 'no EXECVE: no argument count')
  const small = runBytes(text, { maxEventRecords: 10 })
  t.equal(small.docs[0].auditd.truncated, undefined, 'within the bound: no flag')
  t.equal(small.docs[0].auditd.dropped, undefined)
})

t.test('the open events together are bounded too: the oldest is closed incomplete beyond 8 × max_event_bytes', async (t) => {
  const max = 65536
  const body = 'x'.repeat(7000)
  let text = ''
  // 12 events interleaved, each growing past max_event_bytes: 12 × 64 KiB held would be 768 KiB
  for (let round = 0; round < 20; round++) {
    for (let e = 1; e <= 12; e++) text += `type=${round === 0 ? 'SYSCALL' : 'PATH'} msg=audit(9.000:${e}): item=${round} data="${body}"\n`
  }
  const { docs, most, p } = feedWatching(text, { maxEventBytes: max })
  t.ok(most <= 8 * max + 8000, `held at most ${most} bytes`)
  t.ok(p.reassembler.stats.evicted > 0, 'some events were closed by the bound')
  t.ok(docs.some((d) => d.auditd.closed_by === 'evicted' && !d.auditd.complete), 'flagged incomplete, evicted')
  t.ok(docs.every((d) => Buffer.byteLength(JSON.stringify(d)) <= max), 'every document within max_event_bytes')
})
