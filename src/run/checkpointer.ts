/**
 * Checkpoint scheduling: the low-water mark and the pipeline's state, saved every
 * `intervalMs`, soon after deliveries (soon(): within `soonMs`, and at most one save per
 * `soonMs`, which bounds the fsync rate), and at shutdown (save()).
 *
 * MUST NOT overlap saves: each waits for the one before; an interval tick while a save runs
 *      is skipped (a slow disk must not queue saves up).
 * MUST NOT save on a tick once processing has failed: the batch being processed may be half
 *      done, and reading it again is better than skipping it.
 * MUST make the dead letters durable (beforeSave) before a checkpoint passes their records.
 * Saves nothing when the state has not changed since the last save; when `version` says
 *      nothing the state is made of moved since the last save, the state is not even built
 *      (an idle daemon then costs no serialization of the Teleport state per tick).
 * MUST say since when saves fail (`failingSince`, cleared by the next save that works), so
 *      that readiness can tell a checkpoint that has not moved for minutes.
 * MUST NOT spend more than `maxShare` of the time on saving: after a save whose synchronous
 *      work (building the state, fsyncing the dead letters, serializing) took `c` ms, neither
 *      a tick nor soon() saves before `c / maxShare` ms have passed since it began. A small
 *      checkpoint is not held back; a large Teleport join state (1.8 MB, ~40 ms a save) is
 *      saved every ~2 s instead of 2–5 times a second: at 100 events/s those saves were
 *      three quarters of the daemon's CPU. shutdown's save() is never held back.
 * A save that fails does not stop delivery: the next tick tries again. The failure is
 * reported (onError) when it begins and then at most every `reportEveryMs`, the recovery once
 * (onRecovered).
 */
import type { CheckpointState } from '../delivery/checkpoint-store.js'

export interface CheckpointerOptions {
  intervalMs: number
  /** after a delivery (soon()), save within this many ms, at most once per this many ms; 0/absent: only every intervalMs */
  soonMs?: number
  /** what to save now */
  state: () => CheckpointState
  /**
   * cheap token of everything state() depends on: equal to the token of the last save ⇒ the
   * state is the same (optional; without it the state is built and compared on every tick)
   */
  version?: () => string
  save: (state: CheckpointState) => Promise<void>
  /** before each save: fsync what the checkpoint will pass (the dead-letter file) */
  beforeSave: () => void
  /** processing failed: ticks stop saving */
  failed: () => boolean
  /** a save on a tick failed (the next tick tries again); `failingMs`: since the first failure in a row */
  onError: (err: Error, failingMs: number) => void
  /** a save worked after `failedMs` of failures */
  onRecovered?: (failedMs: number) => void
  /** while saves keep failing, onError at most this often (default 60000) */
  reportEveryMs?: number
  /** a checkpoint was written, in `ms` (dead letters synced, file written and renamed) */
  saved?: (state: CheckpointState, ms: number) => void
  /** wall clock in ms (default Date.now) */
  now?: () => number
  /** the share of time saves may take (their synchronous work); default DEFAULT_MAX_SHARE */
  maxShare?: number
}

/** Saving takes at most this share of the daemon's time (see maxShare). */
export const DEFAULT_MAX_SHARE = 0.02

export class Checkpointer {
  /** checkpoints written */
  saved = 0
  /** when saves started failing (ms since the epoch); undefined while they work */
  failingSince: number | undefined
  /** why the last save failed; undefined while saves work */
  lastError: string | undefined
  private reportedAt = 0
  private timer: NodeJS.Timeout | undefined
  private saving: Promise<void> = Promise.resolve()
  private inSave = false
  private lastSaved = ''
  private lastVersion: string | undefined
  private soonTimer: NodeJS.Timeout | undefined
  /** when the last save began (ms since the epoch) */
  private lastStart = -Infinity
  /** ms of synchronous work of the last save (state, dead-letter fsync, serialization) */
  private cost = 0

  constructor (private readonly o: CheckpointerOptions) {}

  start (): void {
    this.timer = setInterval(() => {
      if (this.o.failed() || this.inSave || this.heldBack()) return
      this.save().catch((err: Error) => { this.report(err) })
    }, this.o.intervalMs)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
    clearTimeout(this.soonTimer)
    this.soonTimer = undefined
  }

  /** Something was delivered: save within `soonMs` (one timer at a time; none after stop()). */
  soon (atLeastMs = 0): void {
    const gap = this.o.soonMs ?? 0
    if (gap <= 0 || this.timer === undefined || this.soonTimer !== undefined) return
    const now = this.now()
    const wait = Math.max(atLeastMs, this.lastStart + gap - now, this.nextAt() - now)
    this.soonTimer = setTimeout(() => {
      this.soonTimer = undefined
      if (this.o.failed() || this.timer === undefined) return
      // a save in progress: try again after it (its state may predate the delivery)
      if (this.inSave) { this.soon(gap); return }
      // a save since this was armed (a tick) whose share is not over yet: wait for it
      if (this.heldBack()) { this.soon(); return }
      this.save().catch((err: Error) => { this.report(err) })
    }, wait)
    this.soonTimer.unref()
  }

  private now (): number {
    return (this.o.now ?? Date.now)()
  }

  /** The earliest time a tick or soon() may save: the last save's cost is at most maxShare of the time since it began. */
  private nextAt (): number {
    return this.lastStart + this.cost / (this.o.maxShare ?? DEFAULT_MAX_SHARE)
  }

  /** The last save's share of the time is not over yet. */
  private heldBack (): boolean {
    return this.now() < this.nextAt()
  }

  /** Save now (never held back by maxShare), after the save before (if any) is done. */
  async save (): Promise<void> {
    const next = this.saving.catch(() => {}).then(async () => await this.saveNow())
    this.saving = next
    await next
  }

  /** Wait for a save in progress (its failure is not this caller's). */
  async settled (): Promise<void> {
    await this.saving.catch(() => {})
  }

  /** How long saves have been failing (0 while they work). */
  failingMs (now = this.now()): number {
    return this.failingSince === undefined ? 0 : now - this.failingSince
  }

  private report (err: Error): void {
    const now = this.now()
    if (this.reportedAt !== 0 && now - this.reportedAt < (this.o.reportEveryMs ?? 60_000)) return
    this.reportedAt = now
    this.o.onError(err, this.failingMs(now))
  }

  private async saveNow (): Promise<void> {
    this.inSave = true
    const now = (): number => this.now()
    const t0 = now()
    this.lastStart = t0
    this.cost = 0
    try {
      const version = this.o.version?.()
      const unmoved = version !== undefined && version === this.lastVersion
      const state = unmoved ? undefined : this.o.state()
      // with a version, it is the key (the state is then serialized once, by the save)
      const key = state === undefined ? this.lastSaved : version ?? JSON.stringify(state)
      // unchanged: what is on disk is current (also after failures to write a newer state)
      if (state !== undefined && key !== this.lastSaved) {
        this.o.beforeSave()
        // the store serializes before its first await: this is the save's own work
        const writing = this.o.save(state)
        this.cost = now() - t0
        await writing
        this.lastSaved = key
        this.saved++
        this.o.saved?.(state, now() - t0)
      }
      this.lastVersion = version
      if (this.failingSince !== undefined) this.o.onRecovered?.(this.failingMs(now()))
      this.failingSince = undefined
      this.lastError = undefined
      this.reportedAt = 0
    } catch (err) {
      this.failingSince ??= now()
      this.lastError = (err as Error).message
      throw err
    } finally {
      this.inSave = false
    }
  }
}
