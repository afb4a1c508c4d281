/**
 * degraded sink: 30% of bulk items answered 429, random 503s, slow answers (past the request
 * timeout), connections dropped after indexing; HEC with 503s, dropped connections, acks late
 * or never. Targets: 0 lost, Elasticsearch one document per event, bounded memory.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { config, Daemon, Sinks, stopClean, tally, waitFor, wantKeys, Workspace, Writer, type Figures, type Scale } from '../harness.js'

/** peak RSS above this fails the scenario (README, Performance: the daemon peaks at ~145–165 MB at full speed) */
const RSS_LIMIT_MB = 200

/** A cheap deterministic hash to place faults "at random" and reproducibly. */
function h (a: number, b: number): number {
  return ((a * 2654435761) ^ (b * 40503)) >>> 0
}

export async function degraded (scale: Scale): Promise<Figures> {
  const t0 = Date.now()
  const ws = new Workspace('degraded')
  const sinks = new Sinks({
    es: {
      faults: {
        request: (n) => {
          const r = h(n, 1) % 100
          if (r < 8) return { status: 503 }
          if (r < 12) return { reset: 'after' }
          if (r < 16) return { delayMs: 2500 } // past request_ms: an unknown outcome, sent again
          if (r < 24) return { delayMs: 400 }
          return undefined
        },
        item: (n, i) => h(n, i + 7) % 100 < 30 ? { status: 429 } : undefined,
      },
    },
    hec: {
      ackDelayMs: 20,
      request: (n) => { const r = h(n, 3) % 100; return r < 8 ? { status: 503 } : r < 12 ? { reset: 'after' } : r < 18 ? { delayMs: 500 } : undefined },
      ack: (n) => { const r = h(n, 5) % 100; return r < 8 ? 'never' : r < 20 ? 1500 : undefined },
    },
  }, ws)
  await sinks.start()
  const cfg = config(ws, sinks)
  const writer = new Writer(ws.log)
  const d = new Daemon(cfg)
  const failures: string[] = []
  const rate = scale.quick ? 3000 : 5000
  writer.start(rate)
  await sleep(scale.quick ? 12_000 : 60_000)
  await writer.stop()
  const want = wantKeys(writer.events)
  const done = await waitFor(() => sinks.complete(want) || !d.running, scale.quick ? 120_000 : 300_000)
  await sleep(1500)
  await stopClean(d, failures)
  const t = tally(sinks, want)
  if (!done) failures.push('not everything delivered in time')
  if (t.lost > 0 && done) failures.push(`${t.lost} events lost (${JSON.stringify(t.lostBySink)})`)
  if (t.extraEsDocs > 0) failures.push(`${t.extraEsDocs} extra documents in Elasticsearch`)
  if (d.peakKb / 1024 > RSS_LIMIT_MB) failures.push(`peak RSS ${(d.peakKb / 1024).toFixed(0)} MB over ${RSS_LIMIT_MB} MB`)
  const es = sinks.es
  const hec = sinks.hec
  const extra = {
    records_per_s: rate,
    es_requests: es?.requests.length ?? 0,
    es_faulted: es?.requests.filter((r) => r.status !== 200).length ?? 0,
    hec_requests: hec?.requests.length ?? 0,
    extra_es_docs: t.extraEsDocs,
    workdir: failures.length === 0 ? '-' : ws.dir,
  }
  await sinks.close()
  if (failures.length === 0) ws.cleanup()
  return { scenario: 'degraded', complete: done, records: writer.records, events: writer.events, lost: t.lost, duplicates: t.duplicates, peakRssMb: d.peakKb / 1024, seconds: (Date.now() - t0) / 1000, extra, failures }
}
