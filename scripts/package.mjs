#!/usr/bin/env node
// `npm run package`: the single-file bundle, the single executable (Node SEA, linux-x64) made
// from it, and the .deb around that executable, in dist-pkg/:
//   auditship.cjs                      the bundle (scripts/bundle.mjs): `node auditship.cjs …`
//   auditship-linux-x64                the SEA: this node binary (stripped) + the bundle
//   auditship_<version>_amd64.deb      dpkg-deb: /usr/bin/auditship (a two-line launcher that
//                                      execs the SEA with the memory settings of package.json
//                                      `auditship`), /usr/lib/auditship/auditship (the SEA),
//                                      /etc/auditship/{auditship,plugin}.yaml (conffiles), the
//                                      systemd unit, the auditd plugin file (inactive), logrotate
//
//   node scripts/package.mjs [--no-deb]
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist-pkg')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'

function run (cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts })
  if (r.error !== undefined || r.status !== 0) {
    process.stderr.write(r.stdout ?? '')
    process.stderr.write(r.stderr ?? '')
    throw new Error(`package: ${cmd} ${args.join(' ')} failed${r.error ? `: ${r.error.message}` : ` (exit ${r.status})`}`)
  }
  return r.stdout
}
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0
const mb = (f) => `${(statSync(f).size / 1e6).toFixed(1)} MB`

/** The memory settings as the launcher line of the .deb's /usr/bin/auditship. */
export function debLauncher (settings, target) {
  const env = Object.entries(settings.nodeEnv).map(([k, v]) => `${k}=${v}`).join(' ')
  return `#!/bin/sh
# auditship: runs the single executable ${target} with the memory settings of the npm bin
# (a bounded V8 heap and one malloc arena: package.json \`auditship\`); your NODE_OPTIONS come after them
exec env ${env} NODE_OPTIONS="${settings.nodeFlags.join(' ')}\${NODE_OPTIONS:+ $NODE_OPTIONS}" ${target} "$@"
`
}

/** The environment that gives the SEA the memory settings of package.json `auditship`. */
export function seaEnv (settings) {
  return { ...settings.nodeEnv, NODE_OPTIONS: settings.nodeFlags.join(' ') }
}

function bundle () {
  run(process.execPath, [join(root, 'scripts', 'bundle.mjs'), '--out', join(out, 'auditship.cjs')], { stdio: 'inherit' })
}

function sea () {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`package: the SEA is built for linux-x64, this is ${process.platform}-${process.arch}`)
  const config = join(out, 'sea-config.json')
  const blob = join(out, 'auditship.blob')
  writeFileSync(config, JSON.stringify({ main: join(out, 'auditship.cjs'), output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }, null, 2))
  // V8 rejects a code cache made under other heap flags (and says so on stderr at every start):
  // make it under the flags the SEA runs with (the .deb's launcher, the unit, the container)
  run(process.execPath, [...pkg.auditship.nodeFlags, '--experimental-sea-config', config])
  const exe = join(out, 'auditship-linux-x64')
  rmSync(exe, { force: true })
  copyFileSync(process.execPath, exe)
  chmodSync(exe, 0o755)
  // node's symbols are ~13 MB of the binary and of no use to the SEA
  if (has('strip')) run('strip', [exe])
  else console.warn('package: strip not found (binutils): the SEA keeps node\'s symbols')
  run(process.execPath, [join(root, 'node_modules', 'postject', 'dist', 'cli.js'), exe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL])
  const r = spawnSync(exe, ['--version'], { encoding: 'utf8', env: { ...process.env, ...seaEnv(pkg.auditship) } })
  if (r.status !== 0 || r.stdout !== `auditship ${pkg.version}\n` || r.stderr !== '') throw new Error(`package: the SEA answers --version with '${r.stdout}' (stderr '${r.stderr}', exit ${r.status})`)
  console.log(`sea: ${exe} (${mb(exe)}, node ${process.version})`)
  return exe
}

function put (stage, path, content, mode = 0o644) {
  const p = join(stage, path)
  mkdirSync(dirname(p), { recursive: true })
  if (Buffer.isBuffer(content) || typeof content === 'string') writeFileSync(p, content)
  else copyFileSync(content.from, p)
  chmodSync(p, mode)
}

function du (dir) {
  let bytes = 0
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const s = statSync(p)
    bytes += s.isDirectory() ? du(p) : s.size
  }
  return bytes
}

function deb (exe) {
  if (!has('dpkg-deb')) throw new Error('package: dpkg-deb not found (apt-get install dpkg)')
  const name = `auditship_${pkg.version}_amd64`
  const stage = join(out, 'deb', name)
  rmSync(join(out, 'deb'), { recursive: true, force: true })
  const d = (f) => ({ from: join(root, 'deploy', 'debian', f) })
  put(stage, 'usr/lib/auditship/auditship', { from: exe }, 0o755)
  put(stage, 'usr/bin/auditship', debLauncher(pkg.auditship, '/usr/lib/auditship/auditship'), 0o755)
  put(stage, 'etc/auditship/auditship.yaml', d('auditship.yaml'))
  put(stage, 'etc/auditship/plugin.yaml', d('plugin.yaml'))
  put(stage, 'etc/audit/plugins.d/auditship.conf', { from: join(root, 'deploy', 'auditd', 'auditship.conf') }, 0o640)
  put(stage, 'etc/logrotate.d/auditship', d('logrotate'))
  put(stage, 'lib/systemd/system/auditship.service', { from: join(root, 'deploy', 'systemd', 'auditship.service') })
  put(stage, 'usr/share/doc/auditship/copyright', d('copyright'))
  put(stage, 'usr/share/doc/auditship/README.md', { from: join(root, 'README.md') })
  for (const f of readdirSync(join(root, 'examples'))) put(stage, `usr/share/doc/auditship/examples/${f}`, { from: join(root, 'examples', f) })
  for (const f of readdirSync(join(root, 'docs'))) put(stage, `usr/share/doc/auditship/docs/${f}`, { from: join(root, 'docs', f) })
  for (const f of readdirSync(join(root, 'deploy', 'elasticsearch'))) put(stage, `usr/share/auditship/elasticsearch/${f}`, { from: join(root, 'deploy', 'elasticsearch', f) })
  const installedKb = Math.ceil(du(stage) / 1024)
  const control = readFileSync(join(root, 'deploy', 'debian', 'control'), 'utf8')
    .replaceAll('@VERSION@', pkg.version).replaceAll('@INSTALLED_SIZE@', String(installedKb)).replaceAll('@NODE_VERSION@', process.versions.node)
  put(stage, 'DEBIAN/control', control)
  put(stage, 'DEBIAN/conffiles', ['/etc/auditship/auditship.yaml', '/etc/auditship/plugin.yaml', '/etc/audit/plugins.d/auditship.conf', '/etc/logrotate.d/auditship'].join('\n') + '\n')
  for (const s of ['postinst', 'prerm', 'postrm']) put(stage, `DEBIAN/${s}`, d(s), 0o755)
  const file = join(out, `${name}.deb`)
  // gzip: xz takes minutes over the 90 MB executable on a small machine, for a third less
  run('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', stage, file])
  console.log(`deb: ${file} (${mb(file)}; installed ${(installedKb / 1024).toFixed(1)} MB)`)
  return file
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    mkdirSync(out, { recursive: true })
    bundle()
    const exe = sea()
    if (!process.argv.includes('--no-deb')) deb(exe)
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
