import t from 'tap'
import { runFixture, runBytes, shapes } from '../helpers/pipeline.js'
import { Reassembler, type AuditEventRecords } from '../../src/correlate/reassembler.js'
import { parseLine, AuditRecord } from '../../src/parse/record.js'

function rec (line: string, offset = 0): AuditRecord {
  const r = parseLine(line, offset)
  if (!(r instanceof AuditRecord)) throw new Error('bad fixture line')
  return r
}

t.test('interleaved: records of two events mixed, each completed by its PROCTITLE', async (t) => {
  const { docs, errors } = runFixture('correlate/interleaved.log')
  t.equal(errors.length, 0)
  t.same(shapes(docs), ['501:SYSCALL,CWD,PATH,PROCTITLE', '500:SYSCALL,EXECVE,CWD,PATH,PROCTITLE'])
  t.ok(docs.every((d) => d.auditd.complete))
  t.same(docs[1].process?.args, ['ls', '-la'])
  t.equal(docs[0].file?.path, '/etc/shadow')
  t.same(docs[0].tags, ['secrets'])
  t.equal(docs[0].event.outcome, 'failure')
})

t.test('out_of_order: serials and timestamps not monotonic; user records are single events', async (t) => {
  const { docs } = runFixture('correlate/out_of_order.log')
  t.same(shapes(docs).sort(), ['600:SYSCALL,PROCTITLE', '601:SYSCALL,SOCKADDR,PROCTITLE', '603:USER_ACCT', '604:USER_START'].sort())
  const connect = docs.find((d) => d.auditd.sequence === 601)
  t.same(connect?.destination, { ip: '192.0.2.1', port: 80 })
  t.equal(connect?.auditd.syscall, 'connect')
  t.equal(connect?.event.action, 'connected-to')
})

t.test('split_execve: a long argument in chunks across two EXECVE records', async (t) => {
  const { docs } = runFixture('correlate/split_execve.log')
  t.equal(docs.length, 1)
  t.same(docs[0].process?.args, ['echo', 'AAAAAAAAAAé', 'end'], 'chunks joined before decoding, so a split UTF-8 sequence survives')
  t.equal(docs[0].process?.args_count, 3)
  t.same(docs[0].auditd.records.map((r) => r.type), ['SYSCALL', 'EXECVE', 'EXECVE', 'CWD', 'PATH', 'PROCTITLE'])
})

t.test('serial_rollover: 4294967294, 4294967295, 0, 1 are four events', async (t) => {
  const { docs } = runFixture('correlate/serial_rollover.log')
  t.same(docs.map((d) => d.auditd.sequence).sort((a, b) => a - b), [0, 1, 4294967294, 4294967295])
  t.ok(docs.every((d) => d.auditd.records.length === 2 && d.auditd.complete))
})

t.test('enriched_and_raw_mixed: both formats in one file', async (t) => {
  const { docs } = runFixture('correlate/enriched_and_raw_mixed.log')
  t.same(shapes(docs), ['800:DAEMON_START', '801:SYSCALL,PROCTITLE', '802:DAEMON_CONFIG', '803:SYSCALL,PROCTITLE'])
  t.equal(docs[1].user?.name, undefined, 'RAW: no names')
  t.equal(docs[3].user?.name, 'root', 'ENRICHED: names from the log')
  t.equal(docs[3].user?.audit?.name, 'alice')
  t.equal(docs[1].auditd.syscall, 'execve', 'RAW: syscall name from our table')
})

t.test('node_prefix: same timestamp and serial on three nodes are three events', async (t) => {
  const { docs } = runFixture('correlate/node_prefix.log')
  t.same(shapes(docs).sort(), ['900:SYSCALL,PROCTITLE', 'a 900:SYSCALL,PROCTITLE', 'b 900:SYSCALL,PROCTITLE'])
  t.same(docs.map((d) => d.process?.title).sort(), ['a', 'b', 'c'])
})

t.test('garbage_lines: every bad line counted, good records survive', async (t) => {
  const { docs, errors, pipeline } = runFixture('correlate/garbage_lines.log')
  t.same(errors.map((e) => e.error.code), ['AS_PARSE_NO_TYPE', 'AS_PARSE_NO_HEADER', 'AS_PARSE_NO_TYPE', 'AS_PARSE_NO_TYPE', 'AS_PARSE_BAD_SERIAL', 'AS_PARSE_NUL_BYTE'])
  t.same(shapes(docs), ['1000:SYSCALL,PROCTITLE', '1002:USER_CMD'])
  t.equal(docs[1].auditd.records[0].fields.cmd, 'ls', 'CRLF line parsed')
  t.equal(pipeline.stats.parseErrors, 6)
  t.equal(pipeline.reassembler.stats.orphanEoe, 1, 'the EOE whose event never came is counted')
})

t.test('completion does not depend on EOE; EOE completes when present', async (t) => {
  const withEoe = runBytes('type=SYSCALL msg=audit(1.000:1): syscall=1 arch=c000003e pid=1 uid=0\ntype=EOE msg=audit(1.000:1): \n')
  t.equal(withEoe.docs.length, 1)
  t.equal(withEoe.docs[0].auditd.complete, true)
  t.equal(withEoe.docs[0].auditd.records.length, 1, 'EOE is a marker, not a record')
  const noEnd = runBytes('type=SYSCALL msg=audit(1.000:1): syscall=1 arch=c000003e pid=1 uid=0\n')
  t.equal(noEnd.docs[0].auditd.complete, false)
  t.equal(noEnd.docs[0].auditd.closed_by, 'end', 'at end of input the open event is emitted, flagged')
})

t.test('LOGIN does not end an event (audit 4.x); a user record sharing a serial stays in the kernel event', async (t) => {
  const login = runBytes([
    'type=LOGIN msg=audit(1.000:5): pid=9 uid=0 old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=7 res=1',
    'type=SYSCALL msg=audit(1.000:5): arch=c000003e syscall=1 success=yes exit=4 pid=9 uid=0 auid=1000 ses=7 comm="sshd" exe="/usr/sbin/sshd"',
    'type=PROCTITLE msg=audit(1.000:5): proctitle=73736864',
  ].join('\n'))
  t.same(shapes(login.docs), ['5:LOGIN,SYSCALL,PROCTITLE'])
  t.equal(login.docs[0].auditd.session, '7')
  const svc = runBytes([
    "type=SERVICE_START msg=audit(2.000:6): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=x comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'",
    'type=SYSCALL msg=audit(2.000:6): arch=c000003e syscall=44 success=yes exit=1 pid=1 uid=0 comm="systemd" exe="/usr/lib/systemd/systemd"',
    'type=EOE msg=audit(2.000:6): ',
    "type=USER_END msg=audit(2.001:7): pid=2 uid=0 auid=0 ses=1 msg='op=PAM:session_close acct=\"root\" exe=\"/usr/sbin/cron\" hostname=? addr=? terminal=cron res=success'",
  ].join('\n'))
  t.same(shapes(svc.docs), ['6:SERVICE_START,SYSCALL', '7:USER_END'])
  t.ok(svc.docs.every((d) => d.auditd.complete))
})

t.test('log-time timeout closes an event without an end, flagged incomplete', async (t) => {
  const emitted: AuditEventRecords[] = []
  const r = new Reassembler({ maxInFlight: 100, timeoutSec: 2 }, (e) => emitted.push(e))
  r.push(rec('type=SYSCALL msg=audit(100.000:1): syscall=1'))
  r.push(rec('type=SYSCALL msg=audit(101.000:2): syscall=1'))
  t.equal(emitted.length, 0, 'not yet: 1 s later')
  r.push(rec('type=SYSCALL msg=audit(102.500:3): syscall=1'))
  t.same(emitted.map((e) => [e.serial, e.complete, e.reason]), [[1, false, 'timeout']])
  r.end()
  t.same(emitted.map((e) => e.serial), [1, 2, 3])
})

t.test('wall-clock idle timeout (tailing)', async (t) => {
  let now = 1000
  const emitted: AuditEventRecords[] = []
  const r = new Reassembler({ maxInFlight: 100, timeoutSec: 2, wallClock: true, now: () => now }, (e) => emitted.push(e))
  r.push(rec('type=SYSCALL msg=audit(100.000:1): syscall=1'))
  now = 2000
  r.push(rec('type=SYSCALL msg=audit(100.000:2): syscall=1'))
  now = 3500
  r.flushIdle(2000)
  t.same(emitted.map((e) => [e.serial, e.reason]), [[1, 'timeout']])
  t.equal(r.inFlight, 1)
})

t.test('in-flight bound: the oldest event is emitted incomplete, never dropped', async (t) => {
  const emitted: AuditEventRecords[] = []
  const r = new Reassembler({ maxInFlight: 3, timeoutSec: 2 }, (e) => emitted.push(e))
  for (let i = 1; i <= 5; i++) r.push(rec(`type=SYSCALL msg=audit(100.000:${i}): syscall=1`, i * 100))
  t.same(emitted.map((e) => [e.serial, e.reason]), [[1, 'evicted'], [2, 'evicted']])
  t.equal(r.inFlight, 3)
  t.equal(r.oldestRecord()?.offset, 300)
  t.equal(r.stats.evicted, 2)
  r.end()
  t.equal(emitted.length, 5)
})

t.test('log-time timeout is measured against the record just read (auparse rule), not the newest seen', async (t) => {
  const { docs } = runBytes([
    "type=USER_ACCT msg=audit(1000.000:1): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:accounting acct=\"root\" exe=\"/usr/sbin/cron\" hostname=? addr=? terminal=cron res=success'",
    'type=NETFILTER_CFG msg=audit(10.000:17): table=filter family=2 entries=0',
    'type=AVC msg=audit(20.000:18): avc:  denied  { read } for  pid=2 comm="x" scontext=a tcontext=b tclass=file',
    'type=SYSCALL msg=audit(10.000:17): arch=c000003e syscall=313 success=yes exit=0 items=0 ppid=390 pid=391 auid=4294967295 uid=0 comm="modprobe" exe="/usr/bin/kmod" key=(null)',
  ].join('\n'))
  t.same(shapes(docs), ['1:USER_ACCT', '17:NETFILTER_CFG', '18:AVC', '17:SYSCALL'])
  t.same(docs.map((d) => d.auditd.closed_by ?? 'complete'), ['complete', 'timeout', 'end', 'end'])
})

t.test('a held user record is released by the idle flush only once idle; a joined one takes part in the log-time timeout', async (t) => {
  let now = 0
  const emitted: AuditEventRecords[] = []
  const r = new Reassembler({ maxInFlight: 100, timeoutSec: 2, wallClock: true, now: () => now }, (e) => emitted.push(e))
  r.push(rec("type=SERVICE_START msg=audit(100.000:1): pid=1 uid=0 msg='unit=x res=success'"))
  now = 500
  r.flushIdle(1000)
  t.equal(emitted.length, 0, 'not idle yet: the kernel records of its event may follow')
  r.push(rec('type=SYSCALL msg=audit(100.000:1): syscall=44 pid=1'))
  t.equal(emitted.length, 0)
  r.push(rec('type=SYSCALL msg=audit(103.000:2): syscall=1 pid=1'))
  t.same(emitted.map((e) => [e.serial, e.records.map((x) => x.type).join(','), e.reason]), [[1, 'SERVICE_START,SYSCALL', 'timeout']])
  now = 5000
  r.push(rec("type=USER_END msg=audit(104.000:3): pid=1 uid=0 msg='op=x res=success'"))
  now = 7000
  r.flushIdle(1000)
  t.same(emitted.map((e) => e.serial), [1, 3, 2], 'the held record goes out once idle, then the idle open event')
})

t.test('log-time timeout per node: a host whose clock runs ahead does not close another host\'s events', async (t) => {
  const emitted: AuditEventRecords[] = []
  const r = new Reassembler({ maxInFlight: 100, timeoutSec: 2 }, (e) => emitted.push(e))
  r.push(rec('node=a type=SYSCALL msg=audit(100.000:1): syscall=59 pid=10'))
  r.push(rec('node=b type=SYSCALL msg=audit(103.100:7): syscall=59 pid=10')) // b's clock is 3 s ahead
  r.push(rec('node=a type=CWD msg=audit(100.000:1): cwd="/"'))
  r.push(rec('type=SYSCALL msg=audit(109.000:4): syscall=59 pid=10')) // no node= prefix: a host of its own
  t.equal(emitted.length, 0, 'nothing timed out by the records of other nodes')
  r.push(rec('node=b type=PROCTITLE msg=audit(103.100:7): proctitle=6C73'))
  r.push(rec('node=a type=PROCTITLE msg=audit(100.000:1): proctitle=6C73'))
  t.same(emitted.map((e) => [e.node, e.serial, e.records.length, e.reason]), [['b', 7, 2, 'last-record'], ['a', 1, 3, 'last-record']])
  r.push(rec('node=a type=SYSCALL msg=audit(101.000:2): syscall=1 pid=10'))
  r.push(rec('node=b type=SYSCALL msg=audit(110.000:8): syscall=1 pid=10'))
  t.equal(emitted.length, 2, 'b\'s time does not time out a\'s open event')
  r.push(rec('node=a type=SYSCALL msg=audit(103.000:3): syscall=1 pid=10'))
  t.same(emitted.slice(2).map((e) => [e.node, e.serial, e.reason]), [['a', 2, 'timeout']], 'a\'s own time does')
  r.end()
  t.same(emitted.slice(3).map((e) => [e.node ?? '', e.serial]).sort(), [['', 4], ['a', 3], ['b', 8]])
})

t.test('each event says where its last record was read and whether another event began among its records', async (t) => {
  const emitted: AuditEventRecords[] = []
  const r = new Reassembler({ maxInFlight: 100, timeoutSec: 2 }, (e) => emitted.push(e))
  const lines = [
    'type=SYSCALL msg=audit(1.000:1): syscall=59', // 0
    'type=SYSCALL msg=audit(1.000:2): syscall=59', // 1: begins while 1 is open
    'type=PATH msg=audit(1.000:1): item=0', // 2
    'type=EOE msg=audit(1.000:1): ', // 3: 1 ends here (its EOE is its last record)
    'type=PROCTITLE msg=audit(1.000:2): proctitle=78', // 4: 2 ends; nothing began among its records
    'type=SYSCALL msg=audit(1.000:3): syscall=59', // 5
    'type=PROCTITLE msg=audit(1.000:3): proctitle=78', // 6
  ]
  lines.forEach((l, i) => { const x = rec(l, i * 100); x.seq = i + 1; x.gen = 0; r.push(x) })
  t.same(emitted.map((e) => [e.serial, e.last.seq, e.last.offset, e.overlapped]), [[1, 4, 300, true], [2, 5, 400, false], [3, 7, 600, false]])
})

t.test('skip: a record it recognises is left out, yet counts as read for the log-time timeout', async (t) => {
  const emitted: AuditEventRecords[] = []
  const r = new Reassembler({ maxInFlight: 100, timeoutSec: 2, skip: (x) => x.serial === 9 }, (e) => emitted.push(e))
  r.push(rec('type=SYSCALL msg=audit(100.000:1): syscall=1'))
  r.push(rec('type=PATH msg=audit(100.000:9): item=3'))
  t.equal(r.inFlight, 1, 'the skipped record opened no event')
  r.push(rec('type=PATH msg=audit(103.000:9): item=4'))
  t.same(emitted.map((e) => [e.serial, e.reason]), [[1, 'timeout']], 'its time closed the old event as the first reading did')
  r.end()
  t.equal(emitted.length, 1)
})
