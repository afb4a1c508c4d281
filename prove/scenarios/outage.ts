/**
 * outage: Elasticsearch gone (connections refused) while records keep coming, then back.
 * - kept: every generation stays on disk: 0 lost.
 * - rotated away: auditd keeps few generations and rotates past the last one during the
 *   outage; the events in the removed files that were not read are lost. The loss is counted
 *   here event by event, and compared with what the daemon reports: bytesLost in its log
 *   (files it saw go), and auditship_missing_serials_total (serials that never reached it:
 *   files created and removed while it was held back, which it never saw).
 * A file sink runs alongside: it goes on while Elasticsearch is down.
 */
import { Buffer } from 'node:buffer'
import { setTimeout as sleep } from 'node:timers/promises'
import { eventLines, freePort } from '../../test/helpers/daemon.js'
import { config, Daemon, keyOf, NODE, rotateKeeping, Sinks, stopClean, tally, waitFor, wantKeys, Workspace, Writer, type Figures, type Scale } from '../harness.js'

export async function outage (scale: Scale, opts: { rotatedAway: boolean, outageSecs?: number }): Promise<Figures> {
  const t0 = Date.now()
  const name = opts.rotatedAway ? 'outage-rotated-away' : 'outage'
  const ws = new Workspace(name)
  const sinks = new Sinks({ es: {}, file: true }, ws)
  await sinks.start()
  const port = await freePort()
  const cfg = config(ws, sinks, '', port)
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
  // records go on for longer than the daemon's serial-gap window (10 s of log time: a gap is
  // counted once no late event can fill it), so the hole left by the removed files is counted
  await sleep(opts.rotatedAway ? 12_000 : 2000)
  await writer.stop()
  const gone = (n: number): boolean => removed.some((r) => n >= r.first && n <= r.last)
  const all = wantKeys(writer.events)
  const want = wantKeys(writer.events, gone)
  const done = await waitFor(() => sinks.complete(want) || !d.running, scale.quick ? 90_000 : 600_000)
  await sleep(1500)
  const missingSerials = await scrapeCounter(port, 'auditship_missing_serials_total')
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
    // files created and removed while the tailer was held back were never seen by it: their
    // loss shows as serials that never reached it (one serial per event here)
    if (missingSerials !== lostEvents) failures.push(`${lostEvents} events lost with files removed unread; the daemon counted ${missingSerials ?? 'no'} missing serials (auditship_missing_serials_total)`)
    // bytesLost: only for files the daemon saw go (here: none; reported_bytes_lost says so)
    if (reports > 0 && reported !== lostBytes) limits.push(`${lostBytes} bytes lost, the daemon reported ${reported}`)
    if (lostEvents === 0) failures.push('the outage did not outlast the files on disk: nothing was rotated away unread (scenario too short)')
  }
  await sinks.close()
  if (failures.length === 0) ws.cleanup()
  const extra: Record<string, number | string> = { outage_s: Math.round(downSecs), records_per_s: rate, generations_kept: opts.rotatedAway ? keep : 'all', extra_es_docs: t.extraEsDocs }
  if (opts.rotatedAway) Object.assign(extra, { files_removed: removed.length, lost_rotated_away: lostEvents, lost_bytes: lostBytes, reported_bytes_lost: reported, reported_missing_serials: missingSerials ?? 'none', loss_counted_exactly: missingSerials === lostEvents ? 'yes' : 'no' })
  extra.workdir = failures.length === 0 ? '-' : ws.dir
  return { scenario: name, complete: done, records: writer.records, events: writer.events, lost: tw.lost, duplicates: t.duplicates, peakRssMb: d.peakKb / 1024, seconds: (Date.now() - t0) / 1000, extra, failures, limits }
}

/** A counter's value from the daemon's /metrics (undefined when it cannot be read). */
async function scrapeCounter (port: number, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    const line = text.split('\n').find((l) => l.startsWith(`${name} `))
    return line === undefined ? undefined : Number(line.slice(name.length + 1))
  } catch {
    return undefined
  }
}
