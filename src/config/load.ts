/**
 * Load and validate the daemon's configuration once at start (schemas/config.schema.json is
 * the source of truth), fill the defaults from the schema, check what the schema cannot
 * express, then freeze it. Never throws: a bad config comes back as a list of issues, each
 * with the path of the bad key and why, so the operator can fix them all in one go.
 *
 * Paths of keys are written `sinks[0].batch.max_events`; `(root)` is the document itself,
 * `(file)` the file, `(syntax)` a YAML/JSON syntax error (the message starts with its line
 * and column).
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute, normalize } from 'node:path'
import { isIP } from 'node:net'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { LineCounter, parseDocument } from 'yaml'
import { schemaPath } from '../paths.js'
import type { AuditshipConfig } from './types.generated.js'

type DeepRequired<T> = T extends Array<infer U> ? ReadonlyArray<DeepRequired<U>> : T extends object ? { readonly [K in keyof T]-?: DeepRequired<T[K]> } : T
/** The configuration with every default filled in (and every sink named), read-only. */
export type Config = DeepRequired<AuditshipConfig>

export interface ConfigIssue {
  /** the bad key, e.g. `sinks[0].path`; `(root)`, `(file)` or `(syntax)` when it is not one key */
  path: string
  message: string
}

export type ConfigResult = { ok: true, config: Config } | { ok: false, errors: ConfigIssue[] }

interface Compiled { validate: ValidateFunction, sinkTypes: string[], schema: JsonObject }
let compiledSchema: Compiled | undefined

type JsonObject = Record<string, unknown>
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * Draft-07 gives no default to a property that is a bare `$ref`, and ajv only fills a
 * property's own `default`: copy the referenced definition's default beside each such `$ref`
 * (in memory; the file keeps bare `$ref`s so the generated types share one name).
 */
function defaultsThroughRefs (schema: JsonObject): void {
  const defs = (schema.definitions ?? {}) as Record<string, JsonObject>
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(walk); return }
    if (!isObject(node)) return
    const ref = node.$ref
    if (typeof ref === 'string' && ref.startsWith('#/definitions/') && !('default' in node)) {
      const target = defs[ref.slice('#/definitions/'.length)]
      if (target !== undefined && 'default' in target) node.default = structuredClone(target.default)
    }
    for (const v of Object.values(node)) walk(v)
  }
  walk(schema)
}

async function compiled (): Promise<Compiled> {
  if (compiledSchema === undefined) {
    const schema = JSON.parse(await readFile(schemaPath('config.schema.json'), 'utf8')) as JsonObject
    defaultsThroughRefs(schema)
    // discriminator: ajv picks the oneOf branch by `type`, reports only that branch's
    // errors, and fills that branch's defaults; verbose: the failing schema and data, for
    // the messages below
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, discriminator: true, verbose: true })
    const sinkItems = ((schema.properties as JsonObject).sinks as JsonObject).items as JsonObject
    const sinkTypes = ((sinkItems.properties as JsonObject).type as { enum: string[] }).enum
    compiledSchema = { validate: ajv.compile(schema), sinkTypes, schema }
  }
  return compiledSchema
}

/** `['sinks', 0, 'path']` → `sinks[0].path` (keys that are not plain names are quoted: `a["x y"]`) */
export function keyPath (parts: ReadonlyArray<string | number>): string {
  let out = ''
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(p)) out += out === '' ? p : `.${p}`
    else out += `[${JSON.stringify(p)}]`
  }
  return out === '' ? '(root)' : out
}

/** ajv's instancePath (a JSON pointer) → its parts */
function pointerParts (pointer: string): Array<string | number> {
  if (pointer === '') return []
  return pointer.slice(1).split('/').map((s) => {
    const key = s.replaceAll('~1', '/').replaceAll('~0', '~')
    return /^(0|[1-9]\d*)$/.test(key) ? Number(key) : key
  })
}

/** A value as the operator wrote it, short. */
function shown (v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  const s = JSON.stringify(v) ?? String(v)
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer', number: 'a number', string: 'a string', boolean: 'a boolean (true or false)',
  object: 'a mapping of keys', array: 'a list', null: 'null',
}

function typeText (t: unknown): string {
  const list = Array.isArray(t) ? t : [t]
  return list.map((x) => TYPE_NAMES[String(x)] ?? String(x)).join(' or ')
}

/** Levenshtein distance, for "did you mean". */
function distance (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]
}

function unknownKeyMessage (key: string, known: string[]): string {
  let best: string | undefined
  let bestD = Infinity
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase())
    if (d < bestD) { best = k; bestD = d }
  }
  if (best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3))) return `unknown key "${key}" (did you mean "${best}"?)`
  return known.length > 0 ? `unknown key "${key}" (known keys: ${known.join(', ')})` : `unknown key "${key}"`
}

function describe (e: ErrorObject, sinkTypes: string[]): ConfigIssue | undefined {
  const at = pointerParts(e.instancePath)
  const p = e.params as Record<string, unknown>
  const got = ` (got ${shown(e.data)})`
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty)
      const known = Object.keys(((e.parentSchema as JsonObject | undefined)?.properties ?? {}) as JsonObject)
      return { path: keyPath([...at, key]), message: unknownKeyMessage(key, known) }
    }
    case 'required':
      return { path: keyPath([...at, String(p.missingProperty)]), message: 'is required' }
    case 'enum':
      return { path: keyPath(at), message: `must be one of ${(p.allowedValues as unknown[]).map((v) => typeof v === 'string' ? v : JSON.stringify(v)).join(', ')}${got}` }
    case 'const':
      return { path: keyPath(at), message: `must be ${shown(p.allowedValue)}${got}` }
    case 'type':
      return { path: keyPath(at), message: `must be ${typeText(p.type)}${got}` }
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return { path: keyPath(at), message: `must be ${String(p.comparison)} ${String(p.limit)}${got}` }
    case 'minItems':
      return { path: keyPath(at), message: p.limit === 1 ? 'must list at least one entry' : `must list at least ${String(p.limit)} entries` }
    case 'minLength':
      return { path: keyPath(at), message: p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters long` }
    case 'discriminator': {
      // `type` missing is reported by `required`, and a `type` outside the list by `enum`
      // (both on the sink items): say the same thing here, it is de-duplicated
      const path = keyPath([...at, 'type'])
      if (p.error === 'mapping') return { path, message: `must be one of ${sinkTypes.join(', ')} (got ${shown(p.tagValue)})` }
      const tag = isObject(e.data) ? e.data.type : undefined
      return tag === undefined ? { path, message: 'is required' } : { path, message: `must be one of ${sinkTypes.join(', ')} (got ${shown(tag)})` }
    }
    case 'pattern': {
      // the schema's description of the value says what is wanted better than a regex
      const d = (e.parentSchema as JsonObject | undefined)?.description
      // and a URL's credentials are not echoed back
      const value = typeof e.data === 'string' ? ` (got ${shown(e.data.replace(/\/\/[^/@]*@/, '//***@'))})` : got
      return { path: keyPath(at), message: `${typeof d === 'string' ? `must be ${d.replace(/\.$/, '').replace(/`/g, '')}` : `must match ${String(p.pattern)}`}${value}` }
    }
    case 'oneOf': case 'anyOf': case 'if':
      // a summary of errors reported one by one already
      return undefined
    default:
      return { path: keyPath(at), message: e.message ?? e.keyword }
  }
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** `host:port` or `[ipv6]:port` (port 1-65535) → its parts, or why not. */
export function parseListen (s: string): { host: string, port: number } | string {
  let host: string
  let portText: string
  if (s.startsWith('[')) {
    const close = s.indexOf(']')
    if (close < 0 || s[close + 1] !== ':') return `"${s}" is not [ipv6]:port, e.g. [::1]:9477`
    host = s.slice(1, close)
    if (isIP(host) !== 6) return `"${host}" is not an IPv6 address`
    portText = s.slice(close + 2)
  } else {
    const colon = s.lastIndexOf(':')
    if (colon < 0) return `"${s}" is not host:port, e.g. 127.0.0.1:9477`
    host = s.slice(0, colon)
    portText = s.slice(colon + 1)
    if (host === '') return `"${s}" has no host: use host:port, e.g. 127.0.0.1:9477 (0.0.0.0 for every interface)`
    if (host.includes(':')) return `"${s}": an IPv6 address goes in brackets, e.g. [::1]:9477`
    if (isIP(host) !== 4 && !HOST_NAME.test(host)) return `"${host}" is not a host name or IPv4 address`
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return `port must be 1-65535 (got "${portText}")`
  return { host, port: Number(portText) }
}

/** Headers an http sink may not set: the connection's own, and those auditship sets. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'content-encoding', 'content-type', 'te', 'trailer', 'proxy-connection'])

type MutableSink = { type: string, name?: string, path?: string }

/** The checks the schema cannot express, on a config that passed the schema. */
function semantic (c: Config): ConfigIssue[] {
  const out: ConfigIssue[] = []
  const abs = (path: string, v: string | null): boolean => {
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
  c.sinks.forEach((s, i) => {
    if (s.type !== 'elasticsearch' && s.type !== 'splunk_hec' && s.type !== 'http') return
    const at = `sinks[${i}]`
    const tls = s.tls
    for (const k of ['ca_file', 'cert_file', 'key_file'] as const) abs(`${at}.tls.${k}`, tls[k])
    if ((tls.cert_file === null) !== (tls.key_file === null)) out.push({ path: `${at}.tls.${tls.cert_file === null ? 'cert_file' : 'key_file'}`, message: `is required with tls.${tls.cert_file === null ? 'key_file' : 'cert_file'} (a client certificate needs its key)` })
    if (s.type === 'http') {
      for (const [k, v] of Object.entries(s.headers)) {
        const key = `${at}.headers["${k}"]`
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) out.push({ path: key, message: 'is not a valid header name' })
        else if (HOP_HEADERS.has(k.toLowerCase())) out.push({ path: key, message: 'is set by auditship itself' })
        else if (k.toLowerCase() === 'authorization') out.push({ path: key, message: 'is a secret: use auth (read from a file or the environment)' })
        // eslint-disable-next-line no-control-regex
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
  })
  const names = new Map<string, number>()
  c.sinks.forEach((s, i) => {
    const j = names.get(s.name)
    if (j !== undefined) out.push({ path: `sinks[${i}].name`, message: `"${s.name}" is already the name of sinks[${j}]` })
    else names.set(s.name, i)
  })
  if (c.server.auth_token_file !== null && !isAbsolute(c.server.auth_token_file)) out.push({ path: 'server.auth_token_file', message: `must be an absolute path (got "${c.server.auth_token_file}")` })
  const l = parseListen(c.server.listen)
  if (typeof l === 'string') out.push({ path: 'server.listen', message: l })
  return out
}

/**
 * A secret comes from exactly one of `<name>_file` and `<name>_env` when `needed`, and from
 * neither when not (a secret given for another auth type is a mistake worth naming).
 */
function secretChoice (out: ConfigIssue[], at: string, name: string, file: string | null, env: string | null, needed: boolean, abs: (path: string, v: string | null) => boolean, authType?: string): void {
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

/**
 * The keys of every mapping in the order of the schema (ajv appends the defaults it fills
 * after the keys given), so that --print reads like the schema and the example.
 */
function inSchemaOrder (value: unknown, schemaNode: JsonObject | undefined, root: JsonObject): unknown {
  if (schemaNode === undefined) return value
  const resolve = (n: JsonObject): JsonObject => {
    const ref = n.$ref
    return typeof ref === 'string' && ref.startsWith('#/definitions/') ? ((root.definitions as JsonObject)[ref.slice(14)] as JsonObject) : n
  }
  let node = resolve(schemaNode)
  if (Array.isArray(value)) return value.map((v) => inSchemaOrder(v, node.items as JsonObject | undefined, root))
  if (!isObject(value)) return value
  if (Array.isArray(node.oneOf)) {
    // the sink branch whose `type` matches
    const branch = (node.oneOf as JsonObject[]).map(resolve).find((b) => ((b.properties as JsonObject | undefined)?.type as JsonObject | undefined)?.const === value.type)
    if (branch !== undefined) node = branch
  }
  const props = (node.properties ?? {}) as Record<string, JsonObject>
  const out: JsonObject = {}
  for (const k of Object.keys(props)) if (k in value) out[k] = inSchemaOrder(value[k], props[k], root)
  for (const k of Object.keys(value)) if (!(k in out)) out[k] = value[k]
  return out
}

function deepFreeze<T> (o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o)
    for (const v of Object.values(o)) deepFreeze(v)
  }
  return o
}

function dedupe (issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const k = `${i.path}\n${i.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** Validate an already-parsed document (a copy is taken; the argument is not changed). */
export async function checkConfig (doc: unknown): Promise<ConfigResult> {
  if (doc === null || doc === undefined) return { ok: false, errors: [{ path: '(root)', message: 'the configuration is empty: it needs at least "sinks"' }] }
  if (!isObject(doc)) return { ok: false, errors: [{ path: '(root)', message: `must be a mapping of keys (YAML) or an object (JSON) (got ${shown(doc)})` }] }
  let compiledNow: Compiled
  try {
    compiledNow = await compiled()
  } catch (err) {
    return { ok: false, errors: [{ path: '(schema)', message: `cannot load ${schemaPath('config.schema.json')}: ${(err as Error).message}` }] }
  }
  const { validate, sinkTypes, schema } = compiledNow
  const data = structuredClone(doc)
  if (!validate(data)) {
    const errs = validate.errors ?? []
    // a value of the wrong type: say that only, not also that it is out of range etc.
    const wrongType = new Set(errs.filter((e) => e.keyword === 'type').map((e) => e.instancePath))
    const issues = errs
      .filter((e) => e.keyword === 'type' || !wrongType.has(e.instancePath))
      .map((e) => describe(e, sinkTypes))
      .filter((i): i is ConfigIssue => i !== undefined)
    return { ok: false, errors: dedupe(issues) }
  }
  const sinks = data.sinks as MutableSink[]
  sinks.forEach((s, i) => { s.name ??= `${s.type}-${i}` })
  const c = inSchemaOrder(data, schema, schema) as Config
  const errors = semantic(c)
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: deepFreeze(c) }
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
}

/** Read, parse (YAML, so JSON too) and validate the configuration file at `path`. */
export async function loadConfig (path: string): Promise<ConfigResult> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why = e.code !== undefined ? `${READ_ERRORS[e.code] ?? e.message} (${e.code})` : e.message
    return { ok: false, errors: [{ path: '(file)', message: `cannot read ${path}: ${why}` }] }
  }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0])
        return { path: '(syntax)', message: `line ${line}, column ${col}: ${e.message.split('\n')[0]}` }
      }),
    }
  }
  let js: unknown
  try {
    js = doc.toJS()
  } catch (err) {
    // e.g. an alias expanding too much
    return { ok: false, errors: [{ path: '(syntax)', message: (err as Error).message }] }
  }
  return await checkConfig(js)
}
