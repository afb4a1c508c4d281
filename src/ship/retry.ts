/**
 * The retry link: sends a batch through the next link (timeout → sink) until every event of
 * it is handed back (OTel exporterhelper's retry_sender, with Vector's partial retry).
 *
 * MUST hand every event back exactly once: `delivered` or `rejected`. Nothing is dropped.
 * MUST resend only the events the answer lists in `retry`, after a wait from backoff.ts (full
 *      jitter, at least the peer's Retry-After), without an attempt limit.
 * MUST decide by the error's kind (src/errors.ts): events that failed with a `permanent` error
 *      are rejected (dead-lettered) at once, never resent.
 * MUST reject as AS_SINK_EXPIRED, with the last error in the reason, an event still failing
 *      `maxAgeMs` after it was queued.
 * Stopping (the signal) ends the wait: what is not handed back by then is returned, unsettled.
 */
import { SinkErrors } from '../errors.js'
import { retryDelayMs, type BackoffPolicy } from './backoff.js'
import { SinkError, type OutEvent, type Rejected, type WriteResult } from './sink.js'
import type { Sender } from './sender.js'

export interface RetryPolicy extends BackoffPolicy {
  /** reject (dead-letter) an event still failing this long after it was queued; default never */
  maxAgeMs?: number
}

/** What the retry link reports as it goes; a callback that throws ends send() with that error. */
export interface RetryReport {
  delivered (events: OutEvent[]): void
  rejected (events: Rejected[]): void
  /** an attempt failed (`failures`: how many in a row for this batch) */
  failed (error: SinkError, failures: number): void
  /** the events still failing are to be sent again after a wait */
  retrying (): void
  /** an attempt left nothing to retry; `attempts` made for this batch, `failures` of them failed */
  succeeded (attempts: number, failures: number): void
}

/** One attempt's answer, sorted out: each event of the attempt is in exactly one list. */
export interface Outcome {
  delivered: OutEvent[]
  retry: OutEvent[]
  rejected: Rejected[]
  /** why `retry` is not empty (set whenever it is not) */
  error: SinkError | undefined
}

const NO_REASON = (): SinkError => new SinkError(SinkErrors.PROTOCOL, 'the sink asked for a retry without a reason')

/**
 * Sort out a WriteResult for the events sent: what is in neither `retry` nor `rejected` is
 * delivered; `retry` with a `permanent` error is rejected with it instead.
 */
export function outcome (sent: OutEvent[], r: WriteResult): Outcome {
  let retry = r.retry ?? []
  let rejected = r.rejected ?? []
  let error = r.error
  if (retry.length > 0) {
    const e = error ??= NO_REASON()
    if (e.kind === 'permanent') {
      rejected = [...rejected, ...retry.map((event) => ({ event, error: e }))]
      retry = []
    }
  }
  if (retry.length + rejected.length === 0) return { delivered: sent, retry, rejected, error }
  const rest = new Set<OutEvent>(sent)
  for (const e of retry) rest.delete(e)
  for (const x of rejected) rest.delete(x.event)
  return { delivered: [...rest], retry, rejected, error }
}

/** Split `events` into those younger than `maxAgeMs` and the others, rejected with `last` in the reason. */
export function expire (events: OutEvent[], last: SinkError, maxAgeMs: number | undefined, now: number): { keep: OutEvent[], expired: Rejected[] } {
  if (maxAgeMs === undefined) return { keep: events, expired: [] }
  const limit = now - maxAgeMs
  if (!events.some((e) => e.queuedAt <= limit)) return { keep: events, expired: [] }
  const keep: OutEvent[] = []
  const expired: Rejected[] = []
  for (const e of events) {
    if (e.queuedAt > limit) keep.push(e)
    else expired.push({ event: e, error: new SinkError(SinkErrors.EXPIRED, `not delivered after ${Math.round((now - e.queuedAt) / 1000)} s; last error ${last.code}: ${last.message}`, { status: last.status }) })
  }
  return { keep, expired }
}

export class RetrySender {
  constructor (private readonly next: Sender, private readonly policy: RetryPolicy, private readonly report: RetryReport, private readonly random: () => number = Math.random) {}

  /** Send until every event is handed back; resolves with those that were not (stopped). */
  async send (batch: OutEvent[], stop: AbortSignal): Promise<OutEvent[]> {
    let todo = batch
    let failures = 0
    for (let attempt = 1; todo.length > 0 && !stop.aborted; attempt++) {
      const o = outcome(todo, await this.next(todo))
      if (o.rejected.length > 0) this.report.rejected(o.rejected)
      if (o.delivered.length > 0) this.report.delivered(o.delivered)
      if (o.retry.length === 0) {
        this.report.succeeded(attempt, failures)
        return []
      }
      const error = o.error ?? NO_REASON()
      this.report.failed(error, ++failures)
      const { keep, expired } = expire(o.retry, error, this.policy.maxAgeMs, Date.now())
      if (expired.length > 0) this.report.rejected(expired)
      todo = keep
      if (todo.length === 0) return []
      this.report.retrying()
      await wait(retryDelayMs(failures, this.policy, error.retryAfterMs, this.random), stop)
    }
    return todo
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (global timers: a fake clock drives them in tests). */
async function wait (ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>((resolve) => {
    const done = (): void => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve() }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
