/**
 * The bin starts node with package.json's memory settings (auditship.nodeFlags, nodeEnv)
 * through a POSIX sh launcher in its first two lines, without `env -S` (BusyBox and older
 * coreutils lack it).
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { cliPath } from '../helpers/cli.js'
import { repoRoot } from '../helpers/pipeline.js'

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string, auditship: { nodeFlags: string[], nodeEnv: Record<string, string> } }
const envPairs = Object.entries(pkg.auditship.nodeEnv).map(([k, v]) => `${k}=${v}`)

t.test('the launcher lines carry package.json settings and need no env -S', async (t) => {
  for (const file of [join(repoRoot, 'src', 'cli', 'main.ts'), cliPath]) {
    const [first, second] = readFileSync(file, 'utf8').split('\n')
    t.equal(first, '#!/bin/sh', `${file}: a POSIX shell runs it`)
    t.equal(second, `//bin/true; exec env ${envPairs.join(' ')} node ${pkg.auditship.nodeFlags.join(' ')} "$0" "$@"`, `${file}: the launcher line`)
    t.notMatch(`${first}\n${second}`, /env -S/)
  }
})

t.test('run through a symlink with a stand-in node: flags, environment, path and arguments arrive', async (t) => {
  const dir = t.testdir()
  const fake = join(dir, 'fakebin')
  mkdirSync(fake)
  // a stand-in for node that records how it was called
  writeFileSync(join(fake, 'node'), `#!/bin/sh\n{ echo "MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX"; for a in "$@"; do echo "arg:$a"; done; } > ${join(dir, 'called')}\nexit 7\n`)
  chmodSync(join(fake, 'node'), 0o755)
  mkdirSync(join(dir, 'bin'))
  symlinkSync(cliPath, join(dir, 'bin', 'auditship'))
  const r = spawnSync(join(dir, 'bin', 'auditship'), ['convert', 'a file with spaces', '--errors', "it's"], { env: { PATH: `${fake}:/usr/bin:/bin` }, encoding: 'utf8' })
  t.equal(r.status, 7, 'the exit code is the one of node (exec, no wrapper process)')
  t.equal(r.stderr, '', 'the launcher prints nothing')
  const called = readFileSync(join(dir, 'called'), 'utf8').trim().split('\n')
  t.same(called, [...envPairs, ...pkg.auditship.nodeFlags.map((f) => `arg:${f}`), `arg:${join(dir, 'bin', 'auditship')}`, 'arg:convert', 'arg:a file with spaces', 'arg:--errors', "arg:it's"])
})

t.test('run through a symlink with the real node: the command works', async (t) => {
  const dir = t.testdir()
  symlinkSync(cliPath, join(dir, 'auditship'))
  const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` }
  const v = spawnSync(join(dir, 'auditship'), ['--version'], { env, encoding: 'utf8' })
  t.equal(v.stdout, `auditship ${pkg.version}\n`)
  t.equal(v.status, 0)
  const c = spawnSync(join(dir, 'auditship'), ['convert', join(repoRoot, 'examples', 'teleport-sessions.log')], { env, encoding: 'utf8' })
  t.equal(c.status, 0)
  t.equal(c.stdout.trim().split('\n').length, 39)
  t.match(c.stderr, /records=105 events=39/)
})
