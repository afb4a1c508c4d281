/**
 * The progress line of convert and search on a terminal (stderr), redrawn at most four times a
 * second: `auditship convert: 42% 120 MB, 1043210 records (131000/s)`. Inputs whose size is
 * known (files) show a percentage; stdin shows what was read so far. Small inputs show none.
 */

/** Below this many bytes (in all, or read so far from stdin) there is no progress line. */
export const PROGRESS_MIN_BYTES = 8 << 20

export class Progress {
  private last = 0
  private shown = false
  private readonly started = Date.now()

  /**
   * `total`: the bytes of all inputs, or undefined when one is stdin (size unknown).
   * `records`: the count so far, read at each redraw.
   */
  constructor (
    private readonly out: NodeJS.WriteStream,
    private readonly command: string,
    private readonly total: number | undefined,
    private readonly records: () => number,
  ) {}

  /** Whether a line will be drawn at all: stderr is a terminal, and the input is not small. */
  get enabled (): boolean {
    return this.out.isTTY === true && (this.total === undefined || this.total > PROGRESS_MIN_BYTES)
  }

  /** `done`: bytes read so far over all inputs. */
  update (done: number): void {
    if (!this.enabled || (this.total === undefined && done < PROGRESS_MIN_BYTES)) return
    const now = Date.now()
    if (now - this.last <= 250) return
    this.last = now
    this.shown = true
    const rate = this.records() / Math.max(0.001, (now - this.started) / 1000)
    const pct = this.total === undefined ? '' : `${((100 * done) / this.total).toFixed(0)}% `
    this.out.write(`\rauditship ${this.command}: ${pct}${(done / 1e6).toFixed(0)} MB, ${this.records()} records (${Math.round(rate)}/s)  `)
  }

  /** Erase the line (before the summary). */
  clear (): void {
    if (this.shown) this.out.write('\r\x1b[K')
  }
}
