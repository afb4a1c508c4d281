/**
 * The compiled event validator: every event is checked against schemas/event.schema.json
 * before it leaves. Invalid events are returned with ajv's errors, never thrown.
 */
import { readFileSync } from 'node:fs'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { AuditshipEvent } from '../event/types.js'
import { schemaPath } from '../paths.js'

export interface ValidationIssue {
  path: string
  message: string
}

let compiled: ValidateFunction | undefined

function validator (): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(schemaPath('event.schema.json'), 'utf8'))
    const ajv = new Ajv({ allErrors: false, strict: true })
    compiled = ajv.compile(schema)
  }
  return compiled
}

function issues (errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  return (errors ?? []).map((e) => ({
    path: e.instancePath === '' ? '/' : e.instancePath,
    message: e.message ?? e.keyword,
  }))
}

/** undefined when valid; otherwise the list of problems. */
export function validateEvent (doc: AuditshipEvent): ValidationIssue[] | undefined {
  const v = validator()
  return v(doc) ? undefined : issues(v.errors)
}
