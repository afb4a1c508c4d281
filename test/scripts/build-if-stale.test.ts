import t from 'tap'
import { spawnSync } from 'node:child_process'
import { utimesSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../helpers/pipeline.js'

const SCRIPT = join(repoRoot, 'scripts', 'build-if-stale.mjs')

function run (root: string, ...args: string[]): { status: number | null, out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], { encoding: 'utf8' })
  return { status: r.status, out: r.stdout + r.stderr }
}

function at (root: string, file: string, secs: number): void {
  utimesSync(join(root, file), secs, secs)
}

t.test('start:example builds only when dist/ is older than its sources', async (t) => {
  // package.json without a build script: a build attempt would fail loudly
  const root = t.testdir({ src: { cli: { 'main.ts': '' }, 'a.ts': '' }, 'tsconfig.json': '{}', 'package.json': '{"name":"x"}', dist: { cli: { 'main.js': '' } } })
  for (const f of ['src/cli/main.ts', 'src/a.ts', 'tsconfig.json', 'package.json']) at(root, f, 1_000_000)
  at(root, 'dist/cli/main.js', 2_000_000)
  t.equal(run(root, '--check').status, 0, 'current')
  t.same(run(root), { status: 0, out: '' }, 'current: nothing is run')
  at(root, 'src/a.ts', 3_000_000)
  t.equal(run(root, '--check').status, 1, 'a source edited since the build')
  t.not(run(root).status, 0, 'stale: it tries to build (and here cannot)')
  at(root, 'src/a.ts', 1_000_000)
  at(root, 'tsconfig.json', 3_000_000)
  t.equal(run(root, '--check').status, 1, 'tsconfig.json edited')
  t.equal(run(t.testdir({ src: { 'a.ts': '' } }), '--check').status, 1, 'never built')
})

t.test('package.json runs it before the example', async (t) => {
  const { readFileSync } = await import('node:fs')
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
  t.equal(pkg.scripts['start:example'], 'node scripts/build-if-stale.mjs && ./dist/cli/main.js convert examples/teleport-sessions.log')
})
