import t from 'tap'
import { readdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { repoRoot } from '../helpers/pipeline.js'

const example = join(repoRoot, 'examples', 'auditship.yaml')
const local = join(repoRoot, 'examples', 'local.yaml')

t.test('the examples are valid: exit 0, "config OK" and a summary', async (t) => {
  const a = cli(['check-config', '--config', example])
  t.equal(a.code, 0, a.stderr)
  t.equal(a.stdout, `config OK: ${example}\n  source /var/log/audit/audit.log (first start at the end); sinks file-0 (file /var/log/auditship/events.ndjson); state /var/lib/auditship\n`)
  // whether /var/log/audit/audit.log exists, /var/lib is writable and the server's port (on by
  // default) is free depends on the machine: nothing on stderr, or only warnings with their fixes
  t.match(a.stderr, /^(warning: auditship run would not start on this machine \(\d problems?\):\n(  (state_dir|server\.listen): [^\n]+\n    fix: [^\n]+\n)+)?(warning: auditship run would start, but read nothing and report not ready until this is fixed \(1 problem\):\n  source\.path: [^\n]+\n    fix: [^\n]+\n)?$/)
  const b = cli(['check-config', '-c', local])
  t.equal(b.code, 0, b.stderr)
  t.equal(b.stdout, `config OK: ${local}\n  source /tmp/auditship-demo/audit.log (first start at the beginning); sinks stdout-0 (stdout); state /tmp/auditship-demo/state\n`)
})

t.test('an invalid config: exit 78, one line per issue with the key path', async (t) => {
  const dir = t.testdir()
  const cfg = join(dir, 'bad.yaml')
  writeFileSync(cfg, `source:
  pth: /var/log/audit/audit.log
  read_from: start
sinks:
  - type: file
  - type: kafka
`)
  const r = cli(['check-config', '--config', cfg])
  t.equal(r.code, 78)
  t.equal(r.stdout, '')
  t.equal(r.stderr, [
    `auditship: invalid config ${cfg}:`,
    '  source.pth: unknown key "pth" (did you mean "path"?)',
    '  source.read_from: must be one of beginning, end (got "start")',
    '  sinks[0].path: is required',
    '  sinks[1].type: must be one of file, stdout, blackhole, elasticsearch, splunk_hec, http (got "kafka")',
    '',
  ].join('\n'))
})

t.test('semantic checks exit 78 too', async (t) => {
  const dir = t.testdir()
  const cfg = join(dir, 'rel.yaml')
  writeFileSync(cfg, 'state_dir: state\nserver: { listen: "localhost:0" }\nsinks: [{ type: file, path: out.ndjson }]\n')
  const r = cli(['check-config', '--config', cfg])
  t.equal(r.code, 78)
  t.equal(r.stderr, [
    `auditship: invalid config ${cfg}:`,
    '  state_dir: must be an absolute path (got "state")',
    '  sinks[0].path: must be an absolute path (got "out.ndjson")',
    '  server.listen: port must be 1-65535 (got "0")',
    '',
  ].join('\n'))
})

t.test('a syntax error and an unreadable file exit 78', async (t) => {
  const dir = t.testdir()
  const cfg = join(dir, 'syntax.yaml')
  writeFileSync(cfg, 'sinks:\n  - type: stdout\n log: {}\n')
  const a = cli(['check-config', '--config', cfg])
  t.equal(a.code, 78)
  t.match(a.stderr, new RegExp(`^auditship: invalid config ${cfg}:\n  \\(syntax\\): line 3, column \\d+: `))
  const missing = join(dir, 'missing.yaml')
  const b = cli(['check-config', '--config', missing])
  t.equal(b.code, 78)
  t.equal(b.stderr, `auditship: invalid config ${missing}:\n  (file): cannot read ${missing}: no such file (ENOENT)\n`)
})

t.test('secrets that cannot be read: warnings with the fix in check-config (exit 0), errors in run (exit 78)', async (t) => {
  const dir = t.testdir({ 'audit.log': '' })
  const cfg = join(dir, 'secrets.yaml')
  writeFileSync(cfg, `source: { path: ${dir}/audit.log }\nstate_dir: ${dir}/state\nserver: { enabled: true, listen: "127.0.0.1:1", auth_token_file: ${dir}/no-token }\nsinks: [{ type: splunk_hec, endpoints: ["https://hec:8088"], token_env: AUDITSHIP_TEST_UNSET, tls: { ca_file: ${dir}/no-ca.pem } }]\n`)
  const r = cli(['check-config', '--config', cfg], undefined, { AUDITSHIP_TEST_UNSET: '' })
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /^config OK: /)
  // (port 1 may be refused too when not root: that warning is not the subject here)
  const lines = r.stderr.split('\n')
  t.match(lines[0], /^warning: auditship run would not start on this machine \([34] problems\):$/)
  const at = (line: string): number => lines.indexOf(line)
  const expected = [
    '  sinks[0].token_env: the environment variable AUDITSHIP_TEST_UNSET is not set or empty',
    "    fix: set the variable in auditship's environment (systemd: Environment= or EnvironmentFile= in the unit)",
    `  server.auth_token_file: cannot read ${dir}/no-token: no such file (ENOENT)`,
    '    fix: put the secret in that file (one line, mode 0600, readable by the user auditship runs as)',
  ]
  // each problem is followed by its fix (the sinks' in their factories' order, then the server's)
  t.ok(expected.every((l, i) => at(l) > 0 && (i % 2 === 0 || at(l) === at(expected[i - 1]) + 1)), r.stderr)
  const ca = lines.findIndex((l) => l.startsWith(`  sinks[0].tls.ca_file: cannot read ${dir}/no-ca.pem`))
  t.ok(ca > 0, 'an unreadable TLS file too')
  t.equal(lines[ca + 1], '    fix: put the CA certificate (PEM) there, or remove tls.ca_file to use the system CAs')
  const run = cli(['run', '--config', cfg], undefined, { AUDITSHIP_TEST_UNSET: '' })
  t.equal(run.code, 78, 'run refuses to start')
  t.equal(run.stderr, [
    `auditship: invalid config ${cfg}:`,
    '  sinks[0].token_env: the environment variable AUDITSHIP_TEST_UNSET is not set or empty',
    `  sinks[0].tls.ca_file: cannot read ${dir}/no-ca.pem: ENOENT`,
    `  server.auth_token_file: cannot read ${dir}/no-token: no such file (ENOENT)`,
    '',
  ].join('\n'), 'every problem at once')
})

t.test('what would stop run on this machine: warnings with the fix, exit 0', async (t) => {
  const dir = t.testdir({ file: 'x' })
  const srv = createServer()
  await new Promise<void>((resolve) => srv.listen({ host: '127.0.0.1', port: 0 }, resolve))
  t.teardown(() => { srv.close() })
  const port = (srv.address() as { port: number }).port
  const cfg = join(dir, 'machine.yaml')
  writeFileSync(cfg, `source: { path: ${dir}/audit.log }\nstate_dir: ${dir}/file/state\nserver: { enabled: true, listen: "127.0.0.1:${port}" }\nsinks: [{ type: stdout }]\n`)
  const r = cli(['check-config', '--config', cfg])
  t.equal(r.code, 0)
  t.equal(r.stdout, `config OK: ${cfg}\n  source ${dir}/audit.log (first start at the end); sinks stdout-0 (stdout); state ${dir}/file/state\n`)
  t.equal(r.stderr, [
    'warning: auditship run would not start on this machine (2 problems):',
    `  state_dir: cannot create the state dir ${dir}/file/state: ${dir}/file is not a directory`,
    '    fix: set state_dir to a directory path',
    `  server.listen: cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE)`,
    "    fix: stop what listens there (ss -ltnp shows it; another auditship?) or change server.listen",
    'warning: auditship run would start, but read nothing and report not ready until this is fixed (1 problem):',
    `  source.path: ${dir}/audit.log does not exist`,
    '    fix: set source.path to the log auditd writes (log_file in auditd.conf, by default /var/log/audit/audit.log)',
    '',
  ].join('\n'))
})

t.test('the audit log missing alone: run would start and wait for it, not "would not start"', async (t) => {
  const dir = t.testdir()
  const cfg = join(dir, 'nolog.yaml')
  writeFileSync(cfg, `source: { path: ${dir}/audit.log }\nstate_dir: ${dir}/state\nserver: { enabled: false }\nsinks: [{ type: stdout }]\n`)
  const r = cli(['check-config', '--config', cfg])
  t.equal(r.code, 0)
  t.equal(r.stderr, [
    'warning: auditship run would start, but read nothing and report not ready until this is fixed (1 problem):',
    `  source.path: ${dir}/audit.log does not exist`,
    '    fix: set source.path to the log auditd writes (log_file in auditd.conf, by default /var/log/audit/audit.log)',
    '',
  ].join('\n'))
})

t.test('every example passes on a machine without its secret or CA files', async (t) => {
  for (const name of readdirSync(join(repoRoot, 'examples')).filter((n) => n.endsWith('.yaml'))) {
    const r = cli(['check-config', '--config', join(repoRoot, 'examples', name)])
    t.equal(r.code, 0, `${name}: ${r.stderr}`)
  }
})

t.test('--print writes the effective config as JSON on stdout', async (t) => {
  const dir = t.testdir()
  const cfg = join(dir, 'min.yaml')
  writeFileSync(cfg, 'sinks: [{ type: stdout }]\n')
  const r = cli(['check-config', '--config', cfg, '--print'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stderr, `config OK: ${cfg}\n`)
  const c = JSON.parse(r.stdout)
  t.equal(c.source.path, '/var/log/audit/audit.log')
  t.equal(c.correlate.max_in_flight, 4096)
  t.same(c.sinks, [{ type: 'stdout', name: 'stdout-0', batch: { max_events: 500, max_bytes: 1048576, flush_interval_ms: 200 } }])
  t.equal(c.delivery.dead_letter_path, null)
})

t.test('--print shows the values of an http sink\'s headers as ***', async (t) => {
  const dir = t.testdir()
  const cfg = join(dir, 'headers.yaml')
  writeFileSync(cfg, 'sinks: [{ type: http, endpoints: ["https://collector.example/in"], headers: { X-Api-Key: key-5e3f9a1c77, X-Team: sec } }]\n')
  const r = cli(['check-config', '--config', cfg, '--print'])
  t.equal(r.code, 0, r.stderr)
  t.same(JSON.parse(r.stdout).sinks[0].headers, { 'X-Api-Key': '***', 'X-Team': '***' }, 'the names stay, the values do not')
  t.notMatch(r.stdout + r.stderr, /key-5e3f9a1c77/)
})

t.test('usage errors exit 64', async (t) => {
  const a = cli(['check-config'])
  t.equal(a.code, 64)
  t.match(a.stderr, /--config FILE is required/)
  const b = cli(['check-config', '--config', example, '--bogus'])
  t.equal(b.code, 64)
  t.equal(b.stderr, "auditship check-config: unknown option --bogus; 'auditship help check-config' lists its options\n")
  const c = cli(['check-config', '--config'])
  t.equal(c.code, 64)
  const d = cli(['check-config', example])
  t.equal(d.code, 64, 'the file goes with --config')
})

t.test('help', async (t) => {
  const a = cli(['check-config', '--help'])
  t.equal(a.code, 0)
  t.match(a.stdout, /^Usage: auditship check-config --config FILE \[--print\]/)
  const b = cli(['help', 'check-config'])
  t.equal(b.stdout, a.stdout)
  t.match(cli(['--help']).stdout, /check-config --config FILE/)
})
