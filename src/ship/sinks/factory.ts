/**
 * What a sink type provides to be built from the configuration: a factory that turns its
 * config section (defaults already filled in) into the sink and the options of the queue in
 * front of it. Each factory owns its sink's knowledge: options, secrets, auth headers, TLS
 * files. Problems are reported as config issues with the key's path, so the start is
 * refused (78) naming the key; the factory builds the sink anyway (it opens nothing until
 * the first write) and the caller closes it.
 */
// the one import from config/: the defaults-filled types of the sinks' sections (a shape: scripts/check-imports.mjs)
import type { Config } from '../../config/types.js'
import type { QueueOptions } from '../queue.js'
import type { Sink } from '../sink.js'

export type SinkConfig = Config['sinks'][number]
export type SinkType = SinkConfig['type']
export type SinkConfigOf<T extends SinkType> = Extract<SinkConfig, { type: T }>

export interface BuiltSink { sink: Sink, queue: QueueOptions }

/** A problem with one key of the configuration (the shape of config's ConfigIssue). */
export interface SinkIssue {
  /** the bad key, e.g. `sinks[0].tls.ca_file` */
  path: string
  message: string
}

export interface FactoryContext {
  /** the sink's key path in messages, e.g. `sinks[2]` */
  at: string
  /** a problem with the key at `path`: the start is refused */
  issue (path: string, message: string): void
  /** said once in the log, with the sink's name */
  warn (msg: string): void
  /**
   * this shipper's host name (the event's host.name when its records carry no node= name):
   * the HEC `host` of such events and part of the Elasticsearch `_id`, so it MUST NOT change
   * across restarts (enrich/host.ts hostNames: host.name, else AUDITSHIP_HOST_NAME, else the
   * machine's)
   */
  host: string
}

export interface SinkFactory<T extends SinkType> {
  /** async when it reads files (secrets, TLS) */
  create (c: SinkConfigOf<T>, ctx: FactoryContext): BuiltSink | Promise<BuiltSink>
}

/** The queue options every sink type has: the batch bounds. */
export function batchQueue (c: SinkConfig): QueueOptions {
  return { maxEvents: c.batch.max_events, maxBytes: c.batch.max_bytes, flushIntervalMs: c.batch.flush_interval_ms }
}
