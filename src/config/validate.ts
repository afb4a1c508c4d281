/**
 * Validate a parsed configuration once, at start: ajv against schemas/config.schema.json
 * (which fills every default), then the rules the schema cannot express; then freeze it.
 * Never throws: a bad configuration comes back as every issue at once, each with the path of
 * the bad key, so the operator can fix them all in one go.
 */
import { Ajv, type ValidateFunction } from 'ajv'
import { schemaPath } from '../paths.js'
import { CONFIG_SCHEMA_FILE, configSchema, inSchemaOrder, sinkTypes } from './schema.js'
import { deepFreeze, isObject, type JsonObject } from './json.js'
import { schemaIssues, shown } from './messages.js'
import { crossFieldIssues } from './rules.js'
import type { Config, ConfigResult } from './types.js'

interface Compiled { validate: ValidateFunction, sinkTypes: string[], schema: JsonObject }
let compiled: Compiled | undefined

function compile (): Compiled {
  if (compiled === undefined) {
    const schema = configSchema()
    // discriminator: ajv picks the oneOf branch by `type`, reports only that branch's
    // errors, and fills that branch's defaults; verbose: the failing schema and data, for
    // the messages
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, discriminator: true, verbose: true })
    compiled = { validate: ajv.compile(schema), sinkTypes: sinkTypes(schema), schema }
  }
  return compiled
}

/** Validate an already-parsed document (a copy is taken; the argument is not changed). */
export function checkConfig (doc: unknown): ConfigResult {
  if (doc === null || doc === undefined) return { ok: false, errors: [{ path: '(root)', message: 'the configuration is empty: it needs at least "sinks"' }] }
  if (!isObject(doc)) return { ok: false, errors: [{ path: '(root)', message: `must be a mapping of keys (YAML) or an object (JSON) (got ${shown(doc)})` }] }
  let c: Compiled
  try {
    c = compile()
  } catch (err) {
    return { ok: false, errors: [{ path: '(schema)', message: `cannot load ${schemaPath(CONFIG_SCHEMA_FILE)}: ${(err as Error).message}` }] }
  }
  const data = structuredClone(doc)
  if (!c.validate(data)) return { ok: false, errors: schemaIssues(c.validate.errors ?? [], c.sinkTypes) }
  const sinks = data.sinks as Array<{ type: string, name?: string }>
  sinks.forEach((s, i) => { s.name ??= `${s.type}-${i}` })
  const config = inSchemaOrder(data, c.schema, c.schema) as Config
  const errors = crossFieldIssues(config)
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config: deepFreeze(config) }
}
