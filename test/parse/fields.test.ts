import t from 'tap'
import { parseFields } from '../../src/parse/fields.js'

const SYSCALL = 1300; const EXECVE = 1309; const PATH = 1302; const PROCTITLE = 1327; const AVC = 1400
const USER_LOGIN = 1112; const USER_END = 1106; const USER_ERR = 1109; const USER_ACCT = 1101; const LOGIN = 1006
const TTY = 1319; const ADD_GROUP = 1116; const USER_CMD = 1123

t.test('quoted, bare and hex values', async (t) => {
  const f = parseFields('arch=c000003e syscall=59 success=yes comm="whoami" exe=2F7573722F62696E2F6D7920746F6F6C key=(null)', SYSCALL, true)
  t.same(f.fields, { arch: 'c000003e', syscall: '59', success: 'yes', comm: 'whoami', exe: '/usr/bin/my tool', key: '(null)' })
  t.ok(f.hex?.has('exe'))
  t.notOk(f.hex?.has('arch'), 'arch is hex-looking but not an encoded string')
})

t.test('PROCTITLE: NUL-separated argv shown with spaces', async (t) => {
  const f = parseFields('proctitle=2F62696E2F7368002D63006563686F206869', PROCTITLE, true)
  t.equal(f.fields.proctitle, '/bin/sh -c echo hi')
  t.equal(parseFields('proctitle="(null)"', PROCTITLE, true).fields.proctitle, '(null)')
})

t.test('ENRICHED part after 0x1D is kept apart, SADDR braces with spaces', async (t) => {
  const f = parseFields('saddr=0200005009FEA9FE0000000000000000 \x1dSADDR={ saddr_fam=inet laddr=9.254.169.254 lport=80 } UID="root"', 1306, true)
  t.equal(f.fields.saddr, '0200005009FEA9FE0000000000000000')
  t.same(f.enriched, { SADDR: 'saddr_fam=inet laddr=9.254.169.254 lport=80', UID: 'root' })
})

t.test('user-space payload msg=\'…\' with enrichment after the closing quote', async (t) => {
  const f = parseFields("pid=1 uid=0 auid=1000 ses=2 msg='op=PAM:accounting grantors=pam_unix acct=\"user\" exe=\"/usr/bin/sudo\" hostname=? addr=? terminal=/dev/pts/1 res=success'\x1dUID=\"root\" AUID=\"user\"", USER_ACCT, true)
  t.same(f.fields, { pid: '1', uid: '0', auid: '1000', ses: '2', op: 'PAM:accounting', grantors: 'pam_unix', acct: 'user', exe: '/usr/bin/sudo', hostname: '?', addr: '?', terminal: '/dev/pts/1', res: 'success' })
  t.same(f.enriched, { UID: 'root', AUID: 'user' })
})

t.test('acct is hex only when unquoted', async (t) => {
  const hex = parseFields("pid=1 uid=0 msg='op=login acct=28696E76616C6964207573657229 exe=\"/usr/sbin/sshd\" hostname=? addr=1.2.3.4 terminal=sshd res=failed'", USER_LOGIN, true)
  t.equal(hex.fields.acct, '(invalid user)')
  const quoted = parseFields("pid=1 uid=0 msg='op=login acct=\"cafe\" exe=\"/usr/sbin/sshd\" res=failed'", USER_LOGIN, true)
  t.equal(quoted.fields.acct, 'cafe')
})

t.test('old= / new= are numbers in CONFIG_CHANGE and TIME_*, hex elsewhere', async (t) => {
  t.same(parseFields('audit_backlog_limit=64 old=8192 auid=4294967295 ses=4294967295 res=1', 1305, true).fields.old, '8192')
  const ntp = parseFields('op=freq old=61699380790580 new=61699325952000', 1333, true).fields
  t.same([ntp.old, ntp.new], ['61699380790580', '61699325952000'])
  t.same(parseFields('op=status old=64 new=8256', 1332, true).fields.new, '8256')
  t.same(parseFields('feature=loginuid_immutable old=0 new=1 old_lock=0 new_lock=0 res=1', 1328, true).fields.new, '1')
  // a record type that writes untrusted strings there keeps decoding them
  t.same(parseFields("pid=1 uid=0 msg='op=x old=6869 new=7468657265 res=success'", 1102, true).fields.new, 'there')
})

t.test('op values with spaces (shadow-utils)', async (t) => {
  const f = parseFields("pid=1 uid=0 auid=0 ses=1 msg='op=adding group to /etc/group id=1003 exe=\"/usr/sbin/groupadd\" hostname=h addr=? terminal=pts/0 res=success'", ADD_GROUP, true)
  t.equal(f.fields.op, 'adding group to /etc/group')
  t.equal(f.fields.id, '1003')
})

t.test('old RHEL forms: "user pid=", "old auid=", PAM parenthesised tail', async (t) => {
  const u = parseFields("user pid=4121 uid=0 auid=700 msg='PAM: session open acct=root : exe=\"/usr/sbin/crond\" (hostname=?, addr=?, terminal=cron res=success)'", 1105, true)
  t.equal(u.fields.pid, '4121')
  t.equal(u.fields.acct, 'root')
  t.equal(u.fields.hostname, '?')
  t.equal(u.fields.terminal, 'cron')
  t.equal(u.fields.res, 'success')
  t.match(u.text, /^user PAM: session open :$/)
  const l = parseFields('login pid=26125 uid=0 old auid=700 new auid=700 old ses=6793 new ses=12286', LOGIN, true)
  t.equal(l.fields['old-auid'], '700')
  t.equal(l.fields.auid, '700')
  t.equal(l.fields['old-ses'], '6793')
  t.equal(l.fields.ses, '12286')
})

t.test('SELinux AVC: result word and permission braces', async (t) => {
  const f = parseFields('avc:  denied  { read write } for  pid=2 comm="x" scontext=a tcontext=b tclass=file permissive=0', AVC, true)
  t.equal(f.fields.seresult, 'denied')
  t.equal(f.fields.seperms, 'read,write')
  t.equal(f.fields.comm, 'x')
  t.equal(f.fields.permissive, '0')
})

t.test('AppArmor quoted values with spaces', async (t) => {
  const f = parseFields('apparmor="STATUS" operation="profile_replace" info="same as current profile, skipping" profile="unconfined" name="/usr/bin/man" pid=1 comm="apparmor_parser"', AVC, true)
  t.equal(f.fields.info, 'same as current profile, skipping')
  t.equal(f.fields.name, '/usr/bin/man')
})

t.test('EXECVE: arguments hex or quoted; long-argument chunks kept as logged', async (t) => {
  const f = parseFields('argc=3 a0="ls" a1=2D6C2061 a2_len=4 a2[0]=4142', EXECVE, true)
  t.equal(f.fields.a0, 'ls')
  t.equal(f.fields.a1, '-l a')
  t.equal(f.fields.a2_len, '4')
  t.equal(f.fields['a2[0]'], '4142')
})

t.test('TTY data and USER_CMD cmd are decoded', async (t) => {
  t.equal(parseFields('data=6C730D', TTY, true).fields.data, 'ls\r')
  t.equal(parseFields("pid=1 msg='cwd=\"/root\" cmd=6C73202D6C terminal=pts/0 res=success'", USER_CMD, true).fields.cmd, 'ls -l')
})

t.test('non-UTF-8 bytes are percent-escaped, and only then % is escaped', async (t) => {
  const f = parseFields('name=2F746D702F66FF25 nametype=NORMAL', PATH, true)
  t.equal(f.fields.name, '/tmp/f%FF%25')
  t.same(f.escaped, ['name'])
  const ok = parseFields('name=2F746D702F25C3A9', PATH, true)
  t.equal(ok.fields.name, '/tmp/%é', 'valid UTF-8: literal % unchanged')
  t.equal(ok.escaped, undefined)
})

t.test('raw UTF-8 in unencoded values (latin1-read line) is re-decoded', async (t) => {
  const latin1 = Buffer.from("pid=5 uid=0 msg='op=login acct=\"root\" exe=\"/usr/local/bin/teleport\" hostname=? addr=1.2.3.4:5 terminal=teleport teleportUser=zoë res=success'", 'utf8').toString('latin1')
  const f = parseFields(latin1, USER_LOGIN, false)
  t.equal(f.fields.teleportUser, 'zoë')
})

t.test('Teleport payload: positional, never hex-decoded', async (t) => {
  const f = parseFields("pid=23456 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=\"cafe\" exe=\"/usr/local/bin/teleport\" hostname=? addr=203.0.113.7:51234 terminal=/dev/pts/3 teleportUser=Jane Doe (SSO)=admin res=success'", USER_LOGIN, true)
  t.equal(f.fields.teleportUser, 'Jane Doe (SSO)=admin')
  t.equal(f.fields.acct, 'cafe')
  t.equal(f.fields.addr, '203.0.113.7:51234')
  t.equal(f.fields.res, 'success')
  const hexy = parseFields("pid=1 uid=0 msg='op=session_close acct=\"root\" exe=\"teleport\" hostname=? addr=127.0.0.1 terminal=teleport teleportUser=cafe res=success'", USER_END, true)
  t.equal(hexy.fields.teleportUser, 'cafe', 'a hex-looking Teleport user stays as written')
  const old = parseFields("pid=1 uid=0 msg='op=invalid_user acct=\"root\" exe=/usr/local/bin/teleport hostname=? addr=1.2.3.4:22 terminal=teleport teleportUser=bob res=failed'", USER_ERR, true)
  t.equal(old.fields.exe, '/usr/local/bin/teleport')
  t.equal(old.fields.teleportUser, 'bob')
  t.equal(old.fields.res, 'failed')
})

t.test('a __proto__ key is stored as data, not as a prototype', async (t) => {
  const f = parseFields('__proto__=x a=1', SYSCALL, true)
  t.equal(Object.getPrototypeOf(f.fields), Object.prototype)
  t.equal(f.fields.a, '1')
  t.equal(f.fields.__proto___2, 'x')
})

t.test('duplicate keys are all kept', async (t) => {
  t.same(parseFields('a=1 a=2', SYSCALL, true).fields, { a: '1', a_2: '2' })
})

t.test('payloads nested thousands deep are tokenised without recursion (no stack overflow)', async (t) => {
  // each level: k='a=1 k='… ; the kernel never writes this, any local user can (auditctl -m, PAM)
  const depth = 20000
  const body = 'pid=1 uid=1000 msg=' + "'a=1 k=".repeat(depth) + "'x=2" + "'".repeat(depth)
  const f = parseFields(body, 1100, true)
  t.equal(f.fields.pid, '1')
  t.equal(f.fields.a, '1')
  t.equal(f.fields[`a_${depth}`], '1', 'every level is read')
  t.equal(f.fields.x, '2', 'the innermost value is read')
})

t.test('fields after a payload keep their order and decoding', async (t) => {
  const f = parseFields("pid=1 msg='op=x acct=\"root\"' comm=6C73 res=1", 1100, true)
  t.same(Object.keys(f.fields), ['pid', 'op', 'acct', 'comm', 'res'])
  t.equal(f.fields.comm, 'ls', 'hex decoding goes on after the payload')
})

t.test('one key repeated 100,000 times is named in linear time', { timeout: 30000 }, async (t) => {
  // quadratic naming took 9 s of CPU for 16,000 repeats (≈ 6 min for 100,000)
  const n = 100000
  const f = parseFields('a=1 '.repeat(n).trimEnd(), SYSCALL, true)
  const keys = Object.keys(f.fields)
  t.equal(keys.length, n)
  t.equal(keys[0], 'a')
  t.equal(keys[n - 1], `a_${n}`)
  t.same(parseFields('a=1 a_2=x a=2 a=3', SYSCALL, true).fields, { a: '1', a_2: 'x', a_3: '2', a_4: '3' }, 'a logged a_2 is not overwritten')
})

// The tokenizer reuses one key cache (a key read again is not allocated again), one pair of
// key/value arrays and a trie of record shapes across records: none of it may leak from one
// record into the next.
t.test('random records match a plain reading: no key, value or shape carried over', async (t) => {
  let seed = 7
  const rnd = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n }
  const alphabet = 'abcdefghijklmnopqrstuvwxyz_0123456789'
  // a few thousand distinct keys, of 1 to 40 characters: many share a cache slot, some are
  // longer than what the cache holds
  const keys = Array.from({ length: 3000 }, (_, i) => {
    let k = 'k'
    for (let j = rnd(40); j > 0; j--) k += alphabet[rnd(alphabet.length)]
    return k + String(i)
  })
  const pool = keys.slice(0, 40) // and a few that recur often, in changing orders
  for (let r = 0; r < 3000; r++) {
    const n = r % 500 === 0 ? 300 + rnd(50) : rnd(12) // now and then a record past the arrays' reuse bound
    const want: Record<string, string> = {}
    const parts: string[] = []
    for (let i = 0; i < n; i++) {
      const k = rnd(2) === 0 ? pool[rnd(pool.length)] : keys[rnd(keys.length)]
      if (k in want) continue
      const v = `v${r}_${i}`
      want[k] = v
      parts.push(`${k}=${v}`)
    }
    const f = parseFields(parts.join(' '), SYSCALL, true)
    if (JSON.stringify(f.fields) !== JSON.stringify(want)) {
      t.same(f.fields, want, `record ${r}: ${parts.join(' ')}`)
      return
    }
    t.equal(f.enriched, undefined)
  }
  t.pass('3,000 records read as written, in their own key order')
})

t.test('a short record after a long one has only its own fields', async (t) => {
  const long = Array.from({ length: 400 }, (_, i) => `x${i}=${i}`).join(' ')
  t.equal(Object.keys(parseFields(long, SYSCALL, true).fields).length, 400)
  t.same(parseFields('a=1 b=2', SYSCALL, true).fields, { a: '1', b: '2' })
  t.same(parseFields('x0=0 x1=1 x2=2 x3=3 x4=4 x5=5 \x1dA=1 B=2 C=3', SYSCALL, true).enriched, { A: '1', B: '2', C: '3' })
  const f = parseFields('x0=z \x1dA=9', SYSCALL, true)
  t.same(f.fields, { x0: 'z' })
  t.same(f.enriched, { A: '9' }, 'enriched fields of an earlier record are not carried over')
  t.same(parseFields('(a=1 b=2', SYSCALL, true).fields, { a: '1', b: '2' }, 'a key after "(" is the key without it')
})
