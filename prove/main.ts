/**
 * `npm run prove`: the fault-injection suite (README, "Reliability"). Each scenario runs the
 * built CLI (dist/cli/main.js run) as a child process against a writer appending realistic
 * records and the fake sinks of test/helpers, checks every event by (node, @timestamp, serial)
 * and prints one figure line. Exit 1 when a scenario missed a target (an event lost, an extra
 * Elasticsearch document, a crash …), so that CI fails.
 *
 *   node prove/run.mjs [--quick] [--only crash,rotation,…] [--outage-secs N]
 */
import { crash } from './scenarios/crash.js'
import { rotation } from './scenarios/rotation.js'
import { outage } from './scenarios/outage.js'
import { degraded } from './scenarios/degraded.js'
import { badInput } from './scenarios/bad-input.js'
import { disk } from './scenarios/disk.js'
import { figureLine, type Figures, type Scale } from './harness.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const opt = (name: string): string | undefined => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1] }
const only = opt('--only')?.split(',')
const outageSecs = opt('--outage-secs') === undefined ? undefined : Number(opt('--outage-secs'))
const scale: Scale = { quick }

const SCENARIOS: Array<[string, () => Promise<Figures>]> = [
  ['crash', async () => await crash(scale)],
  ['rotation', async () => await rotation(scale)],
  ['outage', async () => await outage(scale, { rotatedAway: false, outageSecs })],
  ['outage-rotated-away', async () => await outage(scale, { rotatedAway: true })],
  ['degraded', async () => await degraded(scale)],
  ['bad-input', async () => await badInput(scale)],
  ['disk', async () => await disk(scale)],
]

const cpus = (await import('node:os')).cpus()
process.stdout.write(`prove: ${quick ? 'quick' : 'full'} suite, node ${process.version}, ${cpus.length} x ${cpus[0]?.model ?? '?'}, ${new Date().toISOString()}\n`)
let failed = 0
for (const [name, run] of SCENARIOS) {
  if (only !== undefined && !only.includes(name)) continue
  let f: Figures
  try {
    f = await run()
  } catch (err) {
    f = { scenario: name, records: 0, events: 0, lost: -1, duplicates: {}, peakRssMb: 0, seconds: 0, extra: {}, failures: [`the scenario threw: ${(err as Error).stack ?? String(err)}`] }
  }
  process.stdout.write(figureLine(f) + '\n')
  for (const why of f.failures) process.stdout.write(`  missed: ${why}\n`)
  for (const why of f.limits ?? []) process.stdout.write(`  known limit (README, Reliability): ${why}\n`)
  if (f.failures.length > 0) failed++
}
process.stdout.write(`prove: ${failed === 0 ? 'all targets met' : `${failed} scenario(s) missed a target`}\n`)
process.exit(failed === 0 ? 0 : 1)
