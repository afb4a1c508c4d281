/** The event types, generated from schemas/event.schema.json (see scripts/gen-types.mjs). */
export type { AuditshipEvent, EventRecord, Endpoint, Identity, SELinuxContext, SocketAddress, Summary, TeleportIdentity } from './types.generated.js'
