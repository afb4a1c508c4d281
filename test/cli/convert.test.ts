import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cli, events } from '../helpers/cli.js'
import { fixtures, repoRoot } from '../helpers/pipeline.js'

const interleaved = join(fixtures, 'correlate', 'interleaved.log')
const garbage = join(fixtures, 'correlate', 'garbage_lines.log')

t.test('files in order, NDJSON on stdout, summary on stderr', async (t) => {
  const r = cli(['convert', interleaved, join(fixtures, 'correlate', 'split_execve.log')])
  t.equal(r.code, 0)
  const evs = events(r.stdout)
  t.same(evs.map((e) => e.auditd.sequence), [501, 500, 700])
  t.match(r.stderr, /records=15 events=3 parse_errors=0 incomplete=0 invalid=0 bytes=\d+/)
})

t.test('stdin, explicit "-" and no argument', async (t) => {
  const input = readFileSync(interleaved)
  for (const args of [['convert'], ['convert', '-']]) {
    const r = cli(args, input)
    t.equal(r.code, 0)
    t.equal(events(r.stdout).length, 2, args.join(' '))
  }
})

t.test('bad lines: exit 0, counted, written with reasons to --errors', async (t) => {
  const dir = t.testdir()
  const errFile = join(dir, 'errors.ndjson')
  const r = cli(['convert', '--errors', errFile, garbage])
  t.equal(r.code, 0)
  t.match(r.stderr, /parse_errors=6/)
  const errs = readFileSync(errFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  t.equal(errs.length, 6)
  t.same(errs[0], { source: garbage, offset: 0, code: 'AS_PARSE_NO_TYPE', reason: 'line does not start with "type=" (or "node=… type=")', line: 'garbage without a header' })
  t.ok(errs.every((e) => typeof e.offset === 'number' && typeof e.reason === 'string'))
  const bin = errs.find((e) => e.code === 'AS_PARSE_NUL_BYTE')
  t.equal(bin.line, '%FF%FE binary \u0000 junk', 'non-UTF-8 bytes of a bad line are escaped')
})

t.test('an unreadable input: clear message, non-zero, no output', async (t) => {
  const r = cli(['convert', interleaved, '/nonexistent/audit.log'])
  t.equal(r.code, 66)
  t.equal(r.stdout, '')
  t.equal(r.stderr, 'auditship convert: cannot read /nonexistent/audit.log: no such file (ENOENT)\n', 'the code once, after the reason in words')
})

t.test('an --errors file that cannot be written: exit 74, the code once', async (t) => {
  const r = cli(['convert', '--errors', '/nonexistent/dir/errors.ndjson', interleaved])
  t.equal(r.code, 74)
  t.equal(r.stderr, 'auditship convert: cannot write /nonexistent/dir/errors.ndjson: no such file (ENOENT)\n')
})

t.test('a directory given as input: exit 66 (no input), not 74', async (t) => {
  const dir = t.testdir({ logs: {} })
  const r = cli(['convert', interleaved, join(dir, 'logs')])
  t.equal(r.code, 66)
  t.equal(r.stdout, '')
  t.equal(r.stderr, `auditship convert: cannot read ${join(dir, 'logs')}: is a directory (EISDIR): give the log files in it\n`)
})

t.test('input that is not an audit log: said on stderr, exit 65; an empty input is fine', async (t) => {
  const r = cli(['convert'], 'hello\nworld\n')
  t.equal(r.code, 65)
  t.equal(r.stdout, '')
  t.match(r.stderr, /records=0 events=0 parse_errors=2 /)
  t.match(r.stderr, /\nauditship convert: not an audit log: none of the 2 lines read is an audit record \(the first: stdin, offset 0: line does not start with "type="/)
  const s = cli(['search', '--teleport-user', 'x', '-'], '----\ntime->Mon Jan 1 00:00:00 2024\n')
  t.equal(s.code, 65, 'search too (before "no matches")')
  const empty = cli(['convert'], '')
  t.equal(empty.code, 0)
  t.equal(empty.stdout, '')
  t.equal(cli(['convert', garbage]).code, 0, 'some bad lines among records: exit 0 as before')
})

t.test('kernel audit lines as syslog, journald and dmesg show them are read', async (t) => {
  const r = cli(['convert', '--errors', join(t.testdir(), 'errors.ndjson'), join(fixtures, 'parse', 'syslog_kernel_lines.log')])
  t.equal(r.code, 0, r.stderr)
  const evs = events(r.stdout)
  // (a kernel AVC has no end-of-event record: it is emitted when its time is up)
  t.same(evs.map((e) => [e.auditd.sequence, e.auditd.records[0].type]).sort((a, b) => a[0] - b[0]), [[45, 'AVC'], [46, 'AVC'], [47, 'SECCOMP'], [48, 'AVC'], [49, 'USER_LOGIN']])
  const denied = evs.find((e) => e.auditd.sequence === 45)
  t.equal(denied.auditd.records[0].fields.apparmor, 'DENIED')
  t.equal(denied['@timestamp'], '2023-11-14T22:13:20.123Z')
  t.match(r.stderr, /records=5 events=5 parse_errors=1 /, 'the kernel line without a record is a parse error')
})

t.test('usage errors exit 64 with a message', async (t) => {
  const a = cli(['convert', '--max-in-flight', 'lots', interleaved])
  t.equal(a.code, 64)
  t.match(a.stderr, /--max-in-flight needs a positive integer, got "lots"/)
  const b = cli(['convert', '--bogus'])
  t.equal(b.code, 64)
  t.equal(b.stderr, "auditship convert: unknown option --bogus; 'auditship help convert' lists its options\n")
  const c = cli(['frobnicate'])
  t.equal(c.code, 64)
  t.match(c.stderr, /unknown command "frobnicate"/)
})

t.test('--validate exits 0 when every event is valid; --original keeps raw records', async (t) => {
  const r = cli(['convert', '--validate', '--original', interleaved])
  t.equal(r.code, 0)
  const ev = events(r.stdout)[1]
  t.match(ev.event.original[0], /^type=SYSCALL msg=audit\(1700000000\.100:500\): arch=c000003e/)
})

t.test('the in-flight bound and event timeout are options', async (t) => {
  const r = cli(['convert', '--max-in-flight', '1', interleaved])
  t.equal(r.code, 0)
  const evs = events(r.stdout)
  t.ok(evs.some((e) => e.auditd.complete === false && e.auditd.closed_by === 'evicted'))
  t.equal(evs.reduce((n: number, e: any) => n + e.auditd.records.length, 0), 9, 'every record still comes out')
})

t.test('the example: every event of the two Teleport sessions is attributed', async (t) => {
  const r = cli(['convert', join(repoRoot, 'examples', 'teleport-sessions.log')])
  t.equal(r.code, 0)
  const evs = events(r.stdout)
  const users = evs.map((e) => e.teleport?.user).filter(Boolean)
  t.equal(users.filter((u: string) => u === 'alice@example.com').length, 13)
  t.equal(users.filter((u: string) => u === 'bob@example.com').length, 5)
  t.equal(users.filter((u: string) => u === 'mallory@example.com').length, 1)
  t.notOk(evs.some((e) => e.process?.args?.[0] === 'journalctl' && e.teleport !== undefined), "the OpenSSH admin's commands are not attributed")
})

t.test('help and version', async (t) => {
  t.match(cli(['--help']).stdout, /convert/)
  t.match(cli(['convert', '--help']).stdout, /--errors FILE/)
  t.match(cli(['--version']).stdout, /^auditship \d+\.\d+\.\d+/)
  t.match(cli(['--help']).stdout, /^ {2}-v, --version +print the version$/m, '--version is listed')
  writeFileSync(join(t.testdir(), 'x'), '')
})

t.test('on a terminal, a progress line for inputs over a few MB', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' })
  if (probe.status !== 0) { t.plan(0, 'util-linux `script` (a pseudo-terminal) is not available'); return }
  const dir = t.testdir()
  const big = join(dir, 'big.log')
  const one = readFileSync(interleaved)
  writeFileSync(big, Buffer.concat(Array.from({ length: Math.ceil((9 << 20) / one.length) }, () => one)))
  // stdout to a file, stderr on the pseudo-terminal that `script` provides
  const cmd = `${process.execPath} ${join(repoRoot, 'dist', 'cli', 'main.js')} convert ${big} > ${join(dir, 'out.ndjson')}`
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })
  t.equal(r.status, 0)
  t.match(r.stdout, /\rauditship convert: \d+% \d+ MB, \d+ records/, 'progress shown')
  const quiet = cli(['convert', big])
  t.notMatch(quiet.stderr, /%/, 'no progress line when stderr is not a terminal')
})

t.test('--identity adds host, agent, ecs, data set and service; without it the output is the records\' alone', async (t) => {
  const plain = events(cli(['convert', interleaved]).stdout)
  t.equal(plain[0].host, undefined, 'off by default (the oracle and golden comparisons see the records only)')
  t.equal(plain[0].agent, undefined)
  const r = cli(['convert', '--identity', interleaved], undefined, { AUDITSHIP_HOST_NAME: 'node-7' })
  t.equal(r.code, 0, r.stderr)
  const evs = events(r.stdout)
  t.equal(evs.length, plain.length)
  t.match(evs[0], { host: { name: 'node-7', hostname: 'node-7' }, agent: { type: 'auditship', name: 'node-7' }, ecs: { version: String }, event: { dataset: 'auditship' }, data_stream: { type: 'logs', dataset: 'auditship', namespace: 'default' }, service: { type: 'auditd' } })
  t.equal(evs[0].agent.id, undefined, 'no state dir: no agent id')
  t.equal(evs[0].log, undefined, 'no log position outside run')
})
