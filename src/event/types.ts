/** The event types, generated from schemas/event.schema.json (see scripts/gen-types.mjs). */
import type { AuditshipEvent as ShippedEvent, EventRecord } from './types.generated.js'

export type { ShippedEvent, EventRecord }
export type { Endpoint, Identity, SELinuxContext, SocketAddress, Summary, TeleportIdentity } from './types.generated.js'

/**
 * An event as the pipeline builds, enriches and hands it out: auditd.records is always there
 * while it is built and enriched. output.records none (coalesce/compact.ts) removes it as the
 * last step before validation, so what is shipped is a ShippedEvent (the schema's shape).
 */
export type AuditshipEvent = ShippedEvent & { auditd: { records: EventRecord[] } }
