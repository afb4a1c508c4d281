/**
 * Identity on every event (docs/design.md §3.4): where it comes from (host.*), who shipped it
 * (agent.*), the ECS version, the data set and data stream, service.type, the static fields of
 * enrich.fields, and in `run` where its first record was read (log.file.path, log.offset).
 *
 * MUST be pure: the host's facts are read once at start (host.ts) and given here.
 * MUST take host.name from the records' node= when they have one; host.hostname and host.id
 *      describe the machine auditship runs on, so they are left out when node= names another
 *      host (a log aggregated by audisp-remote).
 * SHOULD allocate little per event: the parts that are the same for every event are shared
 *      (documents are serialized right after and never changed in place later).
 */
import type { AuditshipEvent } from '../event/types.js'

export const ECS_VERSION = '8.11.0'
export const DATASET = 'auditship'

export interface HostFacts {
  /** host.name without node=, and agent.name: configured host.name, AUDITSHIP_HOST_NAME, or the machine's */
  name: string
  /** the machine's host name (AUDITSHIP_HOST_NAME in a pod, else the kernel's) */
  hostname: string
  /** /etc/machine-id, when readable */
  id?: string
  /** auditship's version */
  version: string
  /** <state_dir>/agent-id (run only) */
  agentId?: string
  /** data_stream.namespace */
  namespace: string
}

/** Static fields (enrich.fields), checked at config load: dotted path → value. */
export type StaticFields = ReadonlyArray<readonly [path: readonly string[], value: string]>

type Host = NonNullable<AuditshipEvent['host']>

export class IdentityStamp {
  private readonly localHost: Host
  private readonly agent: NonNullable<AuditshipEvent['agent']>
  private readonly ecs = { version: ECS_VERSION } as const
  private readonly dataStream: NonNullable<AuditshipEvent['data_stream']>
  private readonly service: NonNullable<AuditshipEvent['service']>
  private readonly labels: Record<string, string> | undefined
  /** names under which node= means this machine */
  private readonly selfNames: Set<string>

  constructor (private readonly h: HostFacts, fields: StaticFields = []) {
    this.localHost = { name: h.name, hostname: h.hostname, ...(h.id === undefined ? {} : { id: h.id }) }
    this.agent = { type: 'auditship', name: h.name, version: h.version, ...(h.agentId === undefined ? {} : { id: h.agentId }) }
    this.dataStream = { type: 'logs', dataset: DATASET, namespace: h.namespace }
    const service: Record<string, string> = { type: 'auditd' }
    let labels: Record<string, string> | undefined
    for (const [path, value] of fields) {
      if (path[0] === 'labels') (labels ??= {})[path[1]] = value
      else if (path[0] === 'service') service[path[1]] = value
    }
    this.service = service
    this.labels = labels
    const short = (s: string): string => s.split('.', 1)[0]
    this.selfNames = new Set([h.name, h.hostname, short(h.name), short(h.hostname)])
  }

  /** Stamp one document; `at`: the file and offset of its first record (run, from a file). */
  apply (doc: AuditshipEvent, at?: { path: string, offset: number }): void {
    const node = doc.auditd.node
    doc.host = node === undefined || node === '' ? this.localHost
      : this.selfNames.has(node) ? { ...this.localHost, name: node } : { name: node }
    doc.agent = this.agent
    doc.ecs = this.ecs
    doc.event.dataset = DATASET
    doc.data_stream = this.dataStream
    doc.service = this.service
    if (at !== undefined) doc.log = { file: { path: at.path }, offset: at.offset }
    if (this.labels !== undefined) doc.labels = this.labels
  }
}

/**
 * data_stream.namespace: that of the first elasticsearch sink writing to a data stream named
 * logs-auditship-<namespace>, else `default`.
 */
export function namespaceOf (dataStreams: ReadonlyArray<string | null>): string {
  for (const ds of dataStreams) {
    const m = ds === null ? null : /^logs-auditship-([a-z0-9_]{1,100})$/.exec(ds)
    if (m !== null) return m[1]
  }
  return 'default'
}
