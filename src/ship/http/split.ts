/**
 * Splitting a batch the endpoint refuses as a whole, shared by the network sinks: a permanent
 * failure of the whole request (413 too large, 400 bad request: errors of kind `permanent`)
 * is about some of its events, so halves may fare better.
 */
import { SinkError, type OutEvent, type WriteResult } from '../sink.js'

/** Whether the error is about this batch itself (kind `permanent`), so halves may fare better. */
export function isPermanent (e: SinkError): boolean {
  return e.kind === 'permanent'
}

/**
 * Send `events` with `post` (which may throw a SinkError for a transport failure); a
 * permanent failure of the whole request splits the batch in halves and tries each, down to
 * single events, which are then rejected with the error. Everything else is `post`'s answer.
 */
export async function sendSplitting (events: OutEvent[], post: (events: OutEvent[]) => Promise<WriteResult | SinkError>): Promise<WriteResult> {
  let r: WriteResult | SinkError
  try {
    r = await post(events)
  } catch (err) {
    // a transport failure: this part is retried, what other parts got stays got
    if (!(err instanceof SinkError)) throw err
    return { retry: events, error: err }
  }
  if (!(r instanceof SinkError)) return r
  if (!isPermanent(r)) return { retry: events, error: r }
  if (events.length === 1) return { rejected: [{ event: events[0], error: r }] }
  const mid = events.length >> 1
  const a = await sendSplitting(events.slice(0, mid), post)
  const b = await sendSplitting(events.slice(mid), post)
  return merge(a, b)
}

export function merge (a: WriteResult, b: WriteResult): WriteResult {
  const retry = [...(a.retry ?? []), ...(b.retry ?? [])]
  const rejected = [...(a.rejected ?? []), ...(b.rejected ?? [])]
  return { retry, rejected, error: a.error ?? b.error }
}
