/**
 * The single-file bundle (scripts/bundle.mjs, what the single executable is made of) works
 * alone, copied where no package file is beside it: convert, check-config (the config schema
 * is embedded), run (the checkpoint and health schemas, the server, the file sink).
 */
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { exited, freePort, until } from '../helpers/daemon.js'
import { repoRoot } from '../helpers/pipeline.js'

const example = join(repoRoot, 'examples', 'teleport-sessions.log')
const env = { ...process.env, NODE_OPTIONS: '' }

async function get (port: number, path: string): Promise<number> {
  try { return (await fetch(`http://127.0.0.1:${port}${path}`)).status } catch { return 0 }
}

t.test('the bundle alone: convert, check-config, run', async (t) => {
  const dir = t.testdir()
  const bundle = join(dir, 'auditship.cjs')
  const b = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'bundle.mjs'), '--out', bundle], { encoding: 'utf8' })
  t.equal(b.status, 0, `bundle: ${b.stderr}`)
  const [first, second] = readFileSync(bundle, 'utf8').split('\n')
  t.equal(first, '#!/bin/sh')
  t.match(second, /^\/\/bin\/true; exec env MALLOC_ARENA_MAX=1 node --max-semi-space-size=2 --max-old-space-size=64 "\$0" "\$@"$/, 'the launcher line, as the npm bin')

  const node = (args: string[]): { code: number | null, stdout: string, stderr: string } => {
    const r = spawnSync(process.execPath, [bundle, ...args], { cwd: dir, env, encoding: 'utf8' })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }
  t.equal(node(['--version']).stdout, `auditship ${pkg.version}\n`)

  const c = node(['convert', example])
  t.equal(c.code, 0)
  t.equal(c.stdout.trim().split('\n').length, 39)
  t.match(c.stderr, /records=105 events=39 parse_errors=0 incomplete=0 invalid=0/)

  const bad = join(dir, 'bad.yaml')
  writeFileSync(bad, 'sinks: [{ type: file }]\nsource: { read_from: middle }\n')
  const cb = node(['check-config', '--config', bad])
  t.equal(cb.code, 78, 'an invalid config is refused: the schema is in the bundle')
  t.match(cb.stderr, /read_from/)

  const log = join(dir, 'audit.log')
  writeFileSync(log, readFileSync(example))
  const port = await freePort()
  const cfg = join(dir, 'cfg.yaml')
  const out = join(dir, 'out.ndjson')
  writeFileSync(cfg, `source: { path: ${log}, read_from: beginning, poll_interval_ms: 50 }\ncorrelate: { idle_timeout_ms: 200 }\nstate_dir: ${dir}/state\nsinks:\n  - type: file\n    path: ${out}\n    batch: { flush_interval_ms: 20 }\nserver: { enabled: true, listen: 127.0.0.1:${port} }\nlog: { level: warn }\n`)
  const ok = node(['check-config', '--config', cfg])
  t.equal(ok.code, 0, ok.stderr)
  const d = spawn(process.execPath, [bundle, 'run', '--config', cfg], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  d.stderr.on('data', (s: Buffer) => { stderr += s.toString() })
  t.teardown(() => { d.kill('SIGKILL') })
  const lines = (): number => existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').length : 0
  t.ok(await until(() => lines() === 39, 30000), `every event delivered (${lines()}) ${stderr}`)
  t.equal(await get(port, '/healthz'), 200)
  let ready = 0
  for (let i = 0; i < 100 && ready !== 200; i++) { ready = await get(port, '/readyz'); if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100)) }
  t.equal(ready, 200, 'readyz')
  d.kill('SIGTERM')
  t.equal((await exited(d)).code, 0, stderr)
  const cp = JSON.parse(readFileSync(join(dir, 'state', 'checkpoint.json'), 'utf8')) as { version: number, position: { offset: number } }
  t.equal(cp.position.offset, readFileSync(log).length, 'the checkpoint is at the end of the log')
})
