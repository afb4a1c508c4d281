/**
 * The .deb's configurations (deploy/debian/*.yaml): valid, and plugin mode's apart from the
 * service's. auditd runs its plugins as root, and auditship as root refuses to write in a
 * directory another user owns (config/preflight-safety.ts): plugin mode must not write in the
 * directories postinst gives to the user auditship. scripts/check-deb.sh runs both, installed.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/types.js'
import { repoRoot } from '../helpers/pipeline.js'

const debian = join(repoRoot, 'deploy', 'debian')

async function load (name: string): Promise<Config> {
  const r = await loadConfig(join(debian, name))
  if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.errors)}`)
  return r.config
}

/** The directories each configuration writes files in. */
function writtenDirs (c: Config): string[] {
  const out = [c.state_dir]
  if (c.delivery.dead_letter_path !== null) out.push(dirname(c.delivery.dead_letter_path))
  for (const s of c.sinks) if (s.type === 'file') out.push(dirname(s.path))
  return out
}

/** The directories postinst chowns to auditship (`for d in ...; do`). */
function serviceDirs (): string[] {
  const m = /^\s*for d in ([^;]+); do$/m.exec(readFileSync(join(debian, 'postinst'), 'utf8'))
  if (m === null) throw new Error('postinst: no `for d in ...; do` line')
  return m[1].trim().split(/\s+/)
}

t.test('the service and plugin configurations are valid', async (t) => {
  const service = await load('auditship.yaml')
  const plugin = await load('plugin.yaml')
  t.equal(service.source.path, '/var/log/audit/audit.log')
  t.equal(plugin.source.stdin, true)
})

t.test('plugin mode (root) writes nowhere the user auditship owns, and listens elsewhere', async (t) => {
  const service = await load('auditship.yaml')
  const plugin = await load('plugin.yaml')
  const owned = serviceDirs()
  t.same(owned, ['/var/lib/auditship', '/var/log/auditship'])
  for (const d of writtenDirs(plugin)) {
    t.notOk(owned.some((o) => d === o || d.startsWith(`${o}/`)), `${d} is not the service's`)
  }
  t.not(plugin.server.listen, service.server.listen, 'a plugin started while the service runs can listen')
})
