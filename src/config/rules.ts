/**
 * The checks the schema cannot express, on a configuration that passed the schema: absolute
 * paths, files that must differ, TLS pairs, headers an http sink may not set, where each
 * secret comes from, distinct sink names, the listen address. Pure: issues as values.
 */
import { isAbsolute, normalize } from 'node:path'
import { parseListen } from './listen.js'
import { fleetIssues } from './fleet.js'
import type { Config, ConfigIssue, SinkConfig } from './types.js'

/** Headers an http sink may not set: the connection's own, and those auditship sets. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'content-encoding', 'content-type', 'te', 'trailer', 'proxy-connection'])

type Abs = (path: string, v: string | null) => boolean

export function crossFieldIssues (c: Config): ConfigIssue[] {
  const out: ConfigIssue[] = []
  const abs: Abs = (path, v) => {
    if (v === null || isAbsolute(v)) return true
    out.push({ path, message: `must be an absolute path (got ${JSON.stringify(v)})` })
    return false
  }
  const sourceOk = !c.source.stdin && abs('source.path', c.source.path)
  abs('state_dir', c.state_dir)
  abs('delivery.dead_letter_path', c.delivery.dead_letter_path)
  if (c.enrich.resolve_ids.enabled) {
    abs('enrich.resolve_ids.passwd', c.enrich.resolve_ids.passwd)
    abs('enrich.resolve_ids.group', c.enrich.resolve_ids.group)
  }
  distinctFiles(c, sourceOk, abs, out)
  c.sinks.forEach((s, i) => { netSink(s, `sinks[${i}]`, abs, out) })
  const names = new Map<string, number>()
  c.sinks.forEach((s, i) => {
    const j = names.get(s.name)
    if (j !== undefined) out.push({ path: `sinks[${i}].name`, message: `"${s.name}" is already the name of sinks[${j}]` })
    else names.set(s.name, i)
  })
  if (c.server.auth_token_file !== null && !isAbsolute(c.server.auth_token_file)) out.push({ path: 'server.auth_token_file', message: `must be an absolute path (got "${c.server.auth_token_file}")` })
  const l = parseListen(c.server.listen)
  if (typeof l === 'string') out.push({ path: 'server.listen', message: l })
  out.push(...fleetIssues(c))
  return out
}

/** A file sink must not write the log being read, nor the file of another file sink. */
function distinctFiles (c: Config, sourceOk: boolean, abs: Abs, out: ConfigIssue[]): void {
  const files = new Map<string, string>()
  if (sourceOk) files.set(normalize(c.source.path), 'source.path')
  c.sinks.forEach((s, i) => {
    if (s.type !== 'file') return
    const key = `sinks[${i}].path`
    if (!abs(key, s.path)) return
    const other = files.get(normalize(s.path))
    if (other !== undefined) out.push({ path: key, message: other === 'source.path' ? 'is the audit log being read (source.path): events would be read back' : `is the same file as ${other}` })
    else files.set(normalize(s.path), key)
  })
}

/** TLS files, headers, retry bounds and secrets of an elasticsearch, splunk_hec or http sink. */
function netSink (s: SinkConfig, at: string, abs: Abs, out: ConfigIssue[]): void {
  if (s.type !== 'elasticsearch' && s.type !== 'splunk_hec' && s.type !== 'http') return
  const tls = s.tls
  for (const k of ['ca_file', 'cert_file', 'key_file'] as const) abs(`${at}.tls.${k}`, tls[k])
  if ((tls.cert_file === null) !== (tls.key_file === null)) out.push({ path: `${at}.tls.${tls.cert_file === null ? 'cert_file' : 'key_file'}`, message: `is required with tls.${tls.cert_file === null ? 'key_file' : 'cert_file'} (a client certificate needs its key)` })
  if (s.type === 'http') {
    for (const [k, v] of Object.entries(s.headers)) {
      const key = `${at}.headers["${k}"]`
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) out.push({ path: key, message: 'is not a valid header name' })
      else if (HOP_HEADERS.has(k.toLowerCase())) out.push({ path: key, message: 'is set by auditship itself' })
      else if (k.toLowerCase() === 'authorization') out.push({ path: key, message: 'is a secret: use auth (read from a file or the environment)' })
      if (/[\x00-\x08\x0a-\x1f\x7f]/.test(v)) out.push({ path: key, message: 'must not contain control characters (line breaks)' })
    }
  }
  if (s.retry.initial_backoff_ms > s.retry.max_backoff_ms) out.push({ path: `${at}.retry.initial_backoff_ms`, message: `must not exceed retry.max_backoff_ms (${s.retry.max_backoff_ms})` })
  if (s.type === 'splunk_hec') {
    secretChoice(out, at, 'token', s.token_file, s.token_env, true, abs)
    return
  }
  const a = s.auth
  const kinds = s.type === 'elasticsearch' ? ['password', 'api_key', 'token'] as const : ['password', 'token'] as const
  const needed = { none: undefined, basic: 'password', api_key: 'api_key', bearer: 'token' }[a.type]
  if (a.type === 'basic' && a.username === null) out.push({ path: `${at}.auth.username`, message: 'is required with auth.type basic' })
  if (a.type !== 'basic' && a.username !== null) out.push({ path: `${at}.auth.username`, message: `is only used with auth.type basic (auth.type is ${a.type})` })
  for (const k of kinds) {
    const r = a as unknown as Record<string, string | null>
    secretChoice(out, `${at}.auth`, k, r[`${k}_file`], r[`${k}_env`], k === needed, abs, a.type)
  }
}

/**
 * A secret comes from exactly one of `<name>_file` and `<name>_env` when `needed`, and from
 * neither when not (a secret given for another auth type is a mistake worth naming).
 */
function secretChoice (out: ConfigIssue[], at: string, name: string, file: string | null, env: string | null, needed: boolean, abs: Abs, authType?: string): void {
  const f = `${at}.${name}_file`
  const e = `${at}.${name}_env`
  if (!needed) {
    for (const [k, v] of [[f, file], [e, env]] as const) if (v !== null) out.push({ path: k, message: `is only used with auth.type ${name === 'password' ? 'basic' : name === 'api_key' ? 'api_key' : 'bearer'} (auth.type is ${authType ?? 'none'})` })
    return
  }
  if (file === null && env === null) out.push({ path: f, message: `is required${authType === undefined ? '' : ` with auth.type ${authType}`} (or ${name}_env)` })
  else if (file !== null && env !== null) out.push({ path: e, message: `give ${name}_file or ${name}_env, not both` })
  else if (file !== null) abs(f, file)
  else if (env === '') out.push({ path: e, message: 'must name an environment variable' })
}
