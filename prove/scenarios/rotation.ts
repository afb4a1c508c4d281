/**
 * rotation: auditd's rename rotation every few seconds under load, then logrotate's
 * copytruncate, then two copytruncates in a row while Elasticsearch answers slowly (reading
 * is held back: the copied data is still unread when the file is truncated). Target: 0 lost.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { rotateCopyTruncate } from '../../test/helpers/daemon.js'
import { config, Daemon, rotateKeeping, Sinks, stopClean, tally, waitFor, wantKeys, Workspace, Writer, type Figures, type Scale } from '../harness.js'

export async function rotation (scale: Scale): Promise<Figures> {
  const t0 = Date.now()
  const ws = new Workspace('rotation')
  let slow = false
  const sinks = new Sinks({ es: { faults: { request: () => slow ? { delayMs: 400 } : undefined } }, file: true }, ws)
  await sinks.start()
  const cfg = config(ws, sinks)
  const writer = new Writer(ws.log)
  const d = new Daemon(cfg)
  const failures: string[] = []
  const KEEP = 200
  let renames = 0
  let copytruncates = 0
  // phase 1: rename rotation every `every` ms under load
  const rate = scale.quick ? 10_000 : 20_000
  const every = scale.quick ? 2000 : 3000
  let last = Date.now()
  writer.start(rate, () => {
    if (Date.now() - last < every) return
    last = Date.now()
    rotateKeeping(ws.log, KEEP)
    renames++
  })
  await sleep(scale.quick ? 8000 : 30_000)
  await writer.stop()
  // phase 2: copytruncate every `every` ms under load
  last = Date.now()
  writer.start(rate / 2, () => {
    if (Date.now() - last < every) return
    last = Date.now()
    rotateCopyTruncate(ws.log, KEEP)
    copytruncates++
  })
  await sleep(scale.quick ? 4500 : 15_000)
  await writer.stop()
  // phase 3: the sink slow, two copytruncates one second apart
  slow = true
  writer.append(scale.quick ? 5000 : 20_000)
  rotateCopyTruncate(ws.log, KEEP)
  writer.append(scale.quick ? 5000 : 20_000)
  await sleep(1000)
  rotateCopyTruncate(ws.log, KEEP)
  copytruncates += 2
  writer.append(2000)
  await sleep(3000)
  slow = false
  const want = wantKeys(writer.events)
  const done = await waitFor(() => sinks.complete(want) || !d.running, scale.quick ? 90_000 : 600_000)
  await sleep(1000)
  await stopClean(d, failures)
  const t = tally(sinks, want)
  if (!done) failures.push('not everything delivered in time')
  if (t.lost > 0 && done) failures.push(`${t.lost} events lost (${JSON.stringify(t.lostBySink)})`)
  if (t.extraEsDocs > 0) failures.push(`${t.extraEsDocs} extra documents in Elasticsearch`)
  await sinks.close()
  if (failures.length === 0) ws.cleanup()
  return { scenario: 'rotation', complete: done, records: writer.records, events: writer.events, lost: t.lost, duplicates: t.duplicates, peakRssMb: d.peakKb / 1024, seconds: (Date.now() - t0) / 1000, extra: { records_per_s: rate, renames, copytruncates, workdir: failures.length === 0 ? '-' : ws.dir }, failures }
}
