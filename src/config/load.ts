/**
 * Load and validate the daemon's configuration once at start (schemas/config.schema.json),
 * with defaults from the schema, then freeze it. Never throws: a bad config comes back as a
 * list of issues, each with the path of the bad key and why, so the operator can fix it.
 */
import { readFile } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import { isIP } from 'node:net'
import { Ajv, type ErrorObject } from 'ajv'
import { parseDocument } from 'yaml'
import { schemaPath } from '../paths.js'
import type { AuditshipConfig } from './types.generated.js'

type DeepRequired<T> = T extends Array<infer U> ? Array<DeepRequired<U>> : T extends object ? { readonly [K in keyof T]-?: DeepRequired<T[K]> } : T
/** The configuration with every default filled in. */
export type Config = DeepRequired<AuditshipConfig>

export interface ConfigIssue {
  /** the key, e.g. `sinks[0].path` (`(root)` for the document itself) */
  path: string
  message: string
}

export type ConfigResult = { ok: true, config: Config } | { ok: false, errors: ConfigIssue[] }

type Validate = ReturnType<Ajv['compile']>
let validators: { config: Validate, sinks: Record<string, Validate> } | undefined

async function compiled (): Promise<{ config: Validate, sinks: Record<string, Validate> }> {
  if (validators === undefined) {
    const schema = JSON.parse(await readFile(schemaPath('config.schema.json'), 'utf8'))
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, discriminator: true })
    const config = ajv.compile(schema)
    // ajv does not fill defaults inside oneOf branches: each sink is run through its own
    // definition again to get them
    const sinks: Record<string, Validate> = {}
    for (const t of ['file', 'stdout', 'blackhole']) sinks[t] = ajv.compile({ $ref: `${schema.$id as string}#/definitions/${t}_sink` })
    validators = { config, sinks }
  }
  return validators
}

/** `/sinks/0/path` → `sinks[0].path` */
function dotted (pointer: string): string {
  if (pointer === '') return '(root)'
  let out = ''
  for (const part of pointer.slice(1).split('/')) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~')
    out += /^\d+$/.test(key) ? `[${key}]` : (out === '' ? key : `.${key}`)
  }
  return out
}

function describe (e: ErrorObject): ConfigIssue {
  const at = dotted(e.instancePath)
  const p = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: at === '(root)' ? String(p.additionalProperty) : `${at}.${String(p.additionalProperty)}`, message: 'unknown key' }
    case 'required':
      return { path: at === '(root)' ? String(p.missingProperty) : `${at}.${String(p.missingProperty)}`, message: 'is required' }
    case 'enum':
      return { path: at, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` }
    case 'discriminator':
      return { path: `${at}.type`, message: p.error === 'mapping' ? 'must be one of "file", "stdout", "blackhole"' : 'is required' }
    default:
      return { path: at, message: e.message ?? e.keyword }
  }
}

/** `host:port` or `[v6]:port` → parts, or an error message. */
export function parseListen (s: string): { host: string, port: number } | string {
  let host: string
  let portText: string
  if (s.startsWith('[')) {
    const close = s.indexOf(']')
    if (close < 0 || s[close + 1] !== ':') return `"${s}" is not host:port or [ipv6]:port`
    host = s.slice(1, close)
    if (isIP(host) !== 6) return `"${host}" is not an IPv6 address`
    portText = s.slice(close + 2)
  } else {
    const colon = s.lastIndexOf(':')
    if (colon <= 0) return `"${s}" is not host:port`
    host = s.slice(0, colon)
    portText = s.slice(colon + 1)
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return `port "${portText}" must be 1-65535`
  return { host, port: Number(portText) }
}

function semantic (c: Config): ConfigIssue[] {
  const out: ConfigIssue[] = []
  const abs = (path: string, v: string | null): void => { if (v !== null && !isAbsolute(v)) out.push({ path, message: `must be an absolute path, got "${v}"` }) }
  if (!c.source.stdin) abs('source.path', c.source.path)
  abs('state_dir', c.state_dir)
  abs('delivery.dead_letter_path', c.delivery.dead_letter_path)
  c.sinks.forEach((s, i) => { if (s.type === 'file') abs(`sinks[${i}].path`, s.path) })
  const l = parseListen(c.server.listen)
  if (typeof l === 'string') out.push({ path: 'server.listen', message: l })
  if (c.server.enabled) out.push({ path: 'server.enabled', message: 'the health/metrics server is not available in this version; leave it false' })
  const names = new Set<string>()
  c.sinks.forEach((s, i) => {
    const n = s.name ?? `${s.type}-${i}`
    if (names.has(n)) out.push({ path: `sinks[${i}].name`, message: `duplicate sink name "${n}"` })
    names.add(n)
  })
  return out
}

function deepFreeze<T> (o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v)
    Object.freeze(o)
  }
  return o
}

/** Validate an already-parsed document (tests, --print). */
export async function checkConfig (doc: unknown): Promise<ConfigResult> {
  const { config: v, sinks } = await compiled()
  const data = structuredClone(doc)
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { ok: false, errors: [{ path: '(root)', message: 'must be a mapping of keys (YAML) or an object (JSON)' }] }
  if (!v(data)) {
    const seen = new Set<string>()
    const errors = (v.errors ?? []).map(describe).filter((i) => { const k = `${i.path}|${i.message}`; if (seen.has(k)) return false; seen.add(k); return true })
    return { ok: false, errors }
  }
  const c = data as Config
  for (const s of c.sinks) {
    // `batch` is a $ref, and draft-07 ignores a default beside a $ref: start from {} here
    ;(s as { batch?: object }).batch ??= {}
    sinks[s.type](s)
  }
  const errors = semantic(c)
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: deepFreeze(c) }
}

export async function loadConfig (path: string): Promise<ConfigResult> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    return { ok: false, errors: [{ path: '(file)', message: `cannot read ${path}: ${e.code ?? e.message}` }] }
  }
  const doc = parseDocument(text, { prettyErrors: false })
  if (doc.errors.length > 0) {
    return { ok: false, errors: doc.errors.map((e) => ({ path: '(syntax)', message: `line ${e.linePos?.[0].line ?? '?'}, column ${e.linePos?.[0].col ?? '?'}: ${e.message.split('\n')[0]}` })) }
  }
  return await checkConfig(doc.toJS())
}
