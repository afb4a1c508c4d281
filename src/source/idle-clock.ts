/**
 * Time a source has spent waiting for input with everything it read handed out
 * (Source.waitedMs): the clock on which the runner closes events as idle.
 *
 * An event is idle when the reader waited `idle_timeout` for input that would continue it, not
 * when `idle_timeout` of wall time passed: the records of one event must never be split
 * because the reader was slow to reach the second half (the CPU busy with something else, the
 * sinks holding reading back, a backlog read after a restart).
 *
 * MUST advance only between waiting() and got(), which a source calls around its wait for new
 *      input at the end of the log (or of a feed): never while it reads bytes already on disk,
 *      nor while its caller processes a batch or waits for the sinks.
 * Events that never get their last record while the reader is behind are closed on log time
 *      (Reassembler's `timeoutSec`), which needs no clock.
 */
export class IdleClock {
  private waited = 0
  private since: number | undefined

  constructor (private readonly wall: () => number = () => Date.now()) {}

  /** The source starts waiting for new input. */
  waiting (): void {
    this.since ??= this.wall()
  }

  /** The wait ended (input came, or reading stopped): the clock stands still until the next wait. */
  got (): void {
    if (this.since === undefined) return
    this.waited += this.wall() - this.since
    this.since = undefined
  }

  /** Milliseconds spent waiting for input so far, the wait in progress included. */
  now (): number {
    return this.since === undefined ? this.waited : this.waited + this.wall() - this.since
  }
}
