/**
 * schemas/config.schema.json as data: read once, and the walks over it that validation,
 * defaults and printing share. The schema is the only place a default is written (its
 * validator, which fills them in, is generated from it: scripts/gen-validator.mjs).
 */
import { readPackageJson } from '../paths.js'
import { isObject, type JsonObject } from './json.js'

export const CONFIG_SCHEMA_FILE = 'config.schema.json'

let cached: JsonObject | undefined

/** The schema, read on first use (throws when the file cannot be read or parsed). Do not change it. */
export function configSchema (): JsonObject {
  if (cached === undefined) {
    cached = readPackageJson(`schemas/${CONFIG_SCHEMA_FILE}`) as JsonObject
  }
  return cached
}

/** A `{ $ref: '#/definitions/x' }` node → the definition; any other node → itself. */
export function resolve (root: JsonObject, node: JsonObject): JsonObject {
  const ref = node.$ref
  if (typeof ref !== 'string' || !ref.startsWith('#/definitions/')) return node
  const target = (root.definitions as JsonObject | undefined)?.[ref.slice('#/definitions/'.length)]
  return isObject(target) ? target : node
}

/** The sink types, in the schema's order. */
export function sinkTypes (schema: JsonObject): string[] {
  const sinkItems = ((schema.properties as JsonObject).sinks as JsonObject).items as JsonObject
  return ((sinkItems.properties as JsonObject).type as { enum: string[] }).enum
}

/**
 * The keys of every mapping in the order of the schema (ajv appends the defaults it fills
 * after the keys given), so that the config, and --print, read like the schema and the example.
 */
export function inSchemaOrder (value: unknown, schemaNode: JsonObject | undefined, root: JsonObject): unknown {
  if (schemaNode === undefined) return value
  let node = resolve(root, schemaNode)
  if (Array.isArray(value)) return value.map((v) => inSchemaOrder(v, node.items as JsonObject | undefined, root))
  if (!isObject(value)) return value
  if (Array.isArray(node.oneOf)) {
    // the sink branch whose `type` matches
    const branch = (node.oneOf as JsonObject[]).map((b) => resolve(root, b)).find((b) => ((b.properties as JsonObject | undefined)?.type as JsonObject | undefined)?.const === value.type)
    if (branch !== undefined) node = branch
  }
  const props = (node.properties ?? {}) as Record<string, JsonObject>
  const out: JsonObject = {}
  for (const k of Object.keys(props)) if (k in value) out[k] = inSchemaOrder(value[k], props[k], root)
  for (const k of Object.keys(value)) if (!(k in out)) out[k] = value[k]
  return out
}
