import t from 'tap'
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeEs } from '../helpers/fake-es.js'
import { startFakeHec } from '../helpers/fake-hec.js'
import { checkAuditLog, checkAuditdConf, checkTeleportPam, checkTeleportProcesses, checkConfigFile, parseAuditctlStatus, runChecks } from '../../src/doctor/checks.js'
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

function healthy (dir: string): Parameters<typeof runChecks>[0] {
  writeFileSync(join(dir, 'audit.log'), '')
  writeFileSync(join(dir, 'auditd.conf'), '# auditd\nlog_format = ENRICHED\nend_of_event_timeout = 2\n')
  writeFileSync(join(dir, 'teleport.yaml'), 'ssh_service:\n  enabled: true\n  pam:\n    enabled: true\n    service_name: sshd\n')
  writeFileSync(join(dir, 'auditship.yaml'), `source: { path: ${dir}/audit.log }\nstate_dir: ${dir}/state\nsinks: [{ type: stdout }]\n`)
  return { auditLog: join(dir, 'audit.log'), auditdConf: join(dir, 'auditd.conf'), teleportYaml: join(dir, 'teleport.yaml'), proc: proc(dir, { loginuid: '4294967295', uid: '0' }), auditctl: undefined, config: join(dir, 'auditship.yaml') }
}

t.test('a healthy node: every check ok (auditctl skipped)', async (t) => {
  const r = await runChecks(healthy(t.testdir()))
  t.same(r.filter((x) => x.status !== 'ok').map((x) => x.name), ['auditd status'], 'only the skipped auditctl check is not ok')
  const c = cli(['doctor', '--no-auditctl', '--audit-log', join(t.testdir(), 'x')])
  t.equal(c.code, 1, 'the CLI exits 1 when a check fails')
  t.match(c.stdout, /^fail  audit log readable: .*ENOENT\n      fix: install and start auditd/m)
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
