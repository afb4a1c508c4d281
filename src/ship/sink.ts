/**
 * The sink interface every destination implements (file, stdout now; Elasticsearch, Splunk
 * HEC, HTTP later). A sink receives batches in order, one at a time, and resolves `write`
 * only when the batch is delivered (durable for a file: written and fsynced). A rejected
 * write is retried by the queue in front of it; the sink never drops silently.
 */
import type { Ticket } from '../ack/tracker.js'

export interface OutEvent {
  /** the event as one JSON line, without the newline */
  json: string
  ticket: Ticket
}

export interface Sink {
  readonly name: string
  write (batch: OutEvent[]): Promise<void>
  close (): Promise<void>
}
