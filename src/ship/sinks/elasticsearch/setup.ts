/**
 * `auditship setup elasticsearch`: the ILM policy and the index or data-stream template of
 * deploy/elasticsearch that go with an elasticsearch sink's setting, installed through the
 * API with the sink's endpoints, TLS and credentials, like `filebeat setup`.
 *
 * MUST be idempotent: each object carries the SHA-256 of its body in `_meta.auditship_sha256`;
 *      one whose stored hash is the same is left alone (unchanged), another is PUT (created
 *      when the GET answered 404, else updated). Policies go before templates (a template
 *      naming a missing policy puts new indices in an ILM error).
 * MUST NOT put credentials in messages or in the printed requests.
 * SHOULD say when the sink's index or data stream does not match the template's patterns.
 */
import { createHash } from 'node:crypto'
import { readPackageJson } from '../../../paths.js'
import type { HttpClient, HttpResponse } from '../../http/client.js'
import type { SinkConfigOf } from '../factory.js'

export interface SetupRequest {
  /** what it is, for the report: `ILM policy auditship-daily` */
  what: string
  /** the API path: `/_ilm/policy/auditship-daily` */
  path: string
  /** the body to PUT, `_meta.auditship_sha256` included */
  body: Record<string, unknown>
  hash: string
}

export type SetupOutcome = 'created' | 'updated' | 'unchanged'

type Json = Record<string, unknown>

/** The object at `key` of a parsed JSON value, if it is one. */
function obj (v: unknown, key: string): Json | undefined {
  const o = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json)[key] : undefined
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? o as Json : undefined
}

const ASSETS = {
  index: { policy: ['auditship-daily', 'ilm-policy-daily.json'], template: ['auditship', 'index-template.json'] },
  data_stream: { policy: ['auditship', 'ilm-policy.json'], template: ['logs-auditship', 'data-stream-template.json'] },
} as const

/** `_meta` with the body's hash and our version: where a policy keeps it, and a template. */
function stamped (body: Json, metaHolder: Json, version: string): { body: Json, hash: string } {
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex')
  metaHolder._meta = { ...(metaHolder._meta as Json | undefined), auditship_sha256: hash, auditship_version: version }
  return { body, hash }
}

/** The requests for one elasticsearch sink: its ILM policy, then its template. */
export function setupPlan (c: SinkConfigOf<'elasticsearch'>): { requests: SetupRequest[], warnings: string[] } {
  const version = (readPackageJson('package.json') as { version: string }).version
  const set = c.data_stream !== null ? ASSETS.data_stream : ASSETS.index
  const policy = readPackageJson(`deploy/elasticsearch/${set.policy[1]}`) as Json
  const p = stamped(policy, policy.policy as Json, version)
  const template = readPackageJson(`deploy/elasticsearch/${set.template[1]}`) as Json
  const t = stamped(template, template, version)
  const warnings: string[] = []
  const target = c.data_stream ?? c.index.replace(/%[Ymd]/g, '2000')
  const patterns = template.index_patterns as string[]
  if (!patterns.some((g) => new RegExp(`^${g.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(target))) {
    warnings.push(`${c.name}: ${c.data_stream !== null ? `data_stream ${c.data_stream}` : `index ${c.index}`} does not match the template's index_patterns ${JSON.stringify(patterns)}: it will not apply (keep the auditship-/logs-auditship- prefix, or edit the template)`)
  }
  return {
    requests: [
      { what: `ILM policy ${set.policy[0]}`, path: `/_ilm/policy/${set.policy[0]}`, body: p.body, hash: p.hash },
      { what: `${c.data_stream !== null ? 'data stream' : 'index'} template ${set.template[0]}`, path: `/_index_template/${set.template[0]}`, body: t.body, hash: t.hash },
    ],
    warnings,
  }
}

/** The hash stored with the object a GET answered (undefined: not ours, or another shape). */
export function storedHash (path: string, res: HttpResponse): string | undefined {
  let doc: unknown
  try { doc = JSON.parse(res.body) } catch { return undefined }
  const name = path.split('/').pop() as string
  let meta: Json | undefined
  if (path.startsWith('/_ilm/')) meta = obj(obj(obj(doc, name), 'policy'), '_meta')
  else {
    const list = (doc as Json | null)?.index_templates
    const found = Array.isArray(list) ? (list as unknown[]).find((x) => (x as Json | null)?.name === name) : undefined
    meta = obj(obj(found, 'index_template'), '_meta')
  }
  const h = meta?.auditship_sha256
  return typeof h === 'string' ? h : undefined
}

/** Why an answer is a failure: its status and Elasticsearch's reason, without secrets. */
function failure (r: SetupRequest, method: string, res: HttpResponse, label: string): Error {
  let reason = res.body.slice(0, 300)
  try {
    const e = (JSON.parse(res.body) as Json | null)?.error
    const o = obj({ e }, 'e')
    reason = typeof e === 'string' ? e : o !== undefined ? `${String(o.type)}: ${String(o.reason)}` : reason
  } catch {}
  const hint = res.status === 401 || res.status === 403 ? ' (the credentials of the sink need the manage_ilm and manage_index_templates cluster privileges)' : ''
  return new Error(`${method} ${label}${r.path}: HTTP ${res.status}: ${reason}${hint}`)
}

/** Install each request in order; the first failure stops (later ones may depend on it). */
export async function applySetup (client: HttpClient, requests: SetupRequest[], report: (r: SetupRequest, o: SetupOutcome) => void): Promise<void> {
  const label = client.label(0)
  for (const r of requests) {
    const cur = await client.send({ method: 'GET', path: r.path, endpoint: 0 })
    if (cur.status !== 200 && cur.status !== 404) throw failure(r, 'GET', cur, label)
    if (cur.status === 200 && storedHash(r.path, cur) === r.hash) { report(r, 'unchanged'); continue }
    const put = await client.send({ method: 'PUT', path: r.path, body: Buffer.from(JSON.stringify(r.body)), contentType: 'application/json', endpoint: 0 })
    if (put.status < 200 || put.status > 299) throw failure(r, 'PUT', put, label)
    report(r, cur.status === 404 ? 'created' : 'updated')
  }
}
