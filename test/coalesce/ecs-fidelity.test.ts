/**
 * The ECS mapping of issue #14 (after go-libaudit's aucoalesce and Auditbeat), record type by
 * record type. The whole-document comparison with the go-libaudit goldens is
 * test/oracle/aucoalesce.test.ts; these pin each rule on a small event of its own.
 */
import t from 'tap'
import { runBytes } from '../helpers/pipeline.js'
import { splitContext } from '../../src/coalesce/selinux.js'
import { permissionBits } from '../../src/coalesce/file.js'
import { fillRelated } from '../../src/coalesce/related.js'
import type { AuditshipEvent } from '../../src/event/types.js'

function one (lines: string[]): AuditshipEvent {
  const { docs } = runBytes(lines.join('\n') + '\n')
  if (docs.length !== 1) throw new Error(`expected one event, got ${docs.length}`)
  return docs[0]
}

t.test('SELinux / AppArmor contexts', async (t) => {
  t.same(splitContext('system_u:system_r:sshd_t:s0-s0:c0.c1023'), { user: 'system_u', role: 'system_r', domain: 'sshd_t', level: 's0-s0', category: 'c0.c1023' })
  t.same(splitContext('system_u:object_r:user_tmp_t:s0'), { user: 'system_u', role: 'object_r', domain: 'user_tmp_t', level: 's0' })
  t.same(splitContext('unconfined'), { user: 'unconfined' })
  t.equal(splitContext('?'), undefined)
  t.equal(splitContext(undefined), undefined)
})

t.test('file.mode: permission bits in octal', async (t) => {
  t.equal(permissionBits('0100644'), '0644')
  t.equal(permissionBits('0106755'), '6755')
  t.equal(permissionBits('040700'), '0700')
  t.equal(permissionBits('0x1ff'), undefined)
  t.equal(permissionBits('9'), undefined)
})

t.test('a syscall: saved, filesystem, effective with its group, selinux; file selinux', async (t) => {
  const d = one([
    'type=SYSCALL msg=audit(10.000:1): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=1000 uid=1000 gid=100 euid=0 suid=0 fsuid=0 egid=10 sgid=10 fsgid=10 tty=pts0 ses=1 comm="cat" exe="/bin/cat" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key=(null)',
    'type=PATH msg=audit(10.000:1): item=0 name="/etc/shadow" inode=5 dev=08:01 mode=0100640 ouid=0 ogid=42 rdev=00:00 obj=system_u:object_r:shadow_t:s0 nametype=NORMAL',
    'type=EOE msg=audit(10.000:1):',
  ])
  t.same(d.user, {
    id: '1000',
    audit: { id: '1000' },
    effective: { id: '0', group: { id: '10' } },
    group: { id: '100' },
    saved: { id: '0', group: { id: '10' } },
    filesystem: { id: '0', group: { id: '10' } },
    selinux: { user: 'unconfined_u', role: 'unconfined_r', domain: 'unconfined_t', level: 's0-s0', category: 'c0.c1023' },
  })
  t.match(d.file, { path: '/etc/shadow', mode: '0640', selinux: { user: 'system_u', role: 'object_r', domain: 'shadow_t', level: 's0' } })
  t.same(d.auditd.summary?.actor, { primary: '1000', secondary: '1000' })
})

t.test('login records: user = the audit user, user.effective = the account', async (t) => {
  const ok = one(["type=USER_LOGIN msg=audit(11.000:2): pid=5 uid=0 auid=1001 ses=3 msg='op=login id=1001 exe=\"/usr/sbin/sshd\" hostname=10.0.0.9 addr=10.0.0.9 terminal=/dev/pts/0 res=success'"])
  t.same(ok.user, { id: '1001', audit: { id: '1001' } }, 'user.effective equal to user is left out')
  t.same(ok.network, { direction: 'ingress' })
  t.same(ok.auditd.summary?.actor, { primary: '1001', secondary: '1001' })

  const su = one(["type=USER_AUTH msg=audit(11.000:3): pid=6 uid=0 auid=1001 ses=3 msg='op=PAM:authentication acct=\"root\" exe=\"/bin/su\" hostname=? addr=? terminal=pts/0 res=success'"])
  t.same(su.user, { id: '1001', audit: { id: '1001' }, effective: { name: 'root' } })
  t.same(su.related, { user: ['root'] })

  const err = one(["type=USER_ERR msg=audit(11.000:4): pid=7 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:bad_ident grantors=? acct=\"?\" exe=\"/usr/sbin/sshd\" hostname=185.56.82.22 addr=? terminal=ssh res=failed'"])
  t.same(err.user, { effective: { id: '0' } }, 'no acct, no id=: the uid; an unset auid leaves user.id out')
  t.same(err.source, { ip: '185.56.82.22' }, 'hostname= holding an IP is the source IP')
  t.same(err.auditd.summary?.actor, { primary: 'unset', secondary: '0' })
})

t.test('LOGIN: actor = the old auid, object = the new auid', async (t) => {
  const d = one(['type=LOGIN msg=audit(12.000:5): pid=9 uid=0 subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=1 res=1'])
  t.same(d.user, { audit: { id: '1000' }, effective: { id: '1000' }, selinux: { user: 'system_u', role: 'system_r', domain: 'sshd_t', level: 's0-s0', category: 'c0.c1023' } })
  t.same(d.auditd.summary, { actor: { primary: 'unset', secondary: '0' }, action: 'changed-login-id-to', object: { type: 'user-session', primary: '1000' } })

  const inWrite = one([
    'type=LOGIN msg=audit(12.000:6): pid=9 uid=0 old-auid=1000 auid=1001 tty=(none) old-ses=1 ses=2 res=1',
    'type=SYSCALL msg=audit(12.000:6): arch=c000003e syscall=1 success=yes exit=4 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=9 auid=1001 uid=0 gid=0 euid=0 comm="sshd" exe="/usr/sbin/sshd" key=(null)',
    'type=PROCTITLE msg=audit(12.000:6): proctitle=73736864',
  ])
  t.equal(inWrite.auditd.message_type, 'login', 'the LOGIN record describes the write syscall')
  t.same(inWrite.user?.effective, { id: '1001' })
  t.equal(inWrite.user?.id, '1000', 'user = the old auid')
  t.same(inWrite.auditd.summary?.actor, { primary: '1000', secondary: '0' })
})

t.test('account and group records: user.target, user.changes, group', async (t) => {
  const pw = one(["type=USER_CHAUTHTOK msg=audit(13.000:7): pid=10 uid=1002 auid=1001 ses=2 msg='op=PAM:chauthtok acct=\"akroh\" exe=\"/usr/bin/passwd\" hostname=? addr=? terminal=pts/0 res=failed'"])
  t.same(pw.user, { id: '1001', audit: { id: '1001' }, effective: { id: '1002' }, target: { name: 'akroh' } })
  t.match(pw.auditd.summary, { actor: { primary: '1001', secondary: 'akroh' }, object: { type: 'user-session', primary: 'pts/0' } })

  const mv = one(["type=USER_MGMT msg=audit(13.000:8): pid=11 uid=0 auid=1000 ses=1 msg='op=changing-name acct=\"frodo\" new_user=\"bilbo\" exe=\"/usr/sbin/usermod\" hostname=? addr=? terminal=pts/0 res=success'"])
  t.same(mv.user?.target, { name: 'frodo' })
  t.same(mv.user?.changes, { name: 'bilbo' })
  t.same(mv.related, { user: ['frodo', 'bilbo'] })

  const grp = one(["type=ADD_GROUP msg=audit(13.000:9): pid=12 uid=0 auid=4294967295 ses=4294967295 msg='op=add-group id=1000 exe=\"/usr/sbin/groupadd\" hostname=? addr=? terminal=? res=success'"])
  t.same(grp.group, { id: '1000' })
  const grp2 = one(["type=ADD_GROUP msg=audit(13.000:10): pid=12 uid=0 auid=1000 ses=1 msg='op=add-group acct=\"frodo\" exe=\"/usr/sbin/useradd\" hostname=? addr=? terminal=pts/0 res=success'"])
  t.same(grp2.group, { name: 'frodo' })
  t.same(grp2.user, { id: '1000', audit: { id: '1000' }, effective: { id: '0' } })
})

t.test('AVC: AppArmor action, the syscall\'s category, message_type avc, policy object', async (t) => {
  const d = one([
    'type=AVC msg=audit(14.000:11): apparmor="DENIED" operation="ptrace" profile="docker-default" pid=5571 comm="metricbeat" requested_mask="trace" denied_mask="trace" peer="unconfined"',
    'type=SYSCALL msg=audit(14.000:11): arch=c000003e syscall=87 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 items=0 ppid=1 pid=5571 auid=4294967295 uid=0 gid=0 euid=0 comm="rm" exe="/bin/rm" key=(null)',
    'type=EOE msg=audit(14.000:11):',
  ])
  t.equal(d.auditd.message_type, 'avc')
  t.match(d.event, { action: 'violated-apparmor-policy', category: ['file'], type: ['deletion'] })
  t.match(d.auditd.summary?.object, { type: 'policy', primary: 'ptrace', secondary: 'trace' })

  const alone = one(['type=AVC msg=audit(14.000:12): avc:  denied  { read } for  pid=1 comm="x" name="y" scontext=a:b:c:s0 tcontext=d:e:f:s0 tclass=file permissive=0'])
  t.match(alone.event, { action: 'violated-selinux-policy', category: ['intrusion_detection'], type: ['denied'] })
})

t.test('anomalies are alerts; a describing record adds process/info for an unlisted syscall', async (t) => {
  const abend = one(['type=ANOM_ABEND msg=audit(15.000:13): auid=4294967295 uid=48 gid=48 ses=4294967295 subj=system_u:system_r:httpd_t:s0 pid=31242 comm="httpd" reason="memory violation" sig=11'])
  t.match(abend.event, { kind: 'alert', category: ['process', 'intrusion_detection'], type: ['end', 'info'] })
  t.match(abend.auditd.summary?.object, { type: 'process', primary: 'httpd', secondary: '31242' })

  const nf = one([
    'type=NETFILTER_CFG msg=audit(15.000:14): table=filter family=2 entries=7',
    'type=SYSCALL msg=audit(15.000:14): arch=c000003e syscall=54 success=yes exit=0 a0=4 a1=0 a2=40 a3=1 items=0 ppid=1 pid=2 auid=4294967295 uid=0 gid=0 euid=0 comm="iptables" exe="/sbin/xtables-multi" key=(null)',
    'type=EOE msg=audit(15.000:14):',
  ])
  t.equal(nf.auditd.message_type, 'netfilter_cfg')
  t.match(nf.event, { kind: 'event', category: ['configuration', 'process'], type: ['change', 'info'] })
  t.equal(nf.auditd.summary?.object?.primary, 'filter')
})

t.test('summary objects: audit configuration, service, socket ip and port, interpreter', async (t) => {
  const cc = one(['type=CONFIG_CHANGE msg=audit(16.000:15): audit_backlog_limit=64 old=8192 auid=4294967295 ses=4294967295 res=1'])
  t.same(cc.auditd.summary, { actor: { primary: 'unset' }, action: 'changed-audit-configuration', object: { type: 'audit-config', primary: '64' } })
  t.equal(cc.auditd.records[0].fields.old, '8192', 'old= of CONFIG_CHANGE is a number, not hex')
  const key = one(['type=CONFIG_CHANGE msg=audit(16.000:16): auid=1001 ses=67 op="remove_rule" key="key=container-create" list=4 res=1'])
  t.same(key.tags, ['container-create'], 'an old kernel\'s key="key=NAME"')

  const svc = one(["type=SERVICE_START msg=audit(16.000:17): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='unit=rsyslog comm=\"systemd\" exe=\"/lib/systemd/systemd\" hostname=? addr=? terminal=? res=success'"])
  t.equal(svc.auditd.summary?.object?.primary, 'rsyslog')

  const conn = one([
    'type=SYSCALL msg=audit(16.000:18): arch=c000003e syscall=42 success=no exit=-115 a0=5 a1=6 a2=10 a3=0 items=0 ppid=1 pid=1648 auid=4294967295 uid=0 gid=0 euid=0 comm="google_ip_forwa" exe="/usr/bin/python3.5" key=(null)',
    'type=SOCKADDR msg=audit(16.000:18): saddr=02000050A9FEA9FE0000000000000000',
    'type=EOE msg=audit(16.000:18):',
  ])
  t.same(conn.destination, { ip: '169.254.169.254', port: 80 })
  t.match(conn.auditd.summary, { object: { type: 'socket', primary: '169.254.169.254', secondary: '80' }, how: 'google_ip_forwa' })
  t.same(conn.related, { ip: ['169.254.169.254'] })
})

t.test('related: names, IPs and host names once each', async (t) => {
  const doc = {
    '@timestamp': '1970-01-01T00:00:00.000Z',
    event: { kind: 'event', module: 'auditd' },
    auditd: { sequence: 1, complete: true, message_type: 'x', records: [] },
    user: { name: 'alice', audit: { name: 'alice' }, effective: { name: 'root' } },
    source: { ip: '10.0.0.1', domain: 'a.example' },
    destination: { ip: '10.0.0.1', domain: 'b.example' },
  } as AuditshipEvent
  fillRelated(doc)
  t.same(doc.related, { user: ['alice', 'root'], ip: ['10.0.0.1'], hosts: ['a.example', 'b.example'] })
  delete doc.user; delete doc.source; delete doc.destination
  fillRelated(doc)
  t.equal(doc.related, undefined, 'left out when there is nothing')
})
