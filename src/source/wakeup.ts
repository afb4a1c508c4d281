/**
 * What wakes a tailer waiting at the end of its file: chokidar events on the log's directory
 * (any name starting with the log's name) and a poll timer as the fallback. They only say
 * "look again"; the tailer reads when it is asked to. The time spent asleep is the tailer's
 * idle clock (Source.waitedMs, idle-clock.ts): it sleeps only when nothing is left to read.
 * A sleeper woken by the watcher or the timer returns `coalesceMs` later (close and abort at
 * once), so that the records auditd appends meanwhile are read in one pass: at low rates the
 * cost is per wake-up, and auditd writes record by record. That delay is not idle time.
 */
import { basename, dirname } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import { IdleClock } from './idle-clock.js'

export interface WakeupOptions {
  /** the live log; names in its directory that start with its name wake the reader */
  path: string
  pollIntervalMs: number
  /** false: no chokidar, the poll timer alone */
  watch: boolean
  /** the watcher failed: polling goes on */
  onWatchError: (err: unknown) => void
  /** a sleeper woken by the watcher or the poll timer returns this much later (default 0) */
  coalesceMs?: number
}

/** How long start() waits for chokidar to be ready before relying on polling meanwhile. */
const WATCH_READY_MS = 2000

export class Wakeup {
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private waiter: (() => void) | undefined
  private woken = false
  private closed = false
  /** a wake-up waiting out coalesceMs */
  private pending: NodeJS.Timeout | undefined
  private readonly idle = new IdleClock()

  constructor (private readonly o: WakeupOptions) {}

  /** Milliseconds spent in sleep() so far, a sleep in progress included. */
  waitedMs (): number {
    return this.idle.now()
  }

  async start (): Promise<void> {
    if (this.o.watch) {
      const base = basename(this.o.path)
      const w = watch(dirname(this.o.path), { depth: 0, ignoreInitial: true, persistent: false })
      w.on('all', (_ev: string, p: string) => { if (basename(p).startsWith(base)) this.wakeSoon() })
      w.on('error', this.o.onWatchError)
      this.watcher = w
      let t: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => { w.once('ready', () => resolve()) }),
        new Promise<void>((resolve) => { t = setTimeout(resolve, WATCH_READY_MS); t.unref() }),
      ])
      clearTimeout(t)
    }
    this.timer = setInterval(() => { this.wakeSoon() }, this.o.pollIntervalMs)
    this.timer.unref()
  }

  /** The reader is about to look at the file: a wake-up from before that look is spent. */
  clear (): void {
    this.woken = false
  }

  /**
   * wake(), after coalesceMs when someone sleeps (one timer for all the wake-ups meanwhile).
   * The idle clock stops at the signal, not after the delay: what woke us may be the rest of
   * an open event, already on disk.
   */
  private wakeSoon (): void {
    const ms = this.o.coalesceMs ?? 0
    if (ms <= 0 || this.waiter === undefined) { this.wake(); return }
    this.idle.got()
    this.pending ??= setTimeout(() => { this.pending = undefined; this.wake() }, ms)
  }

  wake (): void {
    clearTimeout(this.pending)
    this.pending = undefined
    this.woken = true
    const w = this.waiter
    this.waiter = undefined
    w?.()
  }

  /** Until woken (chokidar, the poll timer, close) or aborted; returns at once if woken meanwhile. */
  async sleep (signal?: AbortSignal): Promise<void> {
    if (this.woken || this.closed || signal?.aborted === true) { this.woken = false; return }
    // a read waiting for data is pending work: keep the process alive meanwhile (the timer
    // is unref'd otherwise, so an idle tailer never holds the process open)
    this.timer?.ref()
    this.idle.waiting()
    await new Promise<void>((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done)
        if (this.waiter === done) this.waiter = undefined
        resolve()
      }
      this.waiter = done
      signal?.addEventListener('abort', done, { once: true })
    })
    this.idle.got()
    this.timer?.unref()
    this.woken = false
  }

  /** Stop watching and polling; a sleeper returns. */
  async close (): Promise<void> {
    this.closed = true
    this.wake()
    if (this.timer !== undefined) clearInterval(this.timer)
    await this.watcher?.close()
  }
}
