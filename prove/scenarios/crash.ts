/**
 * crash: SIGKILLs at random moments (while reading, mid-batch, mid-checkpoint-write) with
 * restarts, records arriving all along; then one last run until every sink holds every event.
 * Targets: 0 lost; 0 extra documents in Elasticsearch; duplicates per sink reported.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { config, Daemon, rand, Sinks, stopClean, tally, waitFor, wantKeys, Workspace, Writer, type Figures, type Scale } from '../harness.js'

export async function crash (scale: Scale): Promise<Figures> {
  const t0 = Date.now()
  const kills = scale.quick ? 5 : 100
  const ws = new Workspace('crash')
  const sinks = new Sinks({ es: {}, hec: {}, file: true }, ws)
  await sinks.start()
  const cfg = config(ws, sinks, 'checkpoint: { interval_ms: 1000 }\n')
  const writer = new Writer(ws.log)
  // a steady rate the daemon keeps up with between kills on a shared 2-core machine
  writer.start(scale.quick ? 2000 : 1000)
  const failures: string[] = []
  let peak = 0
  let unreadable = 0
  for (let k = 0; k < kills; k++) {
    const d = new Daemon(cfg)
    // a random moment once this run delivers (startup alone is not the interesting part)
    const before = sinks.deliveredSoFar()
    await waitFor(() => sinks.deliveredSoFar() > before || !d.running, 10_000, 20)
    await sleep(rand(0, 1500))
    if (!d.running) failures.push(`run ${k} exited by itself (${String(d.child.exitCode)}): ${d.stderr().slice(-500)}`)
    await d.kill('SIGKILL')
    peak = Math.max(peak, d.peakKb)
    // the checkpoint is written atomically: after any kill it is whole JSON
    const cp = join(ws.state, 'checkpoint.json')
    if (existsSync(cp)) { try { JSON.parse(readFileSync(cp, 'utf8')) } catch { unreadable++ } }
    if (failures.length > 3) break
  }
  await writer.stop()
  const want = wantKeys(writer.events)
  const d = new Daemon(cfg)
  const done = await waitFor(() => sinks.complete(want) || !d.running, scale.quick ? 90_000 : 900_000)
  await sleep(1500) // the last checkpoint and late answers
  await stopClean(d, failures)
  peak = Math.max(peak, d.peakKb)
  const t = tally(sinks, want)
  if (!done) failures.push('not everything delivered in time')
  if (t.lost > 0 && done) failures.push(`${t.lost} events lost (${JSON.stringify(t.lostBySink)})`)
  if (t.extraEsDocs > 0) failures.push(`${t.extraEsDocs} extra documents in Elasticsearch`)
  if (unreadable > 0) failures.push(`${unreadable} checkpoints unreadable after a kill`)
  await sinks.close()
  if (failures.length === 0) ws.cleanup()
  return { scenario: 'crash', complete: done, records: writer.records, events: writer.events, lost: t.lost, duplicates: t.duplicates, peakRssMb: peak / 1024, seconds: (Date.now() - t0) / 1000, extra: { kills, extra_es_docs: t.extraEsDocs, workdir: failures.length === 0 ? '-' : ws.dir }, failures }
}
