/**
 * The shapes of a configuration once checked, and of what is wrong with one. The schema's own
 * type (types.generated.ts) has every defaulted key optional; after validation none is.
 */
import type { AuditshipConfig } from './types.generated.js'

type DeepRequired<T> = T extends Array<infer U> ? ReadonlyArray<DeepRequired<U>> : T extends object ? { readonly [K in keyof T]-?: DeepRequired<T[K]> } : T

/** The configuration with every default filled in (and every sink named), read-only. */
export type Config = DeepRequired<AuditshipConfig>

/** One sink's configuration. */
export type SinkConfig = Config['sinks'][number]

/**
 * What is wrong, and where. Paths of keys are written `sinks[0].batch.max_events`; `(root)` is
 * the document itself, `(file)` the file, `(syntax)` a YAML/JSON syntax error (the message
 * starts with its line and column), `(schema)` the schema file itself.
 */
export interface ConfigIssue {
  path: string
  message: string
  /** what to do, when it is not obvious from the message */
  fix?: string
}

export type ConfigResult = { ok: true, config: Config } | { ok: false, errors: ConfigIssue[] }
