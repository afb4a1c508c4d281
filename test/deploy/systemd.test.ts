/**
 * deploy/systemd/auditship.service: systemd's own checker accepts it (no warning either:
 * `systemd-analyze verify` exits 0 on a value it ignores), its hardening scores OK, it stops
 * within a timeout above the daemon's shutdown timeout, and it runs the packaged command.
 * The installed unit is verified again by scripts/check-deb.sh after `dpkg -i`.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../helpers/pipeline.js'

const UNIT = join(repoRoot, 'deploy', 'systemd', 'auditship.service')
const text = readFileSync(UNIT, 'utf8')
const has = spawnSync('systemd-analyze', ['--version']).status === 0

/** The unit with /usr/bin/auditship replaced by an existing program (verify checks ExecStart=). */
function runnable (dir: string, unit = text): string {
  const p = join(dir, 'auditship.service')
  writeFileSync(p, unit.replaceAll('/usr/bin/auditship', process.execPath))
  return p
}

function values (key: string): string[] {
  return [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1])
}

t.test('systemd-analyze verify: no error, no warning', { skip: has ? false : 'systemd-analyze not installed (apt-get install systemd)' }, async (t) => {
  const r = spawnSync('systemd-analyze', ['verify', runnable(t.testdir())], { encoding: 'utf8' })
  t.equal(r.status, 0)
  t.equal(`${r.stdout}${r.stderr}`, '')
  // the check above sees a value systemd ignores
  const bad = spawnSync('systemd-analyze', ['verify', runnable(t.testdir(), text.replace('ProtectSystem=strict', 'ProtectSystem=strictly'))], { encoding: 'utf8' })
  t.match(bad.stderr, /Failed to parse protect system value/)
})

t.test('systemd-analyze security: exposure under 2.0', { skip: has ? false : 'systemd-analyze not installed' }, async (t) => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--threshold=20', runnable(t.testdir())], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stdout.split('\n').filter((l) => l.includes('Overall')).join(''))
})

t.test('the packaged layout, the stop timeout, reload, restarts bounded', async (t) => {
  t.same(values('ExecStart'), ['/usr/bin/auditship run --config /etc/auditship/auditship.yaml'])
  t.same(values('ExecReload'), ['/bin/kill -HUP $MAINPID'])
  t.same(values('User'), ['auditship'])
  t.same(values('CapabilityBoundingSet'), [''], 'no capability: the adm group reads the log')
  t.same(values('ReadOnlyPaths'), ['/var/log/audit'])
  t.same(values('StateDirectory'), ['auditship'])
  t.same(values('Restart'), ['on-failure'])
  t.ok(Number(values('StartLimitBurst')[0]) > 0 && Number(values('StartLimitIntervalSec')[0]) > 0, 'a start limit')
  const schema = JSON.parse(readFileSync(join(repoRoot, 'schemas', 'config.schema.json'), 'utf8'))
  const shutdownMs = schema.properties.shutdown.properties.timeout_ms.default as number
  t.ok(Number(values('TimeoutStopSec')[0]) * 1000 > shutdownMs + 5000, `TimeoutStopSec above shutdown.timeout_ms (${shutdownMs} ms) with room to save the checkpoint`)
  t.notMatch(text, /\/opt\/auditship|\/usr\/bin\/node|\/usr\/local\/bin/, 'no checkout or node path')
})
