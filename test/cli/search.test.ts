import t from 'tap'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cli, events } from '../helpers/cli.js'
import { repoRoot } from '../helpers/pipeline.js'

const example = join(repoRoot, 'examples', 'teleport-sessions.log')

t.test('--teleport-user as NDJSON and as a text timeline', async (t) => {
  const j = cli(['search', '--teleport-user', 'bob@example.com', example])
  t.equal(j.code, 0)
  const evs = events(j.stdout)
  t.equal(evs.length, 5)
  t.ok(evs.every((e) => e.teleport.user === 'bob@example.com'))
  t.match(j.stderr, /matched=5/)
  const x = cli(['search', '--teleport-user', 'bob@example.com', '--format', 'text', example])
  const lines = x.stdout.trim().split('\n')
  t.match(lines[0], /^TIME \(UTC\)\s+TELEPORT USER\s+LOGIN\s+ACTION\s+OUTCOME\s+WHAT$/)
  t.equal(lines.length, 6)
  t.match(x.stdout, /bob@example\.com\s+deploy\s+executed\s+success\s+git -C \/srv\/app pull --ff-only/)
})

t.test('default input: the rotated set of --audit-log, oldest first', async (t) => {
  const dir = t.testdir()
  const lines = readFileSync(example, 'utf8').split('\n')
  // split the example in two: the older half is audit.log.1
  writeFileSync(join(dir, 'audit.log.1'), lines.slice(0, 50).join('\n') + '\n')
  writeFileSync(join(dir, 'audit.log'), lines.slice(50).join('\n'))
  const r = cli(['search', '--teleport-user', 'alice@example.com', '--audit-log', join(dir, 'audit.log')])
  t.equal(r.code, 0)
  const all = cli(['search', '--teleport-user', 'alice@example.com', example])
  t.same(events(r.stdout).map((e) => e.auditd.sequence), events(all.stdout).map((e) => e.auditd.sequence), 'same as the whole log')
  copyFileSync(example, join(dir, 'unused'))
})

t.test('bad criteria are refused with a message', async (t) => {
  t.match(cli(['search', '--start', 'soonish', example]).stderr, /--start: cannot read "soonish" as a time/)
  t.equal(cli(['search', '--session', 'abc', example]).code, 64)
  t.equal(cli(['search', '--format', 'xml', example]).code, 64)
  t.equal(cli(['search', '--start', '2024-01-02', '--end', '2024-01-01', example]).code, 64)
  const none = cli(['search', '--audit-log', '/nonexistent/audit.log'])
  t.equal(none.code, 66)
  t.match(none.stderr, /cannot read \/nonexistent\/audit\.log/)
})

t.test('--type and --uid (ausearch -m / -ua)', async (t) => {
  const r = cli(['search', '--type', 'USER_LOGIN,USER_ERR', example])
  const types = events(r.stdout).map((e) => e.auditd.records[0].type)
  t.ok(types.length >= 3)
  t.ok(types.every((x) => x === 'USER_LOGIN' || x === 'USER_ERR'))
  const u = cli(['search', '--uid', 'ops', example])
  t.ok(events(u.stdout).length > 0)
})

t.test('--teleport-user: case ignored, * as a wildcard', async (t) => {
  const seqs = (user: string): number[] => events(cli(['search', '--teleport-user', user, example]).stdout).map((e) => e.auditd.sequence)
  const bob = seqs('bob@example.com')
  t.equal(bob.length, 5)
  t.same(seqs('BOB@Example.COM'), bob)
  t.same(seqs('bob@*'), bob)
  t.same(seqs('*@EXAMPLE.com').length, 19, 'alice, bob and mallory')
  t.same(seqs('b*b@example.com'), bob)
  t.same(seqs('b.b@example.com'), [], 'other characters are literal')
})

t.test('--type: an unknown type is a usage error with did-you-mean; a number is its name', async (t) => {
  const r = cli(['search', '--type', 'USER_LOGIN,EXECV', example])
  t.equal(r.code, 64)
  t.equal(r.stdout, '')
  t.equal(r.stderr, 'auditship search: --type: unknown record type "EXECV" (did you mean EXECVE?); the names are those of ausearch -m: SYSCALL, EXECVE, USER_LOGIN, AVC …\n')
  const lower = cli(['search', '--type', 'user_login', example])
  const byNumber = cli(['search', '--type', '1112', example])
  t.ok(events(lower.stdout).length >= 3)
  t.same(events(byNumber.stdout), events(lower.stdout), '1112 is USER_LOGIN')
})

t.test('nothing matches: "no matches" on stderr, exit 1 (like ausearch), no table header', async (t) => {
  const r = cli(['search', '--teleport-user', 'nobody@example.com', '--format', 'text', example])
  t.equal(r.code, 1)
  t.equal(r.stdout, '')
  t.match(r.stderr, /matched=0 .*\nauditship search: no matches \(39 events read\)\n$/)
})

t.test('the table header is not printed before an input error', async (t) => {
  const r = cli(['search', '--format', 'text', '--teleport-user', 'bob@example.com', example, '/nonexistent/audit.log'])
  t.equal(r.code, 66)
  t.equal(r.stdout, '')
})
