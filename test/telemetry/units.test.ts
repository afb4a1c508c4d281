import t from 'tap'
import { bytesText, durationText } from '../../src/telemetry/units.js'

t.test('bytes in binary units, few digits', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0 B'], [512, '512 B'], [1023, '1023 B'], [1024, '1 KiB'], [1536, '1.5 KiB'],
    [12 * 1024 * 1024, '12 MiB'], [150 * 1024 * 1024, '150 MiB'], [1024 * 1024 - 1, '1 MiB'],
    [3.25 * 1024 ** 3, '3.3 GiB'], [-5, '0 B'], [Number.NaN, '0 B'],
  ]
  for (const [n, want] of cases) t.equal(bytesText(n), want, String(n))
})

t.test('durations: the largest unit and the next when it is not 0, rounded down', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0 s'], [0.9, '0 s'], [45, '45 s'], [59.9, '59 s'], [60, '1 min'], [200, '3 min 20 s'],
    [3600 + 5 * 60 + 7, '1 h 5 min'], [2 * 3600 + 30, '2 h'], [3 * 86400 + 4 * 3600 + 99, '3 d 4 h'],
    [86400 + 300, '1 d'], [64405617, '745 d 10 h'], [-3, '0 s'],
  ]
  for (const [n, want] of cases) t.equal(durationText(n), want, String(n))
})
