/**
 * run's heap tuning (src/run/heap.ts) under the heap flags the bin runs with: the same
 * daemon-like load (a few MB kept for good, and objects that each live through many young
 * GCs before they are dropped, as events do until their sinks answer) runs fewer full GCs.
 * Counts, not times: the same allocations give the same counts run after run.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { repoRoot } from '../helpers/pipeline.js'

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { auditship: { nodeFlags: string[] } }
const heapModule = pathToFileURL(join(repoRoot, 'dist', 'run', 'heap.js')).href

const load = (tune: boolean): string => `
import { PerformanceObserver, constants } from 'node:perf_hooks'
${tune ? `(await import(${JSON.stringify(heapModule)})).tuneHeapForDaemon()` : ''}
let major = 0
new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++ }).observe({ entryTypes: ['gc'] })
const kept = Array.from({ length: 150000 }, (_, i) => ({ a: i, b: 'x' + i, c: [i] }))
const pending = new Array(20000)
for (let i = 0; i < 3e6; i++) pending[i % 20000] = { v: i, s: 'y' + i, t: [i, i] }
setTimeout(() => { process.stdout.write(JSON.stringify({ major, held: kept.length + pending.length })) }, 50)
`

function majorGcs (tune: boolean): number {
  const r = spawnSync(process.execPath, [...pkg.auditship.nodeFlags, '--input-type=module', '-e', load(tune)], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(r.stderr)
  return (JSON.parse(r.stdout) as { major: number }).major
}

t.test('tuneHeapForDaemon: fewer full GCs for the same load under package.json nodeFlags', async (t) => {
  const plain = majorGcs(false)
  const tuned = majorGcs(true)
  t.ok(plain >= 10, `the load makes full GCs untuned (${plain})`)
  t.ok(tuned <= plain * 0.8, `tuned: ${tuned} full GCs against ${plain}`)
})
