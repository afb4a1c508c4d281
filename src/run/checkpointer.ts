/**
 * Checkpoint scheduling: the low-water mark and the pipeline's state, saved every
 * `intervalMs` and at shutdown (save()).
 *
 * MUST NOT overlap saves: each waits for the one before; an interval tick while a save runs
 *      is skipped (a slow disk must not queue saves up).
 * MUST NOT save on a tick once processing has failed: the batch being processed may be half
 *      done, and reading it again is better than skipping it.
 * MUST make the dead letters durable (beforeSave) before a checkpoint passes their records.
 * Saves nothing when the state has not changed since the last save.
 * MUST say since when saves fail (`failingSince`, cleared by the next save that works), so
 *      that readiness can tell a checkpoint that has not moved for minutes.
 */
import type { CheckpointState } from '../delivery/checkpoint-store.js'

export interface CheckpointerOptions {
  intervalMs: number
  /** what to save now */
  state: () => CheckpointState
  save: (state: CheckpointState) => Promise<void>
  /** before each save: fsync what the checkpoint will pass (the dead-letter file) */
  beforeSave: () => void
  /** processing failed: ticks stop saving */
  failed: () => boolean
  /** a save on a tick failed (the next tick tries again) */
  onError: (err: Error) => void
  /** a checkpoint was written, in `ms` (dead letters synced, file written and renamed) */
  saved?: (state: CheckpointState, ms: number) => void
  /** wall clock in ms (default Date.now) */
  now?: () => number
}

export class Checkpointer {
  /** checkpoints written */
  saved = 0
  /** when saves started failing (ms since the epoch); undefined while they work */
  failingSince: number | undefined
  /** why the last save failed; undefined while saves work */
  lastError: string | undefined
  private timer: NodeJS.Timeout | undefined
  private saving: Promise<void> = Promise.resolve()
  private inSave = false
  private lastSaved = ''

  constructor (private readonly o: CheckpointerOptions) {}

  start (): void {
    this.timer = setInterval(() => {
      if (this.o.failed() || this.inSave) return
      this.save().catch((err: Error) => { this.o.onError(err) })
    }, this.o.intervalMs)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Save now, after the save before (if any) is done. */
  async save (): Promise<void> {
    const next = this.saving.catch(() => {}).then(async () => await this.saveNow())
    this.saving = next
    await next
  }

  /** Wait for a save in progress (its failure is not this caller's). */
  async settled (): Promise<void> {
    await this.saving.catch(() => {})
  }

  private async saveNow (): Promise<void> {
    this.inSave = true
    try {
      const state = this.o.state()
      const key = JSON.stringify(state)
      // what is on disk is the state now: nothing is failing to be saved
      if (key === this.lastSaved) { this.failingSince = undefined; this.lastError = undefined; return }
      const now = this.o.now ?? Date.now
      const t0 = now()
      try {
        this.o.beforeSave()
        await this.o.save(state)
      } catch (err) {
        this.failingSince ??= t0
        this.lastError = (err as Error).message
        throw err
      }
      this.failingSince = undefined
      this.lastError = undefined
      this.lastSaved = key
      this.saved++
      this.o.saved?.(state, now() - t0)
    } finally {
      this.inSave = false
    }
  }
}
