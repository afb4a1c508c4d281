/**
 * outage: Elasticsearch gone (connections refused) while records keep coming, then back.
 * - kept: every generation stays on disk: 0 lost.
 * - rotated away: auditd keeps few generations and rotates past the last one during the
 *   outage; the events in the removed files that were not read are lost. The loss is counted
 *   here event by event, and compared with what the daemon reports (bytesLost in its log).
 * A file sink runs alongside: it goes on while Elasticsearch is down.
 */
import { Buffer } from 'node:buffer'
import { setTimeout as sleep } from 'node:timers/promises'
import { eventLines } from '../../test/helpers/daemon.js'
import { config, Daemon, keyOf, NODE, rotateKeeping, Sinks, stopClean, tally, waitFor, wantKeys, Workspace, Writer, type Figures, type Scale } from '../harness.js'

export async function outage (scale: Scale, opts: { rotatedAway: boolean, outageSecs?: number }): Promise<Figures> {
  const t0 = Date.now()
  const name = opts.rotatedAway ? 'outage-rotated-away' : 'outage'
  const ws = new Workspace(name)
  const sinks = new Sinks({ es: {}, file: true }, ws)
  await sinks.start()
  const cfg = config(ws, sinks)
  const writer = new Writer(ws.log)
  const d = new Daemon(cfg)
  const failures: string[] = []
  const limits: string[] = []
  const keep = opts.rotatedAway ? 3 : 1000
  const outageMs = 1000 * (opts.outageSecs ?? (scale.quick ? 15 : opts.rotatedAway ? 60 : 600))
  const rotations = opts.rotatedAway ? 8 : 5
  // serial ranges of the files on disk, newest first; the removed ones
  const files: Array<{ first: number, last: number }> = [{ first: 1, last: Infinity }]
  const removed: Array<{ first: number, last: number }> = []
  const rotate = (): void => {
    files[0].last = writer.next - 1
    rotateKeeping(ws.log, keep)
    files.unshift({ first: writer.next, last: Infinity })
    while (files.length > keep) removed.push(files.pop() as { first: number, last: number })
  }
  const rate = scale.quick ? 2000 : 1000
  writer.start(rate)
  await sleep(3000)
  await sinks.stopEs()
  const downAt = Date.now()
  for (let k = 0; k < rotations; k++) {
    await sleep(outageMs / rotations)
    rotate()
  }
  const downSecs = (Date.now() - downAt) / 1000
  await sinks.startEs()
  await sleep(2000)
  await writer.stop()
  const gone = (n: number): boolean => removed.some((r) => n >= r.first && n <= r.last)
  const all = wantKeys(writer.events)
  const want = wantKeys(writer.events, gone)
  const done = await waitFor(() => sinks.complete(want) || !d.running, scale.quick ? 90_000 : 600_000)
  await sleep(1500)
  await stopClean(d, failures)
  const t = tally(sinks, all)
  const tw = tally(sinks, want)
  if (!done) failures.push('not everything on disk was delivered in time')
  if (tw.lost > 0 && done) failures.push(`${tw.lost} events lost that were on disk (${JSON.stringify(tw.lostBySink)})`)
  if (t.extraEsDocs > 0) failures.push(`${t.extraEsDocs} extra documents in Elasticsearch`)
  // the loss: events of removed files missing in Elasticsearch, in bytes of the log
  const es = sinks.receipts().get('es') ?? new Map<string, number>()
  let lostEvents = 0
  let lostBytes = 0
  for (const r of removed) {
    for (let n = r.first; n <= r.last; n++) {
      if (!es.has(keyOf(n))) { lostEvents++; lostBytes += Buffer.byteLength(eventLines(n, NODE)) }
    }
  }
  let reported = 0
  let reports = 0
  for (const m of d.stderr().matchAll(/"bytesLost":(\d+)/g)) { reported += Number(m[1]); reports++ }
  if (opts.rotatedAway) {
    // the tailer cannot know of files created and removed while it was held back: it never saw them
    if (lostEvents > 0 && reports === 0) limits.push(`${lostEvents} events (${lostBytes} bytes) lost with files removed unread; the daemon reported no loss`)
    else if (reported !== lostBytes) limits.push(`${lostBytes} bytes lost, the daemon reported ${reported}`)
    if (lostEvents === 0) failures.push('the outage did not outlast the files on disk: nothing was rotated away unread (scenario too short)')
  }
  await sinks.close()
  if (failures.length === 0) ws.cleanup()
  const extra: Record<string, number | string> = { outage_s: Math.round(downSecs), records_per_s: rate, generations_kept: opts.rotatedAway ? keep : 'all', extra_es_docs: t.extraEsDocs }
  if (opts.rotatedAway) Object.assign(extra, { files_removed: removed.length, lost_rotated_away: lostEvents, lost_bytes: lostBytes, reported_bytes_lost: reported, loss_counted_exactly: reported === lostBytes ? 'yes' : 'no' })
  extra.workdir = failures.length === 0 ? '-' : ws.dir
  return { scenario: name, complete: done, records: writer.records, events: writer.events, lost: tw.lost, duplicates: t.duplicates, peakRssMb: d.peakKb / 1024, seconds: (Date.now() - t0) / 1000, extra, failures, limits }
}
