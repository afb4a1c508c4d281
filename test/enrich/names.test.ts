import t from 'tap'
import { utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { IdNames, parseIdFile } from '../../src/enrich/names.js'
import { runBytes, runFixture } from '../helpers/pipeline.js'

t.test('passwd/group parsing: first name wins, junk skipped', async (t) => {
  const m = parseIdFile('root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\nalice:x:1000:1000::/home/alice:/bin/sh\ntoor:x:0:0::/:/bin/sh\n')
  t.same([...m], [['0', 'root'], ['1000', 'alice']])
})

t.test('RAW log: names only when enabled, from the files given; ENRICHED names win', async (t) => {
  const dir = t.testdir()
  const passwd = join(dir, 'passwd'); const group = join(dir, 'group')
  writeFileSync(passwd, 'root:x:0:0::/root:/bin/sh\nu1000:x:1000:1000::/h:/bin/sh\n')
  writeFileSync(group, 'root:x:0:\nwheel:x:1000:\n')
  const off = runFixture('correlate/interleaved.log').docs
  t.equal(off[0].user?.name, undefined, 'off by default: output does not depend on the host')
  const on = runFixture('correlate/interleaved.log', { names: { passwd, group } }).docs
  t.equal(on[0].user?.name, 'u1000')
  t.equal(on[0].user?.audit?.name, 'u1000')
  t.equal(on[0].user?.group?.name, 'wheel')
  t.equal(on[0].file?.owner, 'root')
  const mixed = runFixture('correlate/enriched_and_raw_mixed.log', { names: { passwd, group } }).docs
  t.equal(mixed[3].user?.audit?.name, 'alice', 'the name auditd resolved on the node is kept')
  t.equal(mixed[1].user?.audit?.name, 'u1000', 'the RAW event gets the file name')
})

t.test('saved, filesystem, effective and target ids get names too, and related.user follows', async (t) => {
  const dir = t.testdir({ passwd: 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/h:/bin/sh\n', group: 'root:x:0:\nstaff:x:50:\n' })
  const names = { passwd: join(dir, 'passwd'), group: join(dir, 'group') }
  const sys = runBytes('type=SYSCALL msg=audit(1.000:1): arch=c000003e syscall=2 success=yes exit=3 items=0 ppid=1 pid=2 auid=1000 uid=1000 gid=50 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 ses=1 comm="x" exe="/x" key=(null)\n', { names }).docs[0]
  t.same(sys.user?.effective, { id: '0', name: 'root', group: { id: '0', name: 'root' } })
  t.same(sys.user?.saved, { id: '0', name: 'root', group: { id: '0', name: 'root' } })
  t.same(sys.user?.filesystem, { id: '0', name: 'root', group: { id: '0', name: 'root' } })
  t.same(sys.related?.user, ['alice', 'root'])
  const grp = runBytes("type=ADD_GROUP msg=audit(1.000:2): pid=12 uid=0 auid=1000 ses=1 msg='op=add-group id=50 exe=\"/usr/sbin/groupadd\" hostname=? addr=? terminal=? res=success'\n", { names }).docs[0]
  t.same(grp.group, { id: '50', name: 'staff' })
  t.same(grp.related?.user, ['alice', 'root'])
})

t.test('missing files: no names, no crash', async (t) => {
  const d = runFixture('correlate/interleaved.log', { names: { passwd: '/nonexistent/p', group: '/nonexistent/g' } }).docs
  t.equal(d[0].user?.name, undefined)
})

t.test('changed files are read again, looked at no more often than the recheck interval (fake clock)', async (t) => {
  t.clock.enter()
  const dir = t.testdir({ passwd: 'alice:x:1000:1000::/h:/bin/sh\n', group: 'staff:x:50:\n' })
  const n = new IdNames({ passwd: join(dir, 'passwd'), group: join(dir, 'group') }, 30_000)
  t.equal(n.user('1000'), 'alice')
  writeFileSync(join(dir, 'passwd'), 'bob:x:1000:1000::/h:/bin/sh\n')
  utimesSync(join(dir, 'passwd'), 1_000_000_000, 1_000_000_000) // a different mtime, whatever the file system's resolution
  t.clock.advance(29_999)
  t.equal(n.user('1000'), 'alice', 'not looked at again within the interval')
  t.clock.advance(1)
  t.equal(n.user('1000'), 'bob', 'read again once the interval has passed and the file changed')
  t.equal(n.group('50'), 'staff', 'the unchanged file is kept')
})
