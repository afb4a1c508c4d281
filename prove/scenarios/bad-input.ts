/**
 * bad input: fuzzed lines (not audit records: random text, torn records, bad timestamps,
 * control bytes, lines over max_line_bytes) between the events of a real stream, and one
 * giant execve. Targets: no crash; every bad line counted (auditship_parse_errors_total) and in
 * the dead-letter file; every good event delivered; the giant execve delivered (bounded).
 */
import { appendFileSync, createReadStream, existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../../test/helpers/daemon.js'
import { giantExecveLines } from '../../test/helpers/giant-execve.js'
import { config, Daemon, keyOf, keyOfDoc, NODE, Sinks, stopClean, tally, waitFor, wantKeys, Workspace, Writer, type Figures, type Scale } from '../harness.js'

const POOL = Array.from({ length: 997 }, (_, i) => {
  let s = ''
  const len = 8 + (i * 37) % 200
  for (let k = 0; k < len; k++) s += ' abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:;,.()[]"\'/-_'.charAt((i * 131 + k * 29) % 79)
  return s
})
const OVERLONG = 'x'.repeat(70_000)

/** Fuzzed line number i: never an audit record. */
function fuzz (i: number): string {
  if (i % 50_000 === 49_999) return OVERLONG
  switch (i % 6) {
    case 0: return POOL[i % POOL.length]
    case 1: return `node=${NODE} type=`
    case 2: return `type=SYSCALL msg=audit(${i}`
    case 3: return `node=x type=SYSCALL msg=audit(17000zz.${i % 1000}:1): a=b`
    case 4: return `\u0000\u0001\u00ff\ufffd ${POOL[(i * 7) % POOL.length]}`
    default: return `msg=audit(1700000000.000:${i}): no type here`
  }
}

async function countBadLines (path: string): Promise<number> {
  if (!existsSync(path)) return 0
  let n = 0
  for await (const l of createInterface({ input: createReadStream(path) })) if (l.includes('"line":')) n++
  return n
}

const GIANT = 10_000_000

export async function badInput (scale: Scale): Promise<Figures> {
  const t0 = Date.now()
  const ws = new Workspace('bad-input')
  const sinks = new Sinks({ es: {}, file: true }, ws)
  await sinks.start()
  const port = await freePort()
  const cfg = config(ws, sinks, '', port)
  const writer = new Writer(ws.log)
  const events = scale.quick ? 10_000 : 200_000
  const fuzzLines = scale.quick ? 50_000 : 1_000_000
  const per = fuzzLines / events
  let written = 0
  const between = (): string => {
    let s = ''
    for (let k = 0; k < per; k++) s += fuzz(written++) + '\n'
    return s
  }
  const d = new Daemon(cfg)
  const chunk = 2000
  for (let k = 0; k < events; k += chunk) {
    writer.append(chunk, between)
    // the giant execve halfway through
    if (k === Math.floor(events / 2 / chunk) * chunk) appendFileSync(ws.log, giantExecveLines(GIANT, 1700000000 + GIANT / 1000, undefined, NODE))
    await sleep(20)
  }
  const want = wantKeys(writer.events)
  want.add(keyOf(GIANT))
  const good = wantKeys(writer.events)
  const failures: string[] = []
  const done = await waitFor(() => sinks.complete(good) || !d.running, scale.quick ? 120_000 : 600_000)
  await waitFor(() => sinks.complete(want), 5000)
  await sleep(1500)
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then(async (r) => await r.text()).catch(() => '')
  await stopClean(d, failures)
  const counted = Number(/^auditship_parse_errors_total (\d+)$/m.exec(metrics)?.[1] ?? -1)
  const deadLettered = await countBadLines(join(ws.state, 'dead-letter.ndjson'))
  const t = tally(sinks, want)
  const giantDoc = [...(sinks.es?.indices.values() ?? [])].flatMap((idx) => [...idx.values()]).find((doc) => keyOfDoc(doc) === keyOf(GIANT)) as { auditd?: { truncated?: unknown } } | undefined
  if (!done) failures.push('not every good event delivered in time')
  if (t.lost > 0 && done) failures.push(`${t.lost} good events lost (the giant execve included) (${JSON.stringify(t.lostBySink)})`)
  if (counted !== written) failures.push(`parse errors counted ${counted}, bad lines written ${written}`)
  if (deadLettered !== written) failures.push(`bad lines dead-lettered ${deadLettered}, written ${written}`)
  if (giantDoc === undefined) failures.push('the giant execve was not delivered')
  await sinks.close()
  if (failures.length === 0) ws.cleanup()
  return {
    scenario: 'bad-input', complete: done, records: writer.records, events: writer.events, lost: t.lost, duplicates: t.duplicates, peakRssMb: d.peakKb / 1024, seconds: (Date.now() - t0) / 1000,
    extra: { bad_lines: written, parse_errors: counted, dead_lettered: deadLettered, giant_execve: giantDoc === undefined ? 'missing' : giantDoc.auditd?.truncated !== undefined ? 'delivered-truncated' : 'delivered', workdir: failures.length === 0 ? '-' : ws.dir },
    failures,
  }
}
