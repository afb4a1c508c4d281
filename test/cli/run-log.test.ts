/**
 * The daemon's own log as the operator meets it: pretty on a terminal, JSON otherwise, the
 * syslog priority under systemd, and the level overrides (--log-level, AUDITSHIP_LOG_LEVEL).
 * The daemon runs in plugin mode on an empty stdin: it starts, finds the feed closed, stops.
 */
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cli, cliPath } from '../helpers/cli.js'

function config (t: Test, log: string): string {
  const dir = t.testdir()
  const cfg = join(dir, 'auditship.yaml')
  writeFileSync(cfg, `source: { stdin: true }\nstate_dir: ${dir}/state\nserver: { enabled: false }\nsinks: [{ type: file, path: ${dir}/out.ndjson }]\nlog: ${log}\n`)
  return cfg
}

const quiet = { JOURNAL_STREAM: '', AUDITSHIP_LOG_LEVEL: '', NO_COLOR: '' }

function run (args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof cli> {
  return cli(['run', ...args], '', { ...quiet, ...env })
}

const msgs = (stderr: string): string[] => stderr.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l).msg)

t.test('not a terminal: JSON lines', async (t) => {
  const r = run(['--config', config(t, '{ level: info }')])
  t.equal(r.code, 0, r.stderr)
  t.match(msgs(r.stderr), ['auditship starting', 'auditship stopped'])
})

t.test('log.format: pretty gives readable lines when not on a terminal too', async (t) => {
  const r = run(['--config', config(t, '{ level: info, format: pretty }')])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stderr, /^\d{4}-\d\d-\d\dT\S+Z INFO  auditship starting config=\S+ source=stdin sinks=\["file"\]$/m)
})

t.test('on a pseudo-terminal: pretty by default, JSON with log.format: json', async (t) => {
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' })
  if (probe.status !== 0) { t.plan(0, 'util-linux `script` (a pseudo-terminal) is not available'); return }
  const onTty = (cfg: string): string => {
    const cmd = `${process.execPath} ${cliPath} run --config ${cfg} < /dev/null`
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, ...quiet, NODE_OPTIONS: '' } })
    t.equal(r.status, 0, r.stdout)
    return r.stdout.replace(/\x1b\[[0-9;]*m/g, '').replaceAll('\r', '')
  }
  t.match(onTty(config(t, '{ level: info }')), /^\S+Z INFO  auditship starting config=/m)
  t.match(onTty(config(t, '{ level: info, format: json }')), /^\{"level":30,.*"msg":"auditship starting"\}$/m)
})

t.test('under systemd (JOURNAL_STREAM set): each line starts with its syslog priority', async (t) => {
  const r = run(['--config', config(t, '{ level: info }')], { JOURNAL_STREAM: '8:4242' })
  t.equal(r.code, 0, r.stderr)
  const lines = r.stderr.trim().split('\n')
  t.ok(lines.length >= 2)
  for (const l of lines) t.match(l, /^<6>\{"level":30,/)
  const bad = run(['--config', join(t.testdir(), 'missing.yaml')], { JOURNAL_STREAM: '8:4242' })
  t.equal(bad.code, 78, 'a refused start is reported before the log exists, as before')
})

t.test('overrides: --log-level over AUDITSHIP_LOG_LEVEL over log.level', async (t) => {
  const warnOnly = config(t, '{ level: warn }')
  t.equal(run(['--config', warnOnly]).stderr, '', 'log.level warn: no info lines')
  t.match(msgs(run(['--config', warnOnly], { AUDITSHIP_LOG_LEVEL: 'info' }).stderr), ['auditship starting'], 'the environment over the config')
  t.match(msgs(run(['--config', warnOnly, '--log-level', 'info']).stderr), ['auditship starting'], 'the command line over the config')
  t.equal(run(['--config', warnOnly, '--log-level', 'error'], { AUDITSHIP_LOG_LEVEL: 'info' }).stderr, '', 'the command line over the environment')
  t.match(msgs(run(['--config', warnOnly, '--log-level', 'INFO']).stderr), ['auditship starting'], 'case is ignored')
})

t.test('a bad level: usage (64) on the command line, config (78) in the environment, with the accepted values', async (t) => {
  const cfg = config(t, '{ level: info }')
  const a = run(['--config', cfg, '--log-level', 'loud'])
  t.equal(a.code, 64)
  t.equal(a.stderr, 'auditship run: --log-level must be one of fatal, error, warn, info, debug, trace, silent (got "loud")\n')
  const b = run(['--config', cfg], { AUDITSHIP_LOG_LEVEL: 'verbose' })
  t.equal(b.code, 78)
  t.equal(b.stderr, 'auditship run: AUDITSHIP_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")\n')
  t.match(cli(['run', '--help']).stdout, /--log-level LEVEL/)
})
