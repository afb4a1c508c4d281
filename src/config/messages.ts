/**
 * What the operator reads when the configuration is wrong: ajv's errors turned into one line
 * per bad key (`sinks[0].path: is required`), with the value given, the allowed values, and a
 * "did you mean" for a misspelt key. Pure functions.
 */
import type { ErrorObject } from 'ajv'
import { isObject } from './json.js'
import type { ConfigIssue } from './types.js'
import { maskUrlCredentials } from '../telemetry/redact.js'

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
export function shown (v: unknown): string {
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

/**
 * The candidate `word` is most likely a misspelling of (case ignored), for "did you mean";
 * undefined when none is close enough (at most a third of its letters differ).
 */
export function closest (word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const k of candidates) {
    const d = distance(word.toLowerCase(), k.toLowerCase())
    if (d < bestD) { best = k; bestD = d }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined
}

function unknownKeyMessage (key: string, known: string[]): string {
  const best = closest(key, known)
  if (best !== undefined) return `unknown key "${key}" (did you mean "${best}"?)`
  return known.length > 0 ? `unknown key "${key}" (known keys: ${known.join(', ')})` : `unknown key "${key}"`
}

function describe (e: ErrorObject, sinkTypes: readonly string[]): ConfigIssue | undefined {
  const at = pointerParts(e.instancePath)
  const p = e.params as Record<string, unknown>
  const got = ` (got ${shown(e.data)})`
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty)
      const known = Object.keys(e.parentSchema?.properties ?? {})
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
      const d = e.parentSchema?.description
      // and a URL's credentials are not echoed back
      const value = typeof e.data === 'string' ? ` (got ${shown(maskUrlCredentials(e.data))})` : got
      return { path: keyPath(at), message: `${typeof d === 'string' ? `must be ${d.replace(/\.$/, '').replace(/`/g, '')}` : `must match ${String(p.pattern)}`}${value}` }
    }
    case 'oneOf': case 'anyOf': case 'if':
      // a summary of errors reported one by one already
      return undefined
    default:
      return { path: keyPath(at), message: e.message ?? e.keyword }
  }
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

/** ajv's errors (compiled with `verbose`) → one issue per bad key, in ajv's order. */
export function schemaIssues (errors: readonly ErrorObject[], sinkTypes: readonly string[]): ConfigIssue[] {
  // a value of the wrong type: say that only, not also that it is out of range etc.
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath))
  const issues = errors
    .filter((e) => e.keyword === 'type' || !wrongType.has(e.instancePath))
    .map((e) => describe(e, sinkTypes))
    .filter((i): i is ConfigIssue => i !== undefined)
  return dedupe(issues)
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
}

/**
 * Why a file operation failed, in words with the code once: `no such file (ENOENT)`, or
 * Node's message (which starts with the code) for the rarer ones.
 */
export function errnoText (err: unknown): string {
  const e = err as NodeJS.ErrnoException
  if (e.code === undefined) return e.message
  const words = FILE_ERRORS[e.code]
  if (words !== undefined) return `${words} (${e.code})`
  // "EROFS: read-only file system, open '/x'" → "read-only file system (EROFS)"
  const m = /^[A-Z0-9]+: ([^,]+)/.exec(e.message)
  return m !== null ? `${m[1]} (${e.code})` : e.message.includes(e.code) ? e.message : `${e.message} (${e.code})`
}

/** `cannot read PATH: no such file (ENOENT)`: a file the configuration names could not be read. */
export function cannotRead (path: string, err: unknown): string {
  return `cannot read ${path}: ${errnoText(err)}`
}
