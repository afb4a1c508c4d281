import t from 'tap'
import { pino } from 'pino'
import { StatsLine, statsMessage } from '../../src/run/stats-line.js'
import type { Totals } from '../../src/run/status.js'

/** A logger whose entries the test reads. */
function capture (): { log: pino.Logger, entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = []
  return { log: pino({ level: 'info' }, { write: (s: string) => { entries.push(JSON.parse(s)) } }), entries }
}

const turn = async (): Promise<void> => { for (let i = 0; i < 20; i++) await Promise.resolve() }

const TOTALS: Totals = { records: 1200, events: 400, delivered: { es: 400, 'file-0': 398 }, deadLettered: 2, behindBytes: 1536 }

t.test('the message reads as a sentence, with human units', async (t) => {
  t.equal(statsMessage(TOTALS), '1200 records read, 400 events, delivered es 400, file-0 398, 2 dead-lettered, 1.5 KiB behind')
  t.equal(statsMessage({ ...TOTALS, delivered: {} }), '1200 records read, 400 events, delivered nothing, 2 dead-lettered, 1.5 KiB behind')
})

t.test('one info line of totals every interval, with the numbers as fields', async (t) => {
  t.clock.enter()
  const { log, entries } = capture()
  let totals = TOTALS
  const line = new StatsLine({ intervalSecs: 60, totals: async () => totals, log })
  line.start()
  t.clock.advance(59_999)
  await turn()
  t.equal(entries.length, 0, 'nothing before the interval')
  t.clock.advance(1)
  await turn()
  t.equal(entries.length, 1)
  t.match(entries[0], { level: 30, msg: statsMessage(TOTALS), records: 1200, events: 400, delivered: { es: 400, 'file-0': 398 }, dead_lettered: 2, behind_bytes: 1536 })
  totals = { ...TOTALS, records: 1300 }
  t.clock.advance(60_000)
  await turn()
  t.equal(entries.length, 2)
  t.match(entries[1], { records: 1300 }, 'running totals, read when the line is written')
  line.stop()
  t.clock.advance(600_000)
  await turn()
  t.equal(entries.length, 2, 'none after stop()')
})

t.test('interval 0: no line', async (t) => {
  t.clock.enter()
  const { log, entries } = capture()
  const line = new StatsLine({ intervalSecs: 0, totals: async () => TOTALS, log })
  line.start()
  t.clock.advance(3_600_000)
  await turn()
  t.equal(entries.length, 0)
  line.stop()
})

t.test('slow totals: a tick while the last line is being gathered is skipped; a failure is a warning', async (t) => {
  t.clock.enter()
  const { log, entries } = capture()
  let release: (() => void) | undefined
  let fail = false
  const line = new StatsLine({
    intervalSecs: 1,
    totals: async () => {
      if (fail) throw new Error('EIO')
      await new Promise<void>((resolve) => { release = resolve })
      return TOTALS
    },
    log,
  })
  line.start()
  t.clock.advance(5000)
  await turn()
  release?.()
  await turn()
  t.equal(entries.length, 1, 'five ticks, one line')
  fail = true
  t.clock.advance(1000)
  await turn()
  t.match(entries[1], { level: 40, msg: 'cannot gather the totals for the stats line', err: 'EIO' })
  line.stop()
})
