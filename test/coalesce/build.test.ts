import t from 'tap'
import { isoTimestamp } from '../../src/coalesce/timestamp.js'
import { parseAddr } from '../../src/coalesce/network.js'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fixtures, runBytes, runFixture } from '../helpers/pipeline.js'
import { decodeSaddr } from '../../src/parse/decode.js'

t.test('timestamps: ISO-8601 UTC with milliseconds', async (t) => {
  t.equal(isoTimestamp(1615114232, 375), '2021-03-07T10:50:32.375Z')
  t.equal(isoTimestamp(1615114232, 5), '2021-03-07T10:50:32.005Z')
  t.equal(isoTimestamp(0, 0), '1970-01-01T00:00:00.000Z')
})

t.test('addr=: IP, ip:port (Teleport), [v6]:port, host names, unknown', async (t) => {
  t.same(parseAddr('10.0.0.1'), { ip: '10.0.0.1' })
  t.same(parseAddr('203.0.113.7:51234'), { ip: '203.0.113.7', port: 51234 })
  t.same(parseAddr('[2001:db8::7]:51234'), { ip: '2001:db8::7', port: 51234 })
  t.same(parseAddr('2001:db8::1'), { ip: '2001:db8::1' })
  t.same(parseAddr('bastion.example.com'), { domain: 'bastion.example.com' })
  t.equal(parseAddr('?'), undefined)
})

t.test('SADDR: inet, inet6, unix (path, abstract), netlink, big-endian family', async (t) => {
  t.same(decodeSaddr('02000050A9FEA9FE0000000000000000'), { family: 'inet', port: 80, addr: '169.254.169.254' })
  t.same(decodeSaddr('0A0001BB000000002001067C12341234000000000000000100000000'), { family: 'inet6', port: 443, addr: '2001:67c:1234:1234::1' })
  t.same(decodeSaddr('01002F7661722F72756E2F6E7363642F736F636B657400'), { family: 'unix', path: '/var/run/nscd/socket' })
  t.same(decodeSaddr('0100006162630000'), { family: 'unix', path: '@abc' })
  t.same(decodeSaddr('0100'), { family: 'unix', note: 'unnamed socket' })
  t.same(decodeSaddr('100000000000000000000000'), { family: 'netlink', pid: 0, groups: 0 })
  t.same(decodeSaddr('0002115CC0A8010A0000000000000000'), { family: 'inet', port: 4444, addr: '192.168.1.10' }, 'ppc64/s390x host order')
  t.equal(decodeSaddr('zz'), undefined)
})

t.test('ECS and summary for a failed sshd login (hex acct)', async (t) => {
  const { docs } = runBytes("type=USER_LOGIN msg=audit(1492896301.818:19955): pid=12635 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" hostname=? addr=179.38.151.221 terminal=sshd res=failed'\n")
  const d = docs[0]
  t.match(d.event, { action: 'logged-in', category: ['authentication'], type: ['start'], outcome: 'failure' })
  t.equal(d.auditd.result, 'fail')
  t.equal(d.auditd.session, undefined, 'unset session omitted')
  // Auditbeat's setECSEntity: user = the audit user (unset: no id), user.effective = acct
  t.same(d.user, { effective: { name: '(invalid user)' } })
  t.same(d.source, { ip: '179.38.151.221' })
  t.same(d.network, { direction: 'ingress' })
  t.same(d.related, { user: ['(invalid user)'], ip: ['179.38.151.221'] })
  t.same(d.auditd.summary, { actor: { primary: 'unset', secondary: '(invalid user)' }, action: 'logged-in', object: { type: 'user-session', primary: 'sshd', secondary: '179.38.151.221' }, how: '/usr/sbin/sshd' })
})

t.test('LOGIN inside a write syscall is categorized as the login change', async (t) => {
  const { docs } = runBytes([
    'type=LOGIN msg=audit(1.000:5): pid=9 uid=0 old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=7 res=1',
    'type=SYSCALL msg=audit(1.000:5): arch=c000003e syscall=1 success=yes exit=4 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=9 auid=1000 uid=0 gid=0 euid=0 comm="sshd" exe="/usr/sbin/sshd" key=(null)',
    'type=PROCTITLE msg=audit(1.000:5): proctitle=73736864',
  ].join('\n'))
  t.equal(docs[0].auditd.syscall, 'write')
  t.equal(docs[0].event.action, 'changed-login-id-to')
})

t.test('execve: process fields, tags from multi-key, unknown syscall numbers', async (t) => {
  const { docs } = runBytes([
    'type=SYSCALL msg=audit(2.000:1): arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=1 ppid=10 pid=11 auid=1000 uid=1000 gid=100 euid=0 suid=0 fsuid=0 egid=100 sgid=100 fsgid=100 tty=pts0 ses=3 comm="sudo" exe="/usr/bin/sudo" key=6578656301707269760A',
    'type=EXECVE msg=audit(2.000:1): argc=2 a0="sudo" a1="id"',
    'type=PROCTITLE msg=audit(2.000:1): proctitle=7375646F006964',
    'type=SYSCALL msg=audit(2.000:2): arch=c000003e syscall=9999 success=yes exit=0 pid=11 uid=0',
    'type=SYSCALL msg=audit(2.000:3): arch=deadbeef syscall=1 success=yes exit=0 pid=11 uid=0',
  ].join('\n'))
  const [x, u, a] = docs
  t.match(x.process, { pid: 11, parent: { pid: 10 }, name: 'sudo', executable: '/usr/bin/sudo', title: 'sudo id', args: ['sudo', 'id'], args_count: 2 })
  t.same(x.user?.effective, { id: '0', group: { id: '100' } })
  t.same(x.user?.saved, { id: '0', group: { id: '100' } })
  t.same(x.user?.filesystem, { id: '0', group: { id: '100' } })
  t.same(x.tags, ['exec', 'priv\n'])
  t.equal(u.auditd.syscall, 'unknown-syscall(9999)')
  t.equal(a.auditd.arch, undefined)
  t.equal(a.auditd.syscall, 'unknown-syscall(1)')
})

// Key order is part of the output (convert and the sinks write JSON.stringify of the document).
// The expected lines were written by `auditship convert --original` before the builder was
// split into steps; every step must keep filling its part in the same order. Rewritten for the
// ECS mapping of issue #14 (user.saved/filesystem/selinux, the ECS user entities of user-space
// records, related.*, file.mode as permission bits, socket object ip + port): existing keys kept
// their order, the new ones were added.
t.test('documents are byte-identical to the single-function builder, key order included', async (t) => {
  const { docs } = runFixture('coalesce/key_order.log', { includeOriginal: true })
  const expected = readFileSync(join(fixtures, 'coalesce/key_order.expected.ndjson'), 'utf8').trimEnd().split('\n')
  t.equal(docs.length, expected.length)
  docs.forEach((d, i) => t.equal(JSON.stringify(d), expected[i], `event ${d.auditd.sequence}`))
})
