/**
 * The timeout link: bounds one attempt (OTel exporterhelper's timeout_sender).
 *
 * MUST resolve by `timeoutMs` after the attempt started: a late attempt counts as failed with
 *      AS_SINK_TIMEOUT, all of its batch to be retried; what it says afterwards is ignored
 *      (the events are sent again: delivery is at least once).
 * MUST abort the attempt's signal when it runs out of time, so the sink can stop its requests.
 * Without `timeoutMs` an attempt is bounded by the sink alone (its request timeouts), as
 * every sink is today.
 */
import { SinkErrors } from '../errors.js'
import { SinkError } from './sink.js'
import type { Sender } from './sender.js'

export function withTimeout (next: Sender, timeoutMs: number | undefined): Sender {
  if (timeoutMs === undefined || timeoutMs <= 0) return next
  return async (batch, signal) => {
    const abort = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), timeoutMs) })
    try {
      const r = await Promise.race([next(batch, signal === undefined ? abort.signal : AbortSignal.any([signal, abort.signal])), late])
      if (r !== 'late') return r
      abort.abort()
      return { retry: batch, error: new SinkError(SinkErrors.TIMEOUT, `the attempt took longer than ${timeoutMs} ms`) }
    } finally {
      clearTimeout(timer)
    }
  }
}
