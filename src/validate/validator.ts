/**
 * The event validator: every event is checked against schemas/event.schema.json before it
 * leaves. The validator is ajv code generated from the schema at build time
 * (scripts/gen-validator.mjs; CI fails when it drifts), so the shipper neither loads nor runs
 * the ajv compiler. Invalid events are returned with the errors, never thrown.
 */
import { validate } from './event-validator.generated.js'
import type { AuditshipEvent } from '../event/types.js'

export interface ValidationIssue {
  path: string
  message: string
}

interface AjvError { instancePath: string, message?: string, keyword: string }
const check = validate as ((doc: unknown) => boolean) & { errors?: AjvError[] | null }

/** undefined when valid; otherwise the problems found. */
export function validateEvent (doc: AuditshipEvent): ValidationIssue[] | undefined {
  if (check(doc)) return undefined
  return (check.errors ?? []).map((e) => ({ path: e.instancePath === '' ? '/' : e.instancePath, message: e.message ?? e.keyword }))
}
