/**
 * The npm package (what `npm pack` ships, prepack's build aside): LICENSE, every file the
 * README links, self-contained source maps, the /bin/sh launcher as the bin. The full
 * fresh-clone round trip (npm ci, npm pack, npm install -g, auditship convert) is
 * scripts/check-pack.sh, run by .ci/run.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../helpers/pipeline.js'

const CHECK = join(repoRoot, 'scripts', 'check-package.mjs')

function check (dir: string): { status: number | null, err: string } {
  const r = spawnSync(process.execPath, [CHECK, dir], { encoding: 'utf8' })
  return { status: r.status, err: r.stderr }
}

/** npm pack of the working tree (dist/ as built by pretest), unpacked into `dir`/package. */
function packInto (dir: string): string {
  const p = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--loglevel=error'], { cwd: repoRoot, encoding: 'utf8' })
  if (p.status !== 0) throw new Error(`npm pack failed: ${p.stderr}`)
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))
  if (tgz === undefined) throw new Error('npm pack made no tarball')
  const x = spawnSync('tar', ['-xzf', join(dir, tgz), '-C', dir])
  if (x.status !== 0) throw new Error('tar failed')
  return join(dir, 'package')
}

t.test('the packed package has the LICENSE, the linked docs, self-contained maps and the launcher', async (t) => {
  const pkg = packInto(t.testdir())
  const r = check(pkg)
  t.equal(r.err, '')
  t.equal(r.status, 0)
  t.ok(readdirSync(join(pkg, 'docs')).includes('errors.md'), 'docs/ is shipped')
})

t.test('the check finds what is missing', async (t) => {
  const pkg = packInto(t.testdir())
  rmSync(join(pkg, 'docs', 'sinks.md'))
  rmSync(join(pkg, 'LICENSE'))
  const mapFile = join(pkg, 'dist', 'paths.js.map')
  const map = JSON.parse(readFileSync(mapFile, 'utf8'))
  delete map.sourcesContent
  writeFileSync(mapFile, JSON.stringify(map))
  const r = check(pkg)
  t.equal(r.status, 1)
  t.match(r.err, /README\.md links docs\/sinks\.md, which is not in the package/)
  t.match(r.err, /LICENSE is missing/)
  t.match(r.err, /dist\/paths\.js\.map maps \.\.\/src\/paths\.ts, which is neither in the package nor inlined/)
})
