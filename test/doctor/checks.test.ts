import t from 'tap'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeEs } from '../helpers/fake-es.js'
import { startFakeHec } from '../helpers/fake-hec.js'
import { checkAuditLog, checkAuditdConf, checkTeleportPam, checkTeleportProcesses, checkConfigFile, parseAuditctlStatus, runChecks } from '../../src/doctor/checks.js'
import { auditdState, checkAuditdRunning } from '../../src/doctor/auditd.js'
import { cli } from '../helpers/cli.js'

/** A fake /proc with one teleport process. */
function proc (dir: string, opts: { loginuid: string, uid: string, comm?: string }): string {
  const p = join(dir, 'proc', '1187')
  mkdirSync(p, { recursive: true })
  writeFileSync(join(p, 'comm'), (opts.comm ?? 'teleport') + '\n')
  writeFileSync(join(p, 'loginuid'), opts.loginuid)
  writeFileSync(join(p, 'status'), `Name:\tteleport\nUid:\t${opts.uid}\t${opts.uid}\t${opts.uid}\t${opts.uid}\n`)
  mkdirSync(join(dir, 'proc', 'self'), { recursive: true })
  return join(dir, 'proc')
}

/** A running auditd in a fake /proc. */
function withAuditd (proc: string, pid = '612'): string {
  mkdirSync(join(proc, pid), { recursive: true })
  writeFileSync(join(proc, pid, 'comm'), 'auditd\n')
  return proc
}

/** An executable that stands for the auditd binary. */
function fakeBinary (dir: string): string {
  const p = join(dir, 'auditd')
  writeFileSync(p, '#!/bin/sh\n')
  chmodSync(p, 0o755)
  return p
}

function healthy (dir: string): Parameters<typeof runChecks>[0] {
  writeFileSync(join(dir, 'audit.log'), '')
  writeFileSync(join(dir, 'auditd.conf'), '# auditd\nlog_format = ENRICHED\nend_of_event_timeout = 2\n')
  writeFileSync(join(dir, 'teleport.yaml'), 'ssh_service:\n  enabled: true\n  pam:\n    enabled: true\n    service_name: sshd\n')
  writeFileSync(join(dir, 'auditship.yaml'), `source: { path: ${dir}/audit.log }\nstate_dir: ${dir}/state\nsinks: [{ type: stdout }]\n`)
  return { auditLog: join(dir, 'audit.log'), auditdBin: [fakeBinary(dir)], auditdConf: join(dir, 'auditd.conf'), teleportYaml: join(dir, 'teleport.yaml'), proc: withAuditd(proc(dir, { loginuid: '4294967295', uid: '0' })), auditctl: undefined, config: join(dir, 'auditship.yaml') }
}

t.test('a healthy node: every check ok (auditctl skipped)', async (t) => {
  const r = await runChecks(healthy(t.testdir()))
  t.same(r.filter((x) => x.status !== 'ok').map((x) => x.name), ['auditd status'], 'only the skipped auditctl check is not ok')
  const empty = t.testdir({ proc: {} })
  const c = cli(['doctor', '--no-auditctl', '--audit-log', join(empty, 'x'), '--proc', join(empty, 'proc'), '--auditd-bin', join(empty, 'no-auditd'), '--auditd-conf', join(empty, 'auditd.conf')])
  t.equal(c.code, 1, 'the CLI exits 1 when a check fails')
  t.match(c.stdout, /^fail  audit log readable: .*ENOENT\)\n      fix: install and start auditd/m)
})

t.test('each failure it reports', async (t) => {
  const dir = t.testdir()
  t.match(await checkAuditLog(join(dir, 'missing.log')), { status: 'fail', fix: /install and start auditd/ })
  writeFileSync(join(dir, 'raw.conf'), 'log_format = RAW\nend_of_event_timeout = soon\n')
  t.match(await checkAuditdConf(join(dir, 'raw.conf')), [{ name: 'log_format', status: 'warn', fix: /ENRICHED/ }, { name: 'end_of_event_timeout', status: 'warn' }])
  t.match(await checkTeleportProcesses(proc(join(dir, 'a'), { loginuid: '1000', uid: '0' })), [{ status: 'fail', detail: /loginuid is 1000/, fix: /systemd/ }])
  t.match(await checkTeleportProcesses(proc(join(dir, 'b'), { loginuid: '4294967295', uid: '1000' })), [{ status: 'ok' }, { status: 'fail', detail: /uid 1000/ }])
  t.match(await checkTeleportProcesses(proc(join(dir, 'c'), { loginuid: '4294967295', uid: '0', comm: 'sshd' })), [{ status: 'warn', detail: /no running teleport/ }])
  writeFileSync(join(dir, 'nopam.yaml'), 'ssh_service:\n  enabled: true\n')
  t.match(await checkTeleportPam(join(dir, 'nopam.yaml')), { status: 'warn', detail: /process tree only/ })
  writeFileSync(join(dir, 'bad.yaml'), 'sinks: []\n')
  t.match(await checkConfigFile(join(dir, 'bad.yaml')), [{ status: 'fail', detail: /sinks/ }])
  writeFileSync(join(dir, 'nosecret.yaml'), 'sinks: [{ type: splunk_hec, endpoints: ["https://hec:8088"], token_file: /no/such/token }]\n')
  t.match(await checkConfigFile(join(dir, 'nosecret.yaml')), [{ status: 'fail', detail: /sinks\[0\]\.token_file: cannot read \/no\/such\/token/ }])
})

t.test('each network sink answers its health call', async (t) => {
  const es = await startFakeEs()
  t.teardown(async () => await es.close())
  const hec = await startFakeHec({ tokens: [{ token: 'x' }], health: 18 })
  t.teardown(async () => await hec.close())
  const dir = t.testdir({ token: 'x\n' })
  writeFileSync(join(dir, 'ok.yaml'), `sinks:
  - { type: elasticsearch, name: es, endpoints: ["${es.url}"] }
  - { type: splunk_hec, name: hec, endpoints: ["${hec.url}"], token_file: ${join(dir, 'token')} }
  - { type: file, path: ${join(dir, 'out.ndjson')} }
`)
  const r = await checkConfigFile(join(dir, 'ok.yaml'))
  t.match(r, [
    { name: 'auditship config', status: 'ok' },
    { name: 'sink es', status: 'ok', detail: /Elasticsearch 8/ },
    { name: 'sink hec', status: 'fail', detail: /503.*queues are full/, fix: /endpoint/ },
  ])
  t.equal(r.length, 3, 'a file sink has no health call')
})

t.test('auditctl -s parsing', async (t) => {
  const s = parseAuditctlStatus('enabled 1\nfailure 1\npid 612\nrate_limit 0\nbacklog_limit 8192\nlost 7\nbacklog 0\n')
  t.equal(s.get('enabled'), '1')
  t.equal(s.get('lost'), '7')
  t.equal(s.get('backlog_limit'), '8192')
  const dir = t.testdir()
  const fake = join(dir, 'auditctl')
  writeFileSync(fake, '#!/bin/sh\nprintf "enabled 1\\nlost 7\\nbacklog 3\\nbacklog_limit 8192\\n"\n')
  chmodSync(fake, 0o755)
  const { checkAuditctl } = await import('../../src/doctor/checks.js')
  t.match(checkAuditctl(fake), { status: 'warn', detail: /lost 7 records/ })
})

t.test('the advice follows what is found: not installed, installed but stopped, running, the log elsewhere', async (t) => {
  const dir = t.testdir({ empty: {}, bin: {} })
  const none = await auditdState(join(dir, 'empty'), [join(dir, 'no', 'auditd')])
  const stopped = await auditdState(join(dir, 'empty'), [join(dir, 'no', 'auditd'), fakeBinary(join(dir, 'bin'))])
  const running = await auditdState(withAuditd(join(dir, 'proc')), [fakeBinary(join(dir, 'bin'))])
  t.same(none, { binary: undefined, pid: undefined })
  t.same(stopped, { binary: join(dir, 'bin', 'auditd'), pid: undefined })
  t.same(running, { binary: join(dir, 'bin', 'auditd'), pid: '612' })
  t.match(checkAuditdRunning(none), { status: 'fail', detail: 'auditd is not installed', fix: /^install and start auditd/ })
  t.match(checkAuditdRunning(stopped), { status: 'fail', detail: /installed .* but not running/, fix: /^start auditd: systemctl enable --now auditd/ })
  t.match(checkAuditdRunning(running), { status: 'ok', detail: 'pid 612' })
  const log = join(dir, 'audit.log')
  t.match(await checkAuditLog(log, { auditd: none }), { status: 'fail', fix: /^install and start auditd/ })
  const notInstall = await checkAuditLog(log, { auditd: stopped })
  t.match(notInstall, { status: 'fail', detail: `${log}: not found (ENOENT)`, fix: /^start auditd/ })
  t.notMatch(notInstall.fix, /install/, 'installed but not running is not "install auditd"')
  t.match(await checkAuditLog(log, { auditd: running }), { fix: /auditd runs but has not written this file: check log_file/ })
  t.match(await checkAuditLog(log, { auditd: running, logFile: '/srv/audit/audit.log' }), { fix: 'auditd.conf writes the log to /srv/audit/audit.log: set source.path (or --audit-log) to it' })
  t.match(await checkAuditLog(dir), { status: 'fail', detail: `${dir} is a directory` })
  mkdirSync(join(dir, 'kt', '33'), { recursive: true })
  writeFileSync(join(dir, 'kt', '33', 'comm'), 'kauditd\n')
  t.same(await auditdState(join(dir, 'kt'), []), { binary: undefined, pid: undefined }, 'the kernel thread kauditd is not auditd')
})

t.test('doctor --config FILE checks the audit log of the config (source.path), not the default', async (t) => {
  const dir = t.testdir({ 'mine.log': '', proc: {} })
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source: { path: ${dir}/mine.log }\nstate_dir: ${dir}/state\nsinks: [{ type: stdout }]\n`)
  const args = ['doctor', '--no-auditctl', '--proc', join(dir, 'proc'), '--auditd-conf', join(dir, 'none.conf'), '--teleport-yaml', join(dir, 'none.yaml')]
  const r = cli([...args, '--config', cfg])
  t.match(r.stdout, `ok    audit log readable: ${dir}/mine.log (source.path of ${cfg})\n`)
  writeFileSync(cfg, `source: { path: ${dir}/other.log }\nstate_dir: ${dir}/state\nsinks: [{ type: stdout }]\n`)
  t.match(cli([...args, '--config', cfg]).stdout, `fail  audit log readable: ${dir}/other.log (source.path of ${cfg}): not found (ENOENT)\n`)
  t.match(cli([...args, '--config', cfg, '--audit-log', join(dir, 'mine.log')]).stdout, `ok    audit log readable: ${dir}/mine.log\n`, '--audit-log wins')
  writeFileSync(cfg, `source: { stdin: true }\nstate_dir: ${dir}/state\nsinks: [{ type: stdout }]\n`)
  t.match(cli([...args, '--config', cfg]).stdout, /^ok {4}audit log readable: plugin mode \(source\.stdin/m, 'plugin mode: no file to read')
})

t.test('teleport.yaml: missing is "not found", unreadable is "not readable"', async (t) => {
  const dir = t.testdir()
  t.match(await checkTeleportPam(join(dir, 'teleport.yaml')), { status: 'warn', detail: `${join(dir, 'teleport.yaml')} not found`, fix: /ignore on a node without Teleport/ })
  t.match(await checkTeleportPam(dir), { status: 'warn', detail: `${dir} not readable (EISDIR)` })
  if (process.getuid?.() === 0) return
  writeFileSync(join(dir, 'locked.yaml'), 'x')
  chmodSync(join(dir, 'locked.yaml'), 0)
  t.match(await checkTeleportPam(join(dir, 'locked.yaml')), { detail: /not readable \(EACCES\)/, fix: /as root/ })
})
