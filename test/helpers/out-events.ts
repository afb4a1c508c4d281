/** OutEvents for sink tests: each with its own ticket, meta and a small JSON body. */
import { AckTracker } from '../../src/delivery/ack-tracker.js'
import type { OutEvent } from '../../src/ship/sink.js'

export function outEvents (n: number, from = 0, o: { node?: string, sec?: number, body?: (i: number) => Record<string, unknown> } = {}): OutEvent[] {
  const a = new AckTracker()
  return Array.from({ length: n }, (_, k) => {
    const i = from + k
    const sec = o.sec ?? 1700000000 + Math.floor(i / 1000)
    const doc = o.body?.(i) ?? { '@timestamp': new Date(sec * 1000 + (i % 1000)).toISOString(), n: i, auditd: { sequence: i } }
    return { data: Buffer.from(JSON.stringify(doc)), ticket: a.openEvent(i + 1, { gen: 0, offset: i * 100 }, 1), meta: { node: o.node, sec, ms: i % 1000, serial: i, firstType: 1300 }, queuedAt: Date.now() }
  })
}

/** The event's JSON text, and the event itself. */
export const text = (e: OutEvent): string => e.data.toString('utf8')
export const doc = (e: OutEvent): unknown => JSON.parse(e.data.toString('utf8'))
