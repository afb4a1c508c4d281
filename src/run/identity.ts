/**
 * What `run` stamps on every event (enrich/identity.ts), gathered once at start: the host's
 * names and machine id, the agent id of the state dir, the version, the data stream namespace
 * of the elasticsearch sinks, and the static fields of enrich.fields.
 * Rejects (the start is refused, AS_RUN_PREFLIGHT) when the state dir's agent-id cannot be
 * read, written, or does not hold a UUID.
 */
import { readFileSync } from 'node:fs'
import { packageFile } from '../paths.js'
import { agentId, hostNames, machineId } from '../enrich/host.js'
import { namespaceOf, type HostFacts, type StaticFields } from '../enrich/identity.js'
import { staticFields } from '../config/fleet.js'
import type { Config } from '../config/types.js'

export function packageVersion (): string {
  try {
    return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

export interface IdentityOptions {
  env?: NodeJS.ProcessEnv
  machineIdPath?: string
  /** false: no agent id (convert: there is no state dir) */
  agentId?: boolean
}

export async function identityOf (c: Config, o: IdentityOptions = {}): Promise<{ host: HostFacts, fields: StaticFields }> {
  const names = hostNames(c.host.name, o.env)
  const id = await machineId(o.machineIdPath)
  const agent = o.agentId === false ? undefined : await agentId(c.state_dir)
  const namespace = namespaceOf(c.sinks.map((s) => s.type === 'elasticsearch' ? s.data_stream : null))
  const host: HostFacts = { ...names, version: packageVersion(), namespace, ...(id === undefined ? {} : { id }), ...(agent === undefined ? {} : { agentId: agent }) }
  return { host, fields: staticFields(c) }
}
