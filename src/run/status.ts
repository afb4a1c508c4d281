/**
 * The daemon's status, read at request time: the totals for the metrics endpoint
 * (telemetry/metrics.ts) and the stats line, and the readiness answer (/readyz).
 *
 * Ready (readiness.ts has the rules and their words): running; the audit log exists and can be
 * read; the state dir can be written; the checkpoint has not failed to save for 3 intervals;
 * every sink healthy (SinkQueue.healthy); delivery lag under `maxLagSecs`.
 * MUST NOT throw: a check that cannot be made is a failing check with the reason.
 */
import type { MetricsSource } from '../telemetry/metrics.js'
import type { ReadyCheck } from '../server/app.js'
import type { Pipeline } from '../pipeline/pipeline.js'
import type { SinkQueue } from '../ship/queue.js'
import type { Source, SourceStatus } from '../source/source.js'
import type { LowWaterMark } from '../delivery/low-water-mark.js'
import { redact } from '../telemetry/redact.js'
import { checkWritableDir } from '../config/preflight.js'
import { checkpointCheck, lagCheck, lossCheck, sourceCheck, type CheckpointFailing, type LossSummary, type ReadinessCheck } from './readiness.js'

/** What the status reads, live. */
export interface StatusParts {
  pipeline: Pipeline
  queues: SinkQueue[]
  mark: LowWaterMark
  source: () => Source | undefined
  deadLettered: () => number
  failed: () => boolean
  stopping: () => boolean
  /** the checkpoint schedule (Checkpointer): checkpoints written, since when saves fail */
  checkpoint: CheckpointFailing & { readonly saved: number }
  checkpointIntervalMs: number
  stateDir: string
  /** wall clock in ms (default Date.now) */
  now?: () => number
}

/** Running totals for the periodic stats line. */
export interface Totals {
  records: number
  events: number
  /** events delivered, by sink */
  delivered: Record<string, number>
  deadLettered: number
  behindBytes: number
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
      checkpoints: p.checkpoint.saved,
      lag: p.mark.lag(this.now()),
      filtered: p.pipeline.filtered,
      loss: this.loss(),
    }
  }

  /** Records lost before they reached the log, as far as the log shows (docs/design.md §3.6). */
  loss (): LossSummary {
    const { loss, gaps } = this.p.pipeline
    return { kernelLost: loss.stats.kernelLost, messages: loss.stats.messages, serialGaps: gaps.stats.gaps, missingSerials: gaps.stats.missing }
  }

  /**
   * Bytes not yet delivered: from the delivered position to where reading stands, plus what
   * the files on disk hold beyond it (not read yet).
   */
  async behindBytes (): Promise<number> {
    const read = this.p.mark.lag(this.now()).bytes
    const s = await this.p.source()?.status?.().catch(() => undefined)
    return read + (s?.unreadBytes ?? 0)
  }

  async totals (): Promise<Totals> {
    const p = this.p
    return {
      records: p.pipeline.stats.records,
      events: p.pipeline.stats.events,
      delivered: Object.fromEntries(p.queues.map((q) => [q.sink.name, q.stats.events])),
      deadLettered: p.deadLettered(),
      behindBytes: await this.behindBytes(),
    }
  }

  async readiness (maxLagSecs = Infinity): Promise<ReadyCheck> {
    const p = this.p
    const failed = p.failed()
    const stopping = p.stopping()
    const checks: Record<string, ReadinessCheck> = { pipeline: failed ? { ok: false, detail: 'processing failed' } : stopping ? { ok: false, detail: 'stopping' } : { ok: true } }
    const source = p.source()
    let status: SourceStatus | undefined
    try {
      status = await source?.status?.()
    } catch (err) {
      checks.source = { ok: false, detail: `cannot tell the state of the source: ${(err as Error).message}` }
    }
    checks.source ??= sourceCheck(source !== undefined, status, this.now())
    checks.state_dir = await this.stateDirCheck()
    checks.checkpoint = checkpointCheck(p.checkpoint, p.checkpointIntervalMs, this.now())
    for (const q of p.queues) checks[`sink:${q.sink.name}`] = q.healthy ? { ok: true } : { ok: false, detail: `failing, retrying with backoff (data kept): ${redact(q.lastError ?? 'unknown error')}` }
    const lag = p.mark.lag(this.now())
    checks.lag = lagCheck(lag, lag.bytes + (status?.unreadBytes ?? 0), maxLagSecs)
    checks.loss = lossCheck(this.loss())
    return { ready: Object.values(checks).every((c) => c.ok), checks }
  }

  private async stateDirCheck (): Promise<ReadinessCheck> {
    const issues = await checkWritableDir('state_dir', this.p.stateDir, 'the state dir').catch((err: Error) => [{ message: `cannot check the state dir ${this.p.stateDir}: ${err.message}`, fix: '' }])
    const i = issues[0]
    if (i === undefined) return { ok: true }
    return { ok: false, detail: i.fix === '' ? i.message : `${i.message} (fix: ${i.fix})` }
  }

  private now (): number {
    return (this.p.now ?? Date.now)()
  }
}
