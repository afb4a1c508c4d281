/**
 * Validate a parsed configuration once, at start: schemas/config.schema.json (its validator
 * is generated at build time by scripts/gen-validator.mjs, so no schema is compiled at start;
 * it fills every default), then the rules the schema cannot express; then freeze it.
 * Never throws: a bad configuration comes back as every issue at once, each with the path of
 * the bad key, so the operator can fix them all in one go.
 */
import type { ErrorObject } from 'ajv'
import { validate as validateSchema } from './config-validator.generated.js'
import { schemaPath } from '../paths.js'
import { CONFIG_SCHEMA_FILE, configSchema, inSchemaOrder, sinkTypes } from './schema.js'
import { deepFreeze, isObject, type JsonObject } from './json.js'
import { schemaIssues, shown } from './messages.js'
import { crossFieldIssues } from './rules.js'
import type { Config, ConfigResult } from './types.js'

/** The generated validator: true when valid; its `errors` are ajv's, with `verbose` data. */
const check = validateSchema as ((data: unknown) => boolean) & { errors?: ErrorObject[] | null }

interface Loaded { sinkTypes: string[], schema: JsonObject }
let loaded: Loaded | undefined

/** The schema document itself: for the sink type names in messages and the key order. */
function load (): Loaded {
  if (loaded === undefined) {
    const schema = configSchema()
    loaded = { sinkTypes: sinkTypes(schema), schema }
  }
  return loaded
}

/** Validate an already-parsed document (a copy is taken; the argument is not changed). */
export function checkConfig (doc: unknown): ConfigResult {
  if (doc === null || doc === undefined) return { ok: false, errors: [{ path: '(root)', message: 'the configuration is empty: it needs at least "sinks"' }] }
  if (!isObject(doc)) return { ok: false, errors: [{ path: '(root)', message: `must be a mapping of keys (YAML) or an object (JSON) (got ${shown(doc)})` }] }
  let c: Loaded
  try {
    c = load()
  } catch (err) {
    return { ok: false, errors: [{ path: '(schema)', message: `cannot load ${schemaPath(CONFIG_SCHEMA_FILE)}: ${(err as Error).message}` }] }
  }
  const data = structuredClone(doc)
  if (!check(data)) return { ok: false, errors: schemaIssues(check.errors ?? [], c.sinkTypes) }
  const sinks = data.sinks as Array<{ type: string, name?: string }>
  sinks.forEach((s, i) => { s.name ??= `${s.type}-${i}` })
  const config = inSchemaOrder(data, c.schema, c.schema) as Config
  const errors = crossFieldIssues(config)
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: deepFreeze(config) }
}
