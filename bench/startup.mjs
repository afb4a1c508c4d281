#!/usr/bin/env node
// Start-up time of the ways to run auditship: the npm build (`node dist/cli/main.js`, and the
// bin's /bin/sh launcher line), the single-file bundle and the single executable (SEA) that
// `npm run package` makes in dist-pkg/, with the memory settings the .deb's launcher gives it.
//
//   npm run build && npm run package -- --no-deb
//   node bench/startup.mjs [--runs N] [--convert]
//
// Each way runs N times (default 30, after 2 warm-up rounds), the ways interleaved so that a
// change in the machine's load hits them alike. Wall time from spawn to exit (median, p10,
// p90) and the child's user+sys CPU time (median, from /usr/bin/time; 10 ms resolution): on a
// busy machine the wall time is mostly waiting for a core, the CPU time much less so.
// --convert times `convert examples/teleport-sessions.log` instead of `--version`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const argv = process.argv.slice(2)
const at = argv.indexOf('--runs')
const runs = at >= 0 ? Number(argv[at + 1]) : 30
const args = argv.includes('--convert') ? ['convert', 'examples/teleport-sessions.log'] : ['--version']
const seaEnv = { ...process.env, ...pkg.auditship.nodeEnv, NODE_OPTIONS: pkg.auditship.nodeFlags.join(' ') }

const ways = [
  ['node dist/cli/main.js', process.execPath, ['dist/cli/main.js'], process.env],
  ['dist/cli/main.js (the npm bin)', './dist/cli/main.js', [], process.env],
  ['node dist-pkg/auditship.cjs (bundle)', process.execPath, ['dist-pkg/auditship.cjs'], process.env],
  ['dist-pkg/auditship-linux-x64 (SEA)', './dist-pkg/auditship-linux-x64', [], seaEnv],
]
for (const [, cmd, a] of ways) {
  const file = a[0] ?? cmd
  if (!existsSync(join(root, file))) { console.error(`startup: ${file} is missing (npm run build; npm run package -- --no-deb)`); process.exit(1) }
}
if (!existsSync('/usr/bin/time')) { console.error('startup: /usr/bin/time is missing (apt-get install time)'); process.exit(1) }

const dir = mkdtempSync(join(tmpdir(), 'auditship-startup-'))
const cpuFile = join(dir, 'cpu')
const wall = ways.map(() => [])
const cpu = ways.map(() => [])
const load0 = loadavg()[0]
for (let i = 0; i < runs + 2; i++) {
  ways.forEach(([name, cmd, a, env], w) => {
    const t0 = process.hrtime.bigint()
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, cmd, ...a, ...args], { cwd: root, env, encoding: 'utf8' })
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (r.status !== 0 || (args[0] === '--version' && r.stderr !== '')) {
      console.error(`startup: ${name} failed (exit ${r.status}): ${r.stderr}`)
      process.exit(1)
    }
    if (i < 2) return
    wall[w].push(ms)
    const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number)
    cpu[w].push((user + sys) * 1000)
  })
}
rmSync(dir, { recursive: true, force: true })
const q = (xs, p) => [...xs].sort((x, y) => x - y)[Math.floor(p * (xs.length - 1))]
console.log(`${args.join(' ')}, ${runs} runs each; load average ${load0.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores`)
ways.forEach(([name], w) => {
  console.log(`${name.padEnd(38)} wall median ${q(wall[w], 0.5).toFixed(0)} ms (p10 ${q(wall[w], 0.1).toFixed(0)}, p90 ${q(wall[w], 0.9).toFixed(0)}); cpu median ${q(cpu[w], 0.5).toFixed(0)} ms`)
})
