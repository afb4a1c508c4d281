/**
 * Property: no event is ever attributed to a Teleport user other than the one whose session
 * truly caused it. Hundreds of seeded random logs (test/helpers/audit-sim.ts: concurrent
 * Teleport sessions with and without PAM, failed logins, unrelated processes of the same uids,
 * nohup jobs re-parented to pid 1, processes killed without an exit record, pid reuse, reboots,
 * several hosts with skewed clocks, a log that begins mid-session) go through the real
 * pipeline; the simulation knows whose each event is. Unattributed is allowed, a wrong user
 * never. Every fourth seed also restarts the daemon mid-log the way the runner does (state
 * saved as of the oldest undelivered record, everything from there read again).
 */
import t from 'tap'
import { Sim } from '../helpers/audit-sim.js'
import { LineSplitter } from '../../src/source/lines.js'
import { Pipeline, DEFAULT_PIPELINE, type PipelineOptions } from '../../src/pipeline/pipeline.js'
import { DEFAULT_TELEPORT } from '../../src/enrich/teleport.js'
import type { AuditshipEvent } from '../../src/event/types.js'

const SEEDS = Number(process.env.TELEPORT_PROPERTY_SEEDS ?? 300)
const EVENTS = 150

function idOf (d: AuditshipEvent): string {
  const ms = Date.parse(d['@timestamp'])
  return `${d.auditd.node ?? ''}|${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}:${d.auditd.sequence}`
}

interface Out { doc: AuditshipEvent, seq: number }

function pipeline (opts: Partial<PipelineOptions>, out: Out[]): { p: Pipeline, feed: (lines: string[]) => void } {
  const p = new Pipeline({ ...DEFAULT_PIPELINE, validate: false, ...opts }, {
    event: (doc, ev) => { out.push({ doc, seq: ev.records[0].seq }) },
    lineError: (e) => { throw new Error(`unparsable generated line: ${e.error.message}`) },
    invalid: () => {},
  })
  const s = new LineSplitter(65536, p)
  return { p, feed: (lines) => { if (lines.length > 0) s.push(Buffer.from(lines.join('\n') + '\n')); s.end() } }
}

t.test(`${SEEDS} random logs: never attributed to another user`, async (t) => {
  const started = Date.now()
  const wrong: string[] = []
  const c = { events: 0, owned: 0, attributed: 0, restarts: 0, replayed: 0, inexact: 0, hosts2: 0, midStart: 0 }
  const check = (seed: number, how: string, truth: Map<string, string | null>, docs: AuditshipEvent[]): void => {
    for (const d of docs) {
      const owner = truth.get(idOf(d))
      if (owner === undefined) { wrong.push(`seed ${seed} ${how}: event ${idOf(d)} not generated`); continue }
      if (d.teleport !== undefined && d.teleport.user !== owner) {
        wrong.push(`seed ${seed} ${how}: ${idOf(d)} ${d.auditd.records.map((r) => r.type).join(',')} attributed to ${d.teleport.user} (${d.teleport.attribution}), truly ${owner ?? 'nobody\'s'}`)
      }
    }
  }
  for (let seed = 1; seed <= SEEDS; seed++) {
    const gen = new Sim(seed)
    const sim = gen.run({ events: EVENTS })
    const lines = sim.lines.slice(sim.start)
    if (sim.hosts > 1) c.hosts2++
    if (sim.start > 0) c.midStart++
    const whole: Out[] = []
    const w = pipeline({}, whole)
    w.feed(lines)
    w.p.end()
    const docs = whole.map((o) => o.doc)
    check(seed, 'whole', sim.truth, docs)
    c.events += docs.length
    for (const d of docs) {
      if (sim.truth.get(idOf(d)) != null) c.owned++
      if (d.teleport !== undefined) c.attributed++
    }
    if (seed % 4 !== 0 || lines.length < 10) continue

    // the daemon restarts: A read up to `cut`; the checkpoint is the oldest record of an event
    // still open or not yet delivered; B restores A's state and reads again from there
    c.restarts++
    const cut = gen.rng.int(Math.floor(lines.length / 4), Math.floor(lines.length * 3 / 4))
    const journal = { teleport: { ...DEFAULT_TELEPORT, journal: 100000 } }
    const outA: Out[] = []
    const a = pipeline(journal, outA)
    a.feed(lines.slice(0, cut))
    const held = a.p.reassembler.oldestRecord()?.seq
    const recent = outA.slice(-gen.rng.int(0, 8)).map((o) => o.seq)
    const from = Math.min(held ?? cut + 1, ...recent)
    const state = JSON.parse(JSON.stringify(a.p.teleport?.exportState(from)))
    const outB: Out[] = []
    const b = pipeline(journal, outB)
    b.p.teleport?.importState(state)
    b.feed(lines.slice(from - 1))
    b.p.end()
    const delivered = outA.filter((o) => o.seq < from).map((o) => o.doc)
    check(seed, `restart at line ${from} (read up to ${cut})`, sim.truth, [...delivered, ...outB.map((o) => o.doc)])
    // and what is read again is joined as without the restart
    const before = new Map(docs.map((d) => [idOf(d), d]))
    for (const { doc } of outB) {
      const d = before.get(idOf(doc))
      if (d === undefined || d.auditd.records.length !== doc.auditd.records.length) continue
      c.replayed++
      if ((d.teleport?.user ?? null) !== (doc.teleport?.user ?? null)) c.inexact++
    }
  }
  const secs = (Date.now() - started) / 1000
  t.comment(`${SEEDS} seeds, ${c.events} events (${c.owned} of a Teleport session, ${c.attributed} attributed), ${c.hosts2} logs of 2 hosts, ${c.midStart} starting mid-log, ${c.restarts} restarts (${c.replayed} events read again, ${c.inexact} joined differently), ${secs.toFixed(1)} s`)
  t.same(wrong, [], 'no event attributed to another user')
  t.equal(c.inexact, 0, 'after a restart, the events read again are joined as the first time')
  t.ok(c.attributed > c.owned * 0.5, `most events of Teleport sessions are attributed (${c.attributed} of ${c.owned})`)
  t.ok(secs < 30, 'bounded runtime')
})
