/**
 * The defaults of every option, read from the schema (the only place they are written), for
 * the commands that take no configuration file (convert, search, doctor) and so that help
 * texts state them. The same values ajv fills in (a test keeps the two equal), without
 * compiling a validator: convert starts fast.
 */
import { configSchema, resolve } from './schema.js'
import { deepFreeze, isObject, type JsonObject } from './json.js'
import type { Config } from './types.js'

/** Every section but `sinks` (which has no default). */
export type ConfigDefaults = Omit<Config, 'sinks'>

let cached: ConfigDefaults | undefined

export function configDefaults (): ConfigDefaults {
  if (cached === undefined) {
    const root = configSchema()
    cached = deepFreeze(fill(root, root) as ConfigDefaults)
  }
  return cached
}

/**
 * What ajv's `useDefaults` makes of a missing key: its default, and, for a mapping, its
 * properties' defaults filled into it. undefined when the key has no default at all.
 */
function fill (node: JsonObject, root: JsonObject): unknown {
  const n = resolve(root, node)
  const own = 'default' in node ? node.default : n.default
  if (!isObject(n.properties)) return structuredClone(own)
  if (own === undefined && n !== root) return undefined
  const out: JsonObject = isObject(own) ? structuredClone(own) : {}
  for (const [k, p] of Object.entries(n.properties as Record<string, JsonObject>)) {
    if (k in out) continue
    const v = fill(p, root)
    if (v !== undefined) out[k] = v
  }
  return out
}
