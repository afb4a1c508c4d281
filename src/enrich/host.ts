/**
 * The host's facts for the identity stamp (identity.ts), read once at start.
 *
 * - name: the configured host.name, else AUDITSHIP_HOST_NAME (a Kubernetes DaemonSet sets it to
 *   the node's name: a pod's own host name is new at every restart), else the machine's.
 * - hostname: AUDITSHIP_HOST_NAME, else the kernel's host name.
 * - id: /etc/machine-id when it can be read and holds an id (32 hex digits).
 * - agentId: `<state_dir>/agent-id`, a UUID written once (atomically, 0644) and read back on
 *   every later start, so it stays the same across restarts and upgrades of the same state dir.
 * MUST NOT fail the start for a missing machine id; a state dir whose agent-id cannot be
 *      written or holds something else than a UUID is an error (the caller refuses the start).
 */
import { hostname as osHostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import { readFile, writeFile, rename } from 'node:fs/promises'
import { join } from 'node:path'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
export const AGENT_ID_FILE = 'agent-id'

export function hostNames (configured: string | null, env: NodeJS.ProcessEnv = process.env, kernel = osHostname()): { name: string, hostname: string } {
  const e = env.AUDITSHIP_HOST_NAME?.trim()
  // a kernel without a host name set answers '' (an empty host.name would fail the event schema)
  const hostname = e !== undefined && e !== '' ? e : kernel.trim() !== '' ? kernel.trim() : 'localhost'
  return { name: configured ?? hostname, hostname }
}

export async function machineId (path = '/etc/machine-id'): Promise<string | undefined> {
  try {
    const id = (await readFile(path, 'utf8')).trim()
    return /^[0-9a-f]{32}$/.test(id) ? id : undefined
  } catch {
    return undefined
  }
}

/** The agent id kept in the state dir: read, or made and written once. */
export async function agentId (stateDir: string): Promise<string> {
  const path = join(stateDir, AGENT_ID_FILE)
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${path}: ${(err as Error).message}`)
  }
  if (text !== undefined) {
    const id = text.trim()
    if (!UUID.test(id)) throw new Error(`${path} does not hold a UUID (remove it to have a new agent id made)`)
    return id
  }
  const id = randomUUID()
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, id + '\n', { mode: 0o644 })
  await rename(tmp, path)
  return id
}
