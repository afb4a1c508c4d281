/**
 * The HEC event envelope, as a pure function: `time` (epoch seconds with the record's ms),
 * `host`, `source`, `sourcetype`, `index`, indexed `fields` (flat strings), and the event
 * itself as `event`. Envelope keys are set on every object: HEC does not carry them over.
 */
import type { OutEvent } from '../../sink.js'
import { linesBuffer } from '../../http/body.js'

export interface EnvelopeOptions {
  source: string
  sourcetype: string
  index: string | null
  /** host when the record has no node= name (null: the node name, else this machine) */
  host: string | null
  defaultHost: string
  /** indexed field name → dotted path in the event */
  fields: Readonly<Record<string, string>>
}

export class EnvelopeEncoder {
  private readonly fixed: string
  private readonly paths: Array<[string, string[]]>

  constructor (private readonly o: EnvelopeOptions) {
    this.fixed = `,"source":${JSON.stringify(o.source)},"sourcetype":${JSON.stringify(o.sourcetype)}${o.index === null ? '' : `,"index":${JSON.stringify(o.index)}`}`
    this.paths = Object.entries(o.fields).map(([k, p]) => [k, p.split('.')])
  }

  /** The envelope as one string (tests, small batches). */
  encode (e: OutEvent): string {
    return `${this.head(e)}${e.data.toString('utf8')}}`
  }

  /** Envelope pieces of many events written into one Buffer, one object per line. */
  encodeAll (events: readonly OutEvent[]): Buffer {
    return linesBuffer(events.length, (i) => this.head(events[i]), (i) => events[i].data, '}')
  }

  /** Everything of the envelope before the event: `{"time":…,"event":`. */
  private head (e: OutEvent): string {
    const m = e.meta
    const ms = m.ms < 10 ? `00${m.ms}` : m.ms < 100 ? `0${m.ms}` : String(m.ms)
    const host = this.o.host ?? m.node ?? this.o.defaultHost
    let fields = ''
    if (this.paths.length > 0) {
      const doc = JSON.parse(e.data.toString('utf8')) as Record<string, unknown>
      const f: Record<string, string> = {}
      for (const [k, path] of this.paths) {
        let v: unknown = doc
        for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined
        if (typeof v === 'string' || typeof v === 'number') f[k] = String(v)
      }
      if (Object.keys(f).length > 0) fields = `,"fields":${JSON.stringify(f)}`
    }
    return `{"time":${m.sec}.${ms},"host":${JSON.stringify(host)}${this.fixed}${fields},"event":`
  }
}
