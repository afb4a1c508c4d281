#!/usr/bin/env node
// Build only when dist/ is older than what it is built from, so that `npm run start:example`
// starts at once on a built tree and still builds a fresh checkout (or one edited since).
//
//   node scripts/build-if-stale.mjs            run `npm run build` when stale, else nothing
//   node scripts/build-if-stale.mjs --check    exit 1 when stale, 0 when current (no build)
//   --root DIR                                  look at DIR instead of the repository (tests)
//
// Stale: dist/cli/main.js (written by every build) is missing, or older than a file under
// src/, tsconfig.json or package.json.
import { readdirSync, statSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const args = process.argv.slice(2)
const rootAt = args.indexOf('--root')
const root = rootAt === -1 ? join(dirname(fileURLToPath(import.meta.url)), '..') : args[rootAt + 1]
const check = args.includes('--check')

function newest (path) {
  let st
  try { st = statSync(path) } catch { return 0 }
  if (!st.isDirectory()) return st.mtimeMs
  let m = 0
  for (const name of readdirSync(path)) m = Math.max(m, newest(join(path, name)))
  return m
}

let built = 0
try { built = statSync(join(root, 'dist', 'cli', 'main.js')).mtimeMs } catch { /* never built */ }
const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'tsconfig.json')), newest(join(root, 'package.json')))
const stale = built === 0 || sources > built

if (check) process.exit(stale ? 1 : 0)
if (stale) {
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
  process.exit(r.status ?? 1)
}
