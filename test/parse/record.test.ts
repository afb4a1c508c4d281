import t from 'tap'
import { parseLine, AuditRecord, LineError } from '../../src/parse/record.js'
import { ParseErrors } from '../../src/errors.js'

function rec (line: string): AuditRecord {
  const r = parseLine(line, 0)
  if (!(r instanceof AuditRecord)) throw new Error(`expected a record, got ${r.error.code}`)
  return r
}
function err (line: string): string {
  const r = parseLine(line, 0)
  if (!(r instanceof LineError)) throw new Error('expected a parse error')
  return r.error.code
}

t.test('header: type, timestamp, serial, body', async (t) => {
  const r = rec('type=SYSCALL msg=audit(1615114232.375:15558): arch=c000003e syscall=59')
  t.equal(r.type, 'SYSCALL')
  t.equal(r.typeNum, 1300)
  t.equal(r.sec, 1615114232)
  t.equal(r.ms, 375)
  t.equal(r.serial, 15558)
  t.equal(r.node, undefined)
  t.equal(r.key, '1615114232.375:15558')
  t.equal(r.body, 'arch=c000003e syscall=59')
})

t.test('node= prefix is part of the identity', async (t) => {
  const r = rec('node=web-1 type=PATH msg=audit(1.001:7): item=0 name="/x"')
  t.equal(r.node, 'web-1')
  t.equal(r.key, 'web-1 1.001:7')
  t.not(r.key, rec('type=PATH msg=audit(1.001:7): item=0').key, 'with and without node never join')
})

t.test('UNKNOWN[n] and numeric types', async (t) => {
  const u = rec('type=UNKNOWN[1420] msg=audit(1.000:1): subj_apparmor=unconfined')
  t.equal(u.type, 'UNKNOWN[1420]', 'the name from the log is kept')
  t.equal(u.typeNum, 1420)
  const n = rec('type=1400 msg=audit(1.000:2): avc: denied')
  t.equal(n.type, 'AVC')
  t.equal(n.typeNum, 1400)
})

t.test('type names and numbers read from their characters, past the bound of remembered types too', async (t) => {
  // the names are remembered (a bounded map) and the strings reused (parse/intern.ts): a name
  // must never be answered with another one's meaning
  for (let i = 0; i < 6000; i++) {
    const name = i % 3 === 0 ? String(1100 + (i % 1900)) : `T${i}X`
    const r = rec(`type=${name} msg=audit(${1700000000 + i}.${String(i % 1000).padStart(3, '0')}:${i}): a=1`)
    if (i % 3 === 0) t.equal(r.typeNum, 1100 + (i % 1900), name)
    else if (r.type !== name || r.typeNum !== -1) t.fail(`${name}: ${r.type} ${r.typeNum}`)
    if (r.sec !== 1700000000 + i || r.ms !== i % 1000 || r.serial !== i) t.fail(`${i}: ${r.sec}.${r.ms}:${r.serial}`)
  }
  t.equal(rec('type=SYSCALL msg=audit(0000000001.000:0000000007): a=1').typeNum, 1300, 'known names still known')
  t.same([rec('type=SYSCALL msg=audit(0000000001.000:0000000007): a=1').sec, rec('type=SYSCALL msg=audit(0000000001.000:0000000007): a=1').serial], [1, 7], 'leading zeros')
  t.equal(rec('type=SYSCALL msg=audit(4294967295.999:4294967295): a=1').serial, 4294967295, 'ten digits')
})

t.test('trailing CR, continuation EXECVE with two spaces, missing colon', async (t) => {
  t.equal(rec('type=EOE msg=audit(1.000:1): \r').body, '')
  t.equal(rec('type=EXECVE msg=audit(1.000:1):  a1[1]=41').body, ' a1[1]=41', 'body keeps the second space; the tokenizer skips it')
  const d = rec('type=DAEMON_CONFIG msg=audit(1490239800.477:34) config changed, auid=0')
  t.equal(d.body, 'config changed, auid=0')
})

t.test('serial rollover values are accepted up to 2^32-1', async (t) => {
  t.equal(rec('type=SYSCALL msg=audit(1.000:4294967295): x=1').serial, 4294967295)
  t.equal(rec('type=SYSCALL msg=audit(1.000:0): x=1').serial, 0)
  t.equal(err('type=SYSCALL msg=audit(1.000:4294967296): x=1'), ParseErrors.BAD_SERIAL.code)
})

t.test('bad lines are values with a reason, never exceptions', async (t) => {
  t.equal(err(''), ParseErrors.EMPTY.code)
  t.equal(err('\r'), ParseErrors.EMPTY.code)
  t.equal(err('# a comment ("with parens")'), ParseErrors.NO_TYPE.code)
  t.equal(err('type=UNKNOWN[1329] msg=?'), ParseErrors.NO_HEADER.code)
  t.equal(err('type=SYSCALL'), ParseErrors.NO_HEADER.code)
  t.equal(err('type= msg=audit(1.000:1): x'), ParseErrors.BAD_TYPE.code)
  t.equal(err('type=SYSCALL msg=audit(abc.000:1): x'), ParseErrors.BAD_TIMESTAMP.code)
  t.equal(err('type=SYSCALL msg=audit(1.0:1): x'), ParseErrors.BAD_TIMESTAMP.code)
  t.equal(err('type=SYSCALL msg=audit(1.000:): x'), ParseErrors.BAD_SERIAL.code)
  t.equal(err('type=SYSCALL msg=audit(1.000:12'), ParseErrors.BAD_SERIAL.code)
  t.equal(err('node=x'), ParseErrors.NO_TYPE.code)
  t.equal(err('host=x35 type=AVC msg=audit(1.000:1): x'), ParseErrors.NO_TYPE.code)
  t.equal(err('type=SYSCALL msg=audit(1.000:1): a\0b'), ParseErrors.NUL_BYTE.code)
})

t.test('kernel lines as syslog, journald and dmesg show them: the prefix is dropped, the bare audit(…) accepted', async (t) => {
  const a = rec('Dec  4 10:00:00 host kernel: audit: type=1400 audit(1700000000.123:45): apparmor="DENIED" operation="open"')
  t.match(a, { type: 'AVC', typeNum: 1400, sec: 1700000000, ms: 123, serial: 45, node: undefined, key: '1700000000.123:45', body: 'apparmor="DENIED" operation="open"' })
  t.match(rec('Dec  4 10:00:01 host kernel: [   12.345678] audit: type=1326 audit(1.500:46): sig=0 syscall=330'), { type: 'SECCOMP', serial: 46, body: 'sig=0 syscall=330' })
  t.match(rec('[   12.345678] audit: type=1400 audit(1.000:47): apparmor="STATUS"'), { type: 'AVC', serial: 47 })
  t.match(rec('audit: type=1400 audit(1.000:48): x=1\r'), { serial: 48, body: 'x=1' }, 'dmesg -t, and a CR at the end')
  t.match(rec('2023-12-04T10:00:04+00:00 host audisp-syslog: node=web-1 type=USER_LOGIN msg=audit(4.000:49): pid=800'), { type: 'USER_LOGIN', node: 'web-1', key: 'web-1 4.000:49' }, "auditd's syslog plugin")
  t.match(rec('Dec  4 host audisp-syslog: type=SYSCALL msg=audit(4.000:50): arch=c000003e'), { type: 'SYSCALL', serial: 50 })
})

t.test('prefixed lines that are not records stay errors, reported with the whole line', async (t) => {
  t.equal(err('Dec  4 10:00:05 host kernel: audit: initializing netlink subsys (disabled)'), 'AS_PARSE_NO_TYPE')
  const r = parseLine('Dec  4 host kernel: audit: type=1400 msg=?', 7)
  t.match(r, { error: { code: 'AS_PARSE_NO_HEADER' }, line: 'Dec  4 host kernel: audit: type=1400 msg=?', offset: 7 })
  t.equal(err('type=1400 audit(1.000:1): x=1'), 'AS_PARSE_NO_HEADER', 'the bare audit(…) only after a kernel prefix, not in audit.log lines')
  t.equal(err('----'), 'AS_PARSE_NO_TYPE')
  t.equal(err('# a comment: type=SYSCALL'), 'AS_PARSE_NO_HEADER', 'a syslog-looking line is tried, and fails on its header')
})
