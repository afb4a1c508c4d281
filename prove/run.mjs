#!/usr/bin/env node
// `npm run prove` (after `npm run build`): bundle prove/main.ts and the test helpers it uses
// with esbuild into .prove/out/ (dependencies stay external, resolved from node_modules), then
// run it. .prove/out sits two levels under the repository, as test/helpers does, so that the
// helpers find dist/ and package.json where they expect them. Arguments are passed on.
import { build } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  process.stderr.write('prove: dist/ is missing: run `npm run build` first\n')
  process.exit(2)
}
const outfile = join(root, '.prove', 'out', 'main.mjs')
await build({ entryPoints: [join(root, 'prove', 'main.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'warning' })
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit' })
process.exit(r.status ?? 1)
