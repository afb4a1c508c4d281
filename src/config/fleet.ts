/**
 * The checks of the fleet options the schema cannot express (docs/design.md §3.4, §3.5):
 * - enrich.fields: each static field (nested mappings read as dotted paths) must name a place
 *   of the event schema (schemas/event.schema.json) under one of STATIC_ROOTS that auditship
 *   does not fill itself (not a `const`), and its value must be what the schema allows there;
 * - filter and label rules: names unique across both lists, at least one matcher each, record
 *   types auditd can write.
 * Pure but for reading the event schema once. Issues as values, with the exact path.
 */
import { readFileSync } from 'node:fs'
import { schemaPath } from '../paths.js'
import { recordTypeNumber } from '../audit/record-types.js'
import { hasNoMatcher } from '../enrich/rules.js'
import type { StaticFields } from '../enrich/identity.js'
import { isObject, type JsonObject } from './json.js'
import type { Config, ConfigIssue } from './types.js'

/** Where static fields may go: everything else in an event is filled from the records or by auditship. */
export const STATIC_ROOTS = ['labels', 'service'] as const

let eventSchema: JsonObject | undefined

function schema (): JsonObject {
  eventSchema ??= JSON.parse(readFileSync(schemaPath('event.schema.json'), 'utf8')) as JsonObject
  return eventSchema
}

function deref (node: unknown): JsonObject | undefined {
  let n = node
  for (let i = 0; i < 20 && isObject(n) && typeof n.$ref === 'string'; i++) {
    n = (schema().definitions as JsonObject)[n.$ref.replace('#/definitions/', '')]
  }
  return isObject(n) ? n : undefined
}

/** The event schema's node at a dotted path, undefined when it has none. */
function nodeAt (path: readonly string[]): JsonObject | undefined {
  let n: JsonObject | undefined = schema()
  for (const k of path) {
    if (n === undefined) return undefined
    const props = n.properties
    const next: unknown = isObject(props) && k in props ? props[k] : n.additionalProperties
    if (next === undefined || next === false || next === true) return undefined
    if (isObject(n.propertyNames) && typeof n.propertyNames.pattern === 'string' && !(isObject(props) && k in props) && !new RegExp(n.propertyNames.pattern).test(k)) return undefined
    n = deref(next)
  }
  return n
}

/** enrich.fields as [dotted path, value] pairs, nested mappings flattened. */
export function flattenFields (fields: Readonly<Record<string, unknown>>): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = []
  const walk = (prefix: string, v: unknown): void => {
    if (isObject(v)) for (const [k, x] of Object.entries(v)) walk(prefix === '' ? k : `${prefix}.${k}`, x)
    else out.push([prefix, v])
  }
  walk('', fields)
  return out
}

function staticFieldIssue (path: string, value: unknown): string | undefined {
  const parts = path.split('.')
  if (!(STATIC_ROOTS as readonly string[]).includes(parts[0])) {
    return nodeAt(parts) === undefined
      ? 'is not a field of the event schema (schemas/event.schema.json); static fields go under labels.<name>, service.name or service.environment'
      : 'is filled by auditship itself; static fields go under labels.<name>, service.name or service.environment'
  }
  const n = nodeAt(parts)
  if (n === undefined) return parts[0] === 'labels' ? 'must be labels.<name>, the name of letters, digits, _ and - (at most 64)' : `is not a field of the event schema (schemas/event.schema.json) under ${parts[0]}`
  if ('const' in n) return `is set by auditship itself (always ${JSON.stringify(n.const)})`
  if (n.type !== 'string') return `is not a single value (${String(n.type)}) in the event schema`
  if (typeof value !== 'string') return `must be a string (got ${JSON.stringify(value)})`
  if (typeof n.pattern === 'string' && !new RegExp(n.pattern).test(value)) return `must match ${n.pattern}`
  return undefined
}

export function fleetIssues (c: Config): ConfigIssue[] {
  const out: ConfigIssue[] = []
  for (const [path, value] of flattenFields(c.enrich.fields)) {
    const m = staticFieldIssue(path, value)
    if (m !== undefined) out.push({ path: `enrich.fields["${path}"]`, message: m })
  }
  const names = new Map<string, string>()
  for (const list of ['filter', 'label'] as const) {
    c[list].forEach((r, i) => {
      const at = `${list}[${i}]`
      const other = names.get(r.name)
      if (other !== undefined) out.push({ path: `${at}.name`, message: `"${r.name}" is already the name of ${other}` })
      else names.set(r.name, at)
      if (hasNoMatcher(r)) out.push({ path: at, message: `has no matcher (record_type, key, executable, uid, auid or success): it would ${list === 'filter' ? 'drop' : 'tag'} every event` })
      r.record_type?.forEach((t, j) => {
        if (recordTypeNumber(t) === undefined) out.push({ path: `${at}.record_type[${j}]`, message: `"${t}" is not a record type (a name such as SYSCALL, or UNKNOWN[<number>])` })
      })
    })
  }
  return out
}

/** enrich.fields, checked, for the identity stamp. */
export function staticFields (c: Config): StaticFields {
  return flattenFields(c.enrich.fields).map(([p, v]) => [p.split('.'), String(v)] as const)
}
