/**
 * The daemon's status, read at request time: the totals for the metrics endpoint
 * (telemetry/metrics.ts) and the readiness answer (/readyz).
 *
 * Ready: running, every sink healthy (SinkQueue.healthy), and the checkpoint lag under
 * `maxLagSecs`.
 */
import type { MetricsSource } from '../telemetry/metrics.js'
import type { ReadyCheck } from '../server/app.js'
import type { Pipeline } from '../pipeline/pipeline.js'
import type { SinkQueue } from '../ship/queue.js'
import type { Source } from '../source/source.js'
import type { LowWaterMark } from '../delivery/low-water-mark.js'
import { redact } from '../telemetry/redact.js'

/** What the status reads, live. */
export interface StatusParts {
  pipeline: Pipeline
  queues: SinkQueue[]
  mark: LowWaterMark
  source: () => Source | undefined
  deadLettered: () => number
  checkpoints: () => number
  failed: () => boolean
  stopping: () => boolean
}

export class RunStatus {
  constructor (private readonly p: StatusParts) {}

  /** Running totals for the metrics endpoint (read at scrape time). */
  metrics (): MetricsSource {
    const p = this.p
    return {
      pipeline: p.pipeline.stats,
      byType: p.pipeline.byType,
      teleport: p.pipeline.attribution,
      source: p.source()?.stats,
      sinks: p.queues.map((q) => ({ name: q.sink.name, events: q.stats.events, batches: q.stats.batches, retries: q.stats.retries, failures: q.stats.failures, failuresByCode: q.stats.failuresByCode, rejected: q.stats.rejected, queued: q.queued, healthy: q.healthy, timings: q.sink.timings })),
      deadLettered: p.deadLettered(),
      pendingEvents: p.mark.pending,
      checkpoints: p.checkpoints(),
      lag: p.mark.lag(),
    }
  }

  readiness (maxLagSecs = Infinity): ReadyCheck {
    const p = this.p
    const failed = p.failed()
    const stopping = p.stopping()
    const checks: ReadyCheck['checks'] = { pipeline: failed ? { ok: false, detail: 'processing failed' } : stopping ? { ok: false, detail: 'stopping' } : { ok: true } }
    for (const q of p.queues) checks[`sink:${q.sink.name}`] = q.healthy ? { ok: true } : { ok: false, detail: `failing, retrying with backoff (data kept): ${redact(q.lastError ?? 'unknown error')}` }
    const lag = p.mark.lag().seconds
    checks.lag = lag <= maxLagSecs ? { ok: true } : { ok: false, detail: `oldest undelivered event is ${Math.round(lag)} s old (server.max_lag_secs ${maxLagSecs})` }
    return { ready: Object.values(checks).every((c) => c.ok), checks }
  }
}
