/**
 * The daemon's periodic info line of running totals (`log.stats_interval_secs`): records read,
 * events, delivered per sink, dead-lettered, bytes behind. The message reads as a sentence;
 * the same numbers are fields, for whoever parses the JSON.
 *
 * MUST NOT keep the process alive (the timer is unref'd) nor pile up: a tick while the last
 *      line is still being gathered is skipped.
 * Off when the interval is 0.
 */
import type { Logger } from '../telemetry/logger.js'
import { bytesText } from '../telemetry/units.js'
import type { Totals } from './status.js'

export interface StatsLineOptions {
  /** seconds between lines; 0: none */
  intervalSecs: number
  totals: () => Promise<Totals>
  log: Logger
}

/** `1200 records read, 400 events, delivered es 400, file-0 398, 0 dead-lettered, 1.5 KiB behind` */
export function statsMessage (t: Totals): string {
  const sinks = Object.entries(t.delivered).map(([name, n]) => `${name} ${n}`).join(', ')
  return `${t.records} records read, ${t.events} events, delivered ${sinks === '' ? 'nothing' : sinks}, ${t.deadLettered} dead-lettered, ${bytesText(t.behindBytes)} behind`
}

export class StatsLine {
  private timer: NodeJS.Timeout | undefined
  private busy = false

  constructor (private readonly o: StatsLineOptions) {}

  start (): void {
    if (this.o.intervalSecs <= 0 || this.timer !== undefined) return
    this.timer = setInterval(() => { void this.tick() }, this.o.intervalSecs * 1000)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private async tick (): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      const t = await this.o.totals()
      this.o.log.info({ records: t.records, events: t.events, delivered: t.delivered, dead_lettered: t.deadLettered, behind_bytes: t.behindBytes }, statsMessage(t))
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'cannot gather the totals for the stats line')
    } finally {
      this.busy = false
    }
  }
}
